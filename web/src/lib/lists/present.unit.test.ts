import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  alertAnnouncement,
  evidenceItems,
  groupEvidence,
  isNewSelPoll,
  metricLabel,
  metricRows,
  metricValue,
  newIds,
  selDescription,
  selRawLine,
  selSensor,
  silenceBody,
  silenceScopeText,
  words,
  wordsLower,
} from './present.js';

const NOW = Date.parse('2026-11-29T12:00:00.000Z');
const alert = {
  serverId: 'bmc1',
  componentType: 'SENSOR',
  component: 'CPU Temp',
  condition: 'SENSOR_THRESHOLD',
};

describe('insight metrics', () => {
  it('labels known and unknown keys in words', () => {
    assert.equal(metricLabel('slopePerDay'), 'Slope per day');
    assert.equal(metricLabel('uncorrectable'), 'Uncorrectable');
    assert.equal(metricLabel('someNewThing_x'), 'Some new thing x');
  });
  it('gives values the unit their name implies', () => {
    assert.equal(metricValue('windowDays', 7), '7 d');
    assert.equal(metricValue('acLossWindowHours', 24), '24 h');
    assert.equal(metricValue('selFillPercent', 87.25), '87.3 %');
    assert.equal(metricValue('slopePerDay', 0.4), '+0.4 per day');
    assert.equal(metricValue('r2', 0.91234), '0.912');
    assert.equal(metricValue('count', 6), '6');
    assert.equal(metricValue('x', null), 'n/a');
  });
  it('keeps the API order', () => {
    assert.deepEqual(
      metricRows({ count: 6, windowDays: 7 }).map((r) => r.label),
      ['Count', 'Window'],
    );
    assert.deepEqual(metricRows(null), []);
  });
});

describe('insight evidence', () => {
  it('reads the InsightEvidence records (occurredAt in ms)', () => {
    assert.deepEqual(evidenceItems([{ eventId: 'e1', occurredAt: NOW, note: 'DIMM A1: error' }]), [
      { eventId: 'e1', at: '2026-11-29T12:00:00.000Z', note: 'DIMM A1: error' },
    ]);
  });
  it('shows unexpected shapes as text instead of dropping them', () => {
    const [a, b, c] = evidenceItems([{ eventId: 'e2' }, { weird: 1 }, 42]);
    assert.equal(a?.note, 'Supporting event');
    assert.equal(b?.note, '{"weird":1}');
    assert.equal(c?.note, '42');
  });
  it('groups the same note, in order of first appearance', () => {
    const groups = groupEvidence(
      evidenceItems([
        { eventId: '1', occurredAt: 1, note: 'a' },
        { eventId: '2', occurredAt: 2, note: 'b' },
        { eventId: '3', occurredAt: 3, note: 'a' },
      ]),
    );
    assert.deepEqual(
      groups.map((g) => [g.note, g.items.length]),
      [
        ['a', 2],
        ['b', 1],
      ],
    );
  });
});

describe('alerts', () => {
  it('announces a new alert with its severity and server', () => {
    assert.equal(
      alertAnnouncement(
        { severity: 'CRITICAL', serverId: 'bmc4', summary: 'CPU Temp high' },
        (id) => `srv-${id}`,
      ),
      'New critical alert on srv-bmc4: CPU Temp high',
    );
    assert.equal(
      alertAnnouncement({}, (id) => id),
      'New alert on a server',
    );
  });
  it('words', () => {
    assert.equal(words('SEL_MEMORY_ECC'), 'SEL memory ECC');
    assert.equal(words('POWER_SUPPLY'), 'Power supply');
    assert.equal(words('sensor-threshold'), 'Sensor threshold');
    assert.equal(wordsLower('POWER_SUPPLY'), 'power supply');
    assert.equal(wordsLower('SEL'), 'SEL');
    assert.equal(words(null), '');
  });
});

describe('silences', () => {
  const form = { scope: 'condition', duration: '4h', until: null, reason: ' fan swap ' } as const;
  it('matches this alert kind on this component by default', () => {
    assert.deepEqual(silenceBody(alert, form, NOW), {
      body: {
        serverIds: ['bmc1'],
        componentType: 'SENSOR',
        component: 'CPU Temp',
        condition: 'SENSOR_THRESHOLD',
        duration: '4h',
        comment: 'fan swap',
      },
    });
  });
  it('widens to the component or the whole server', () => {
    const c = silenceBody(alert, { ...form, scope: 'component' }, NOW);
    assert.ok('body' in c && c.body.condition === null && c.body.component === 'CPU Temp');
    const s = silenceBody(alert, { ...form, scope: 'server' }, NOW);
    assert.ok('body' in s && s.body.componentType === null && s.body.component === null);
  });
  it('takes a custom end in the future, and needs a reason', () => {
    const later = silenceBody(
      alert,
      { ...form, duration: 'custom', until: '2026-11-30T00:00:00.000Z' },
      NOW,
    );
    assert.ok('body' in later && later.body.endsAt === '2026-11-30T00:00:00.000Z');
    assert.ok('body' in later && later.body.duration === undefined);
    const past = silenceBody(
      alert,
      { ...form, duration: 'custom', until: '2026-11-01T00:00:00Z' },
      NOW,
    );
    assert.ok('problem' in past);
    assert.ok('problem' in silenceBody(alert, { ...form, duration: 'custom', until: null }, NOW));
    assert.ok('problem' in silenceBody(alert, { ...form, reason: '  ' }, NOW));
  });
  it('says what a silence covers', () => {
    assert.equal(silenceScopeText(alert), 'CPU Temp (sensor) · Sensor threshold');
    assert.equal(
      silenceScopeText({ componentType: null, component: null, condition: null }),
      'Every alert',
    );
    assert.equal(
      silenceScopeText({ componentType: 'POWER', component: null, condition: null }),
      'any power',
    );
    assert.equal(
      silenceScopeText({ componentType: 'SEL', component: 'PSU1 Status', condition: null }),
      'PSU1 Status (SEL)',
    );
  });
});

describe('live', () => {
  it('refreshes events only after a SEL poll that read entries', () => {
    assert.equal(isNewSelPoll({ kind: 'SEL', itemsRead: 2 }), true);
    assert.equal(isNewSelPoll({ kind: 'SEL', itemsRead: 0 }), false);
    assert.equal(isNewSelPoll({ kind: 'SENSORS', itemsRead: 11 }), false);
  });
  it('finds the rows a refresh brought, none on a first load', () => {
    const id = (x: { id: string }) => x.id;
    assert.deepEqual(newIds([{ id: 'a' }], [{ id: 'b' }, { id: 'a' }], id), ['b']);
    assert.deepEqual(newIds([], [{ id: 'b' }], id), []);
  });
});

describe('SEL entries', () => {
  const e = {
    recordId: 2,
    time: '2026-11-29T05:14:31.000Z',
    bmcTimestampRaw: 'Nov-29-2026 05:14:31',
    sensorType: 'POWER_SUPPLY',
    sensorName: 'PSU1 Status',
    sensorId: 'PSU1 Status',
    sensorNumber: null,
    description: 'Power Supply Failure detected',
    direction: 'DEASSERTION',
    eventOffset: 1,
  };
  it('reads as an ipmitool sel elist line', () => {
    assert.equal(
      selRawLine(e),
      '   2 | Nov-29-2026 05:14:31 | Power supply PSU1 Status | Power Supply Failure detected | Deasserted',
    );
  });
  it('falls back to the sensor id or number and a generic description', () => {
    assert.equal(selSensor({ sensorName: null, sensorId: null, sensorNumber: 7 }), '#7');
    assert.equal(
      selDescription({ description: null, sensorType: 'TEMPERATURE', eventOffset: 9 }),
      'Temperature event, offset 9',
    );
    assert.match(
      selRawLine({ ...e, bmcTimestampRaw: null, direction: 'ASSERTION' }),
      /2026-11-29T05:14:31.000Z .* Asserted$/,
    );
  });
});
