import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '@ipmi-monitor/ipmi';
import { schemaSources } from '@ipmi-monitor/schemas';
import avro from 'avsc';
import { sensorIdOf, toReadingEvent, toSelEvent, wallClockAsUtc } from './model.js';

const ctx = {
  serverId: 'srv-1',
  pollId: 'poll-1',
  observedAt: Date.UTC(2026, 10, 28, 14, 10),
  source: 'collector@test',
};
const valid = (record: string, value: unknown) =>
  avro.Type.forSchema(schemaSources[record as keyof typeof schemaSources] as avro.Schema).isValid(
    value,
    {
      errorHook: (path) => assert.fail(`${record}: invalid at ${path.join('.')}`),
    },
  );

test('SEL entries become valid SelEntryRecorded events with UTC time corrected by the BMC offset', () => {
  const [e] = parse(
    'ipmitool-sel-elist',
    '   1 | 11/28/26 | 15:03:41 | Temperature CPU Temp | Upper Critical going high | Asserted | Reading 95 > Threshold 90 degrees C',
  );
  assert.ok(e && e.kind === 'sel');
  // The BMC clock runs one hour ahead of the collector (a local-time BMC in UTC+1).
  const ev = toSelEvent(e, { ...ctx, clockOffsetMs: 3_600_000 });
  assert.equal(ev.occurredAt, Date.UTC(2026, 10, 28, 14, 3, 41));
  assert.equal(ev.bmcTimestamp, Date.UTC(2026, 10, 28, 15, 3, 41));
  assert.equal(ev.timestampBasis, 'BMC_CLOCK');
  assert.equal(ev.eventDirection, 'ASSERTION');
  assert.equal(ev.severity, 'CRITICAL');
  assert.equal(ev.sensorType, 'TEMPERATURE');
  assert.ok(valid('SelEntryRecorded', ev));
  assert.equal(
    ev.eventId,
    toSelEvent(e, { ...ctx, pollId: 'poll-2', clockOffsetMs: 0 }).eventId,
    'id independent of poll',
  );
});

test('pre-init entries take the collector clock and say so', () => {
  const [e] = parse(
    'ipmitool-sel-elist',
    '   2 | Pre-Init  |0000000003| Power Supply PSU1 Status | Presence detected | Asserted',
  );
  assert.ok(e && e.kind === 'sel');
  const ev = toSelEvent(e, { ...ctx, clockOffsetMs: 0 });
  assert.equal(ev.timestampBasis, 'PRE_INIT');
  assert.equal(ev.occurredAt, ctx.observedAt);
  assert.equal(ev.bmcTimestamp, null);
  assert.ok(valid('SelEntryRecorded', ev));
});

test('sensor readings become valid SensorReadingRecorded events; na stays null, not 0', () => {
  const rows = parse(
    'ipmitool-sensor',
    [
      'CPU Temp         | 45.000     | degrees C  | ok    | na        | na        | na        | 80.000    | 90.000    | 100.000',
      'CPU2 Temp        | na         |            | na    | na        | na        | na        | na        | na        | na',
    ].join('\n'),
  );
  const [cpu, absent] = rows.map((r) => {
    assert.equal(r.kind, 'sensor');
    return toReadingEvent(r, ctx);
  });
  assert.ok(cpu && absent);
  assert.equal(cpu.value, 45);
  assert.deepEqual(cpu.thresholds, { lnr: null, lcr: null, lnc: null, unc: 80, ucr: 90, unr: 100 });
  assert.equal(cpu.sensorType, 'TEMPERATURE');
  assert.equal(absent.value, null);
  assert.ok(valid('SensorReadingRecorded', cpu) && valid('SensorReadingRecorded', absent));
  assert.notEqual(cpu.eventId, absent.eventId);
});

test('helpers: sensor ids and wall-clock parsing', () => {
  assert.equal(sensorIdOf('FAN1', 3), 'FAN1#0x03');
  assert.equal(sensorIdOf('FAN1', null), 'FAN1');
  assert.equal(wallClockAsUtc('2026-11-28T14:03:41'), Date.UTC(2026, 10, 28, 14, 3, 41));
  assert.equal(wallClockAsUtc('2026-11-28T15:03:41+01:00'), Date.UTC(2026, 10, 28, 14, 3, 41));
  assert.equal(wallClockAsUtc('garbage'), null);
});
