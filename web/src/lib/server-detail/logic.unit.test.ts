import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createPartsRefresher,
  attentionSensors,
  crossedKey,
  defaultSensor,
  discreteStates,
  driverLabel,
  eventDetails,
  eventsCsvHref,
  eventsFrom,
  eventsPath,
  groupSensors,
  isRangeKey,
  mergeEvents,
  partsFor,
  presentThresholds,
  rangeWindow,
  stepLabel,
  readingsCsvHref,
  readingsPath,
  toChartSeries,
  unitText,
  valueText,
  type Part,
} from './logic';
import type { SelEvent, Sensor, SeriesPoint } from './types';

function sensor(p: Partial<Sensor> & { sensorId: string }): Sensor {
  return {
    name: p.sensorId,
    number: null,
    entity: null,
    type: 'TEMPERATURE',
    readingKind: 'THRESHOLD',
    unit: 'C',
    value: 40,
    state: 'OK',
    crossedThreshold: null,
    thresholds: {},
    discreteStates: [],
    time: '2026-11-29T05:00:00.000Z',
    ...p,
  };
}

function event(id: string, time: string, extra: Partial<SelEvent> = {}): SelEvent {
  return {
    eventId: id,
    serverId: 'bmc1',
    time,
    observedAt: time,
    recordId: 1,
    timestampBasis: 'BMC_CLOCK',
    bmcTimestampRaw: null,
    sensorType: 'MEMORY',
    sensorNumber: null,
    sensorName: 'DIMM A1',
    sensorId: 'DIMM A1',
    direction: 'ASSERTION',
    eventOffset: null,
    eventData: null,
    description: 'Correctable memory error',
    severity: 'WARNING',
    rawLine: null,
    ...extra,
  };
}

test('ranges: keys, windows ending now in whole seconds', () => {
  assert.ok(isRangeKey('1h') && isRangeKey('24h') && isRangeKey('7d'));
  assert.ok(!isRangeKey('2h') && !isRangeKey(null));
  const now = Date.parse('2026-11-29T12:00:00.400Z');
  assert.deepEqual(rangeWindow('1h', now), {
    from: '2026-11-29T11:00:01Z',
    to: '2026-11-29T12:00:01Z',
  });
  assert.equal(rangeWindow('7d', now).from, '2026-11-22T12:00:01Z');
  assert.equal(eventsFrom('24h', now), '2026-11-28T12:00:00Z');
  assert.equal(eventsFrom('nope', now), '2026-11-22T12:00:00Z');
});

test('units and values: collector units get their symbols', () => {
  assert.equal(unitText('C'), '°C');
  assert.equal(unitText('F'), '°F');
  assert.equal(unitText('RPM'), 'RPM');
  assert.equal(unitText(null), '');
  assert.equal(valueText(41.5, 'C'), '41.5 °C');
  assert.equal(valueText(4250, 'RPM'), '4,250 RPM');
  assert.equal(valueText(null, 'V'), 'n/a');
});

test('thresholds: only those present, lowest first, with their level', () => {
  const t = presentThresholds({ lnr: null, lcr: 10.8, lnc: 11.4, unc: 12.6, ucr: 13.2 });
  assert.deepEqual(
    t.map((x) => [x.code, x.value, x.level]),
    [
      ['LCR', 10.8, 'critical'],
      ['LNC', 11.4, 'warning'],
      ['UNC', 12.6, 'warning'],
      ['UCR', 13.2, 'critical'],
    ],
  );
  assert.equal(presentThresholds({ unr: 100 })[0]?.level, 'nonrecoverable');
  assert.deepEqual(presentThresholds(null), []);
  assert.equal(crossedKey('UCR'), 'ucr');
  assert.equal(crossedKey('UNKNOWN'), null);
  assert.equal(crossedKey(null), null);
});

test('groups: operator order first, then by name; worst state per group', () => {
  const groups = groupSensors([
    sensor({ sensorId: 'PSU1 Status', type: 'POWER_SUPPLY', readingKind: 'DISCRETE' }),
    sensor({ sensorId: 'FAN2', type: 'FAN', unit: 'RPM' }),
    sensor({ sensorId: 'FAN10', type: 'FAN', unit: 'RPM', state: 'CRITICAL' }),
    sensor({ sensorId: 'CPU Temp', state: 'WARNING' }),
    sensor({ sensorId: '12V', type: 'VOLTAGE', unit: 'V' }),
    sensor({ sensorId: 'DIMM A1', type: 'MEMORY', readingKind: 'DISCRETE' }),
  ]);
  assert.deepEqual(
    groups.map((g) => [g.type, g.label, g.worst]),
    [
      ['TEMPERATURE', 'Temperature', 'WARNING'],
      ['FAN', 'Fan', 'CRITICAL'],
      ['VOLTAGE', 'Voltage', 'OK'],
      ['MEMORY', 'Memory', 'OK'],
      ['POWER_SUPPLY', 'Power supply', 'OK'],
    ],
  );
  // Numeric-aware: FAN2 before FAN10.
  assert.deepEqual(
    groups[1]!.sensors.map((s) => s.sensorId),
    ['FAN2', 'FAN10'],
  );
});

test('attention and the default sensor of the chart', () => {
  const list = [
    sensor({ sensorId: 'Inlet Temp' }),
    sensor({ sensorId: 'CPU Temp' }),
    sensor({ sensorId: 'FAN1', type: 'FAN', state: 'WARNING' }),
    sensor({ sensorId: '12V', type: 'VOLTAGE', state: 'CRITICAL' }),
    sensor({ sensorId: 'PSU', type: 'POWER_SUPPLY', readingKind: 'DISCRETE', state: 'CRITICAL' }),
  ];
  assert.deepEqual(
    attentionSensors(list).map((s) => s.sensorId),
    ['12V', 'PSU', 'FAN1'],
  );
  // The worst chartable one (the discrete PSU cannot be charted).
  assert.equal(defaultSensor(list), '12V');
  assert.equal(defaultSensor(list, 'FAN1'), 'FAN1');
  assert.equal(defaultSensor(list, 'gone'), '12V');
  const calm = list.map((s) => ({ ...s, state: 'OK' }));
  assert.equal(defaultSensor(calm), 'CPU Temp');
  assert.equal(defaultSensor([sensor({ sensorId: 'V', type: 'VOLTAGE' })]), 'V');
  assert.equal(defaultSensor([]), null);
});

test('discrete states as text', () => {
  assert.deepEqual(discreteStates(['Presence detected', '']), ['Presence detected']);
  assert.deepEqual(discreteStates([{ name: 'Failure detected' }, 3]), ['Failure detected', '3']);
  assert.deepEqual(discreteStates(null), []);
});

function pt(t: string, avg: number | null, min = avg, max = avg): SeriesPoint {
  return { t, min, avg, max, last: avg, state: 'OK' };
}

test('chart series: seconds, sorted, a null where polls stopped', () => {
  const s = toChartSeries(
    [
      pt('2026-11-29T00:01:00Z', 41, 40, 42),
      pt('2026-11-29T00:00:00Z', 40),
      pt('2026-11-29T00:02:00Z', 42),
      pt('2026-11-29T00:03:00Z', null),
      // 30 min without polls
      pt('2026-11-29T00:33:00Z', 45),
      pt('2026-11-29T00:34:00Z', 46),
    ],
    60,
  );
  const t0 = Date.parse('2026-11-29T00:00:00Z') / 1000;
  assert.deepEqual(
    s.timestamps.map((t) => t - t0),
    [0, 60, 120, 180, 240, 1980, 2040],
  );
  assert.deepEqual(s.avg, [40, 41, 42, null, null, 45, 46]);
  assert.deepEqual(s.min, [40, 40, 42, null, null, 45, 46]);
  assert.deepEqual(s.max, [40, 42, 42, null, null, 45, 46]);
  assert.deepEqual(toChartSeries([], 60), { timestamps: [], avg: [], min: [], max: [] });
});

test('chart series: avg falls back to last; regular data gets no gaps', () => {
  const s = toChartSeries(
    [
      { t: '2026-11-29T00:00:00Z', min: null, avg: null, max: null, last: 7, state: null },
      pt('2026-11-29T01:00:00Z', 8),
      pt('2026-11-29T02:00:00Z', 9),
    ],
    3600,
  );
  assert.deepEqual(s.avg, [7, 8, 9]);
});

test('chart series: the edges of the window as empty points', () => {
  const w = { from: '2026-11-28T00:00:00Z', to: '2026-11-29T00:00:00Z' };
  const s = toChartSeries([pt('2026-11-28T12:00:00Z', 5)], 180, w);
  assert.deepEqual(s.timestamps, [
    Date.parse(w.from) / 1000,
    Date.parse('2026-11-28T12:00:00Z') / 1000,
    Date.parse(w.to) / 1000,
  ]);
  assert.deepEqual(s.avg, [null, 5, null]);
  assert.equal(toChartSeries([], 180, w).timestamps.length, 0);
});

test('events: pages merged without duplicates, newest first; details of present fields', () => {
  const a = [event('b', '2026-11-29T02:00:00Z'), event('a', '2026-11-29T01:00:00Z')];
  const b = [event('c', '2026-11-29T03:00:00Z'), event('b', '2026-11-29T02:00:00Z')];
  assert.deepEqual(
    mergeEvents(a, b).map((e) => e.eventId),
    ['c', 'b', 'a'],
  );
  const d = eventDetails(event('x', '2026-11-29T01:00:00Z', { eventData: '01ff02' }));
  assert.deepEqual(
    d.map((r) => r.name),
    ['Record id', 'Direction', 'Event data', 'Timestamp basis', 'Event id'],
  );
  assert.equal(d[1]!.value, 'Assertion');
  const raw = eventDetails(event('y', '2026-11-29T01:00:00Z', { rawLine: '1,Nov-28 | x' }));
  assert.deepEqual(raw[0], { name: 'Raw line', value: '1,Nov-28 | x' });
});

test('paths: the parameters the API takes', () => {
  assert.equal(
    readingsPath('bmc 1', 'CPU Temp#0x30', '2026-11-29T00:00:00Z', '2026-11-29T01:00:00Z'),
    '/api/v1/servers/bmc%201/readings?sensor=CPU+Temp%230x30&from=2026-11-29T00%3A00%3A00Z&to=2026-11-29T01%3A00%3A00Z',
  );
  assert.equal(
    readingsCsvHref('bmc1', 'FAN1', 'A', 'B'),
    '/api/v1/export/readings.csv?serverId=bmc1&sensor=FAN1&from=A&to=B',
  );
  assert.equal(
    eventsPath('bmc1', ['CRITICAL', 'WARNING'], 'F', 50, 'cur'),
    '/api/v1/events?serverId=bmc1&severity=CRITICAL&severity=WARNING&from=F&limit=50&cursor=cur',
  );
  assert.equal(eventsPath('bmc1', [], 'F', 50), '/api/v1/events?serverId=bmc1&from=F&limit=50');
  assert.equal(
    eventsCsvHref('bmc1', ['INFO'], 'F'),
    '/api/v1/export/events.csv?serverId=bmc1&severity=INFO&from=F',
  );
});

test('live events: what each one refreshes', () => {
  assert.deepEqual(partsFor('PollCompleted', { kind: 'SENSORS' }), ['header', 'sensors', 'chart']);
  assert.deepEqual(partsFor('PollCompleted', { kind: 'SEL' }), ['header', 'events']);
  assert.deepEqual(partsFor('PollCompleted', { kind: 'POWER' }), ['header']);
  assert.deepEqual(partsFor('AlertRaised', {}), ['header', 'alerts', 'sensors']);
  assert.deepEqual(partsFor('BmcReachabilityChanged', {}), ['header']);
  assert.deepEqual(partsFor('InsightRaised', {}), ['insights']);
});

test('refresher: a burst is read once after 1 s and again 4 s after the last event', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const runs: Part[][] = [];
  const r = createPartsRefresher((parts) => runs.push([...parts].sort()));
  r.schedule(['header']);
  t.mock.timers.tick(500);
  r.schedule(['alerts', 'header']);
  t.mock.timers.tick(499);
  assert.equal(runs.length, 0);
  t.mock.timers.tick(1);
  assert.deepEqual(runs, [['alerts', 'header']]);
  t.mock.timers.tick(3499);
  assert.equal(runs.length, 1);
  t.mock.timers.tick(1);
  assert.deepEqual(runs, [
    ['alerts', 'header'],
    ['alerts', 'header'],
  ]);
  // Nothing more once the burst is over.
  t.mock.timers.tick(10_000);
  assert.equal(runs.length, 2);
  // cancel() drops what is pending.
  r.schedule(['sensors']);
  r.cancel();
  t.mock.timers.tick(10_000);
  assert.equal(runs.length, 2);
});

test('refresher: a steady stream of events cannot postpone the reads', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const runs: Part[][] = [];
  const r = createPartsRefresher((parts) => runs.push([...parts].sort()));
  // An event every 400 ms for 3 s: a read about every second, each of the parts named since
  // the previous read.
  for (let i = 0; i < 8; i++) {
    r.schedule(i === 3 ? ['insights'] : ['header']);
    t.mock.timers.tick(400);
  }
  assert.deepEqual(runs, [['header'], ['header', 'insights']]);
  t.mock.timers.tick(200); // 1 s after the event at 2.4 s
  assert.deepEqual(runs, [['header'], ['header', 'insights'], ['header']]);
  // 4 s after the last event (at 2.8 s), the whole burst is read once more.
  t.mock.timers.tick(3399);
  assert.equal(runs.length, 3);
  t.mock.timers.tick(1);
  assert.deepEqual(runs.at(-1), ['header', 'insights']);
  assert.equal(runs.length, 4);
});

test('driver labels', () => {
  assert.equal(driverLabel('FREEIPMI'), 'FreeIPMI');
  assert.equal(driverLabel('IPMITOOL'), 'ipmitool');
  assert.equal(driverLabel('OTHER'), 'OTHER');
});

test('probe step labels', () => {
  assert.equal(stepLabel('rmcp-ping'), 'RMCP ping');
  assert.equal(stepLabel('sel_info'), 'SEL info');
  assert.equal(stepLabel('DCMI'), 'DCMI');
  assert.equal(stepLabel('session'), 'Session');
});
