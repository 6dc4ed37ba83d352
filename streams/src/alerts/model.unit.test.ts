import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  sampleEvents,
  type AnyEvent,
  type BmcReachabilityChanged,
  type ChassisPowerObserved,
  type SelEntryRecorded,
  type SensorReadingRecorded,
  type SilenceLifted,
  type SilenceSet,
} from '@ipmi-monitor/schemas';
import {
  EMPTY_SERVER_ALERT_STATE,
  decideAlerts,
  decideFleetAlerts,
  type AlertConfig,
  type AlertEvent,
  type ServerAlertState,
} from './model.js';

const T0 = Date.parse('2026-11-28T12:00:00.000Z');
const MIN = 60_000;
const SERVER = sampleEvents.SensorReadingRecorded.serverId;
let seq = 0;
const id = (p: string) => `${p}-${++seq}`;

// --- builders: the sample events with the fields a test cares about -------------------------

function reading(
  at: number,
  over: Partial<SensorReadingRecorded> = {},
): { type: 'SensorReadingRecorded'; value: SensorReadingRecorded } {
  const base = sampleEvents.SensorReadingRecorded;
  return {
    type: 'SensorReadingRecorded',
    value: { ...base, eventId: id('rd'), occurredAt: at, observedAt: at, ...over },
  };
}
const critical = (at: number, over: Partial<SensorReadingRecorded> = {}) =>
  reading(at, { state: 'CRITICAL', value: 91, crossedThreshold: 'UCR', ...over });
const warning = (at: number, over: Partial<SensorReadingRecorded> = {}) =>
  reading(at, { state: 'WARNING', value: 86, crossedThreshold: 'UNC', ...over });
const ok = (at: number, over: Partial<SensorReadingRecorded> = {}) =>
  reading(at, { state: 'OK', value: 60, crossedThreshold: null, ...over });
const fan = { sensorId: 'FAN3#0x43', sensorName: 'FAN3', sensorType: 'FAN', unit: 'RPM' } as const;

function sel(
  at: number,
  over: Partial<SelEntryRecorded> = {},
): { type: 'SelEntryRecorded'; value: SelEntryRecorded } {
  const base = sampleEvents.SelEntryRecorded;
  return {
    type: 'SelEntryRecorded',
    value: { ...base, eventId: id('sel'), occurredAt: at, observedAt: at, ...over },
  };
}
const ecc = {
  sensorType: 'MEMORY',
  sensorName: 'DIMMA1',
  sensorId: 'DIMMA1#0xd1',
  eventOffset: 0,
  description: 'Correctable ECC',
  severity: 'WARNING',
} as const;

function bmc(
  at: number,
  reachable: boolean,
): { type: 'BmcReachabilityChanged'; value: BmcReachabilityChanged } {
  const base = sampleEvents.BmcReachabilityChanged;
  return {
    type: 'BmcReachabilityChanged',
    value: {
      ...base,
      eventId: id('reach'),
      occurredAt: at,
      reachable,
      reason: reachable ? null : 'TIMEOUT',
    },
  };
}

function power(
  at: number,
  over: Partial<ChassisPowerObserved> = {},
): { type: 'ChassisPowerObserved'; value: ChassisPowerObserved } {
  const base = sampleEvents.ChassisPowerObserved;
  return {
    type: 'ChassisPowerObserved',
    value: { ...base, eventId: id('pwr'), occurredAt: at, ...over },
  };
}

function silence(
  at: number,
  over: Partial<SilenceSet> = {},
): { type: 'SilenceSet'; value: SilenceSet } {
  const base = sampleEvents.SilenceSet;
  return {
    type: 'SilenceSet',
    value: {
      ...base,
      serverId: SERVER,
      eventId: id('sil'),
      occurredAt: at,
      silenceId: 'sil-1',
      componentType: 'SENSOR',
      component: 'CPU1 Temp#0x01',
      condition: null,
      startsAt: at,
      endsAt: at + 60 * MIN,
      ...over,
    },
  };
}

function lift(at: number, silenceId = 'sil-1'): { type: 'SilenceLifted'; value: SilenceLifted } {
  return {
    type: 'SilenceLifted',
    value: {
      ...sampleEvents.SilenceLifted,
      serverId: SERVER,
      eventId: id('lift'),
      occurredAt: at,
      silenceId,
    },
  };
}

// --- driver ------------------------------------------------------------------------------------

const ctx = (config: Partial<AlertConfig> = {}) => ({
  source: 'streams@test',
  observedAt: T0,
  config,
});

/** Feeds events through the decider; returns every emitted event and the final state. */
function run(events: readonly AnyEvent[], config: Partial<AlertConfig> = {}) {
  let state: ServerAlertState = EMPTY_SERVER_ALERT_STATE;
  const out: AlertEvent[] = [];
  for (const e of events) {
    const d = decideAlerts(state, e, ctx(config));
    state = d.state;
    out.push(...d.out);
  }
  return { out, state, types: out.map((e) => e.type) };
}

const every = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

// --- tests -------------------------------------------------------------------------------------

test('10 repeated critical readings raise one alert and no update storm', () => {
  const { out, state } = run(every(10, (i) => critical(T0 + i * MIN)));
  assert.deepEqual(
    out.map((e) => e.type),
    ['AlertRaised'],
  );
  const raised = out[0]?.value;
  assert.equal(raised?.revision, 1);
  assert.equal(raised?.condition, 'SENSOR_THRESHOLD');
  assert.equal(raised?.componentType, 'SENSOR');
  assert.equal(raised?.component, 'CPU1 Temp#0x01');
  assert.equal(raised?.threshold, 90);
  assert.equal(raised?.summary, 'CPU1 Temp 91 C above UCR 90 C');
  const open = Object.values(state.open);
  assert.equal(open.length, 1);
  assert.equal(open[0]?.occurrences, 10);
  assert.equal(open[0]?.lastSeenAt, T0 + 9 * MIN);
});

test('a recurring alert emits RECURRED at most once per updateEveryMs', () => {
  // 40 minutes of readings, one a minute: updates at +15 and +30 only.
  const { out } = run(every(41, (i) => critical(T0 + i * MIN)));
  assert.deepEqual(
    out.map((e) => [e.type, e.value.revision, e.value.occurredAt - T0]),
    [
      ['AlertRaised', 1, 0],
      ['AlertUpdated', 2, 15 * MIN],
      ['AlertUpdated', 3, 30 * MIN],
    ],
  );
  const last = out[2];
  assert.equal(last?.type, 'AlertUpdated');
  if (last?.type === 'AlertUpdated') {
    assert.deepEqual(last.value.changes, ['RECURRED']);
    assert.equal(last.value.occurrences, 31);
  }
});

test('WARNING then CRITICAL escalates the same alert with one AlertUpdated', () => {
  const { out } = run([
    warning(T0),
    warning(T0 + MIN),
    critical(T0 + 2 * MIN),
    critical(T0 + 3 * MIN),
  ]);
  assert.deepEqual(
    out.map((e) => e.type),
    ['AlertRaised', 'AlertUpdated'],
  );
  const [raised, updated] = out;
  assert.equal(raised?.value.severity, 'WARNING');
  assert.equal(updated?.value.alertId, raised?.value.alertId);
  assert.equal(updated?.value.severity, 'CRITICAL');
  assert.equal(updated?.value.threshold, 90);
  if (updated?.type === 'AlertUpdated') {
    assert.ok(updated.value.changes.includes('SEVERITY_RAISED'));
    assert.equal(updated.value.previousSeverity, 'WARNING');
  }
});

test('a lower severity later does not lower the open alert (no update per oscillation)', () => {
  const { out } = run([critical(T0), warning(T0 + MIN), critical(T0 + 2 * MIN)]);
  assert.deepEqual(
    out.map((e) => e.type),
    ['AlertRaised'],
  );
});

test('hysteresis: one OK reading does not resolve a threshold alert, two do', () => {
  const one = run([critical(T0), ok(T0 + MIN)]);
  assert.deepEqual(one.types, ['AlertRaised']);
  const two = run([critical(T0), ok(T0 + MIN), ok(T0 + 2 * MIN)]);
  assert.deepEqual(two.types, ['AlertRaised', 'AlertResolved']);
  const resolved = two.out[1];
  if (resolved?.type === 'AlertResolved') {
    assert.equal(resolved.value.resolutionReason, 'CONDITION_CLEARED');
    assert.equal(resolved.value.revision, 2);
    assert.equal(resolved.value.occurredAt, T0 + 2 * MIN);
  }
  assert.deepEqual(two.state.open, {});
});

test('a bad reading between two OKs restarts the clear streak', () => {
  const { types } = run([critical(T0), ok(T0 + MIN), critical(T0 + 2 * MIN), ok(T0 + 3 * MIN)]);
  assert.deepEqual(types, ['AlertRaised']);
});

test('UNKNOWN and DISABLED readings neither raise nor clear', () => {
  const quiet = run([reading(T0, { state: 'UNKNOWN' }), reading(T0 + MIN, { state: 'DISABLED' })]);
  assert.deepEqual(quiet.types, []);
  const held = run([
    critical(T0),
    ok(T0 + MIN),
    reading(T0 + 2 * MIN, { state: 'UNKNOWN' }),
    ok(T0 + 3 * MIN),
  ]);
  assert.deepEqual(held.types, ['AlertRaised', 'AlertResolved']);
});

test('a discrete sensor in CRITICAL raises SENSOR_STATE', () => {
  const { out } = run([
    critical(T0, {
      sensorId: 'PS1 Status#0xc8',
      sensorName: 'PS1 Status',
      sensorType: 'POWER_SUPPLY',
      readingKind: 'DISCRETE',
      value: null,
      unit: null,
      crossedThreshold: null,
      thresholds: null,
      discreteStates: ['Power Supply AC lost'],
    }),
  ]);
  assert.equal(out[0]?.value.condition, 'SENSOR_STATE');
  assert.equal(out[0]?.value.summary, 'PS1 Status: Power Supply AC lost');
});

test('SEL correctable ECC 50 times: one AlertRaised and a bounded number of updates', () => {
  const { out, state } = run(every(50, (i) => sel(T0 + i * MIN, ecc)));
  const types = out.map((e) => e.type);
  assert.equal(types.filter((t) => t === 'AlertRaised').length, 1);
  assert.ok(types.filter((t) => t === 'AlertUpdated').length <= 4);
  assert.equal(out[0]?.value.condition, 'SEL_MEMORY_ECC');
  assert.equal(out[0]?.value.component, 'DIMMA1#0xd1');
  const open = Object.values(state.open)[0];
  assert.equal(open?.occurrences, 50);
  assert.equal(open?.evidenceEventIds.length, 20);
  const last = out.at(-1)?.value;
  assert.equal(last?.evidenceEventIds.length, 20);
});

test('the same input delivered twice counts once', () => {
  const e = critical(T0);
  const { state } = run([e, e]);
  assert.equal(Object.values(state.open)[0]?.occurrences, 1);
});

test('a SEL deassertion of the same sensor and offset resolves; another offset does not', () => {
  const psu = { eventOffset: 1, description: 'Power Supply Failure detected' } as const;
  const other = run([
    sel(T0, psu),
    sel(T0 + MIN, { ...psu, eventOffset: 2, eventDirection: 'DEASSERTION', severity: 'INFO' }),
  ]);
  assert.deepEqual(other.types, ['AlertRaised']);
  const { out } = run([
    sel(T0, psu),
    sel(T0 + MIN, { ...psu, eventDirection: 'DEASSERTION', severity: 'INFO' }),
  ]);
  assert.deepEqual(
    out.map((e) => e.type),
    ['AlertRaised', 'AlertResolved'],
  );
  assert.equal(out[0]?.value.condition, 'SEL_PSU_FAILURE');
  const resolved = out[1];
  if (resolved?.type === 'AlertResolved') {
    assert.equal(resolved.value.resolutionReason, 'DEASSERTED');
  }
});

test('SEL INFO entries raise nothing', () => {
  assert.deepEqual(run([sel(T0, { severity: 'INFO' })]).types, []);
});

test('BMC unreachable inhibits new sensor alerts, keeps open ones, and resolves when reachable', () => {
  const { out } = run([
    critical(T0),
    bmc(T0 + MIN, false),
    critical(T0 + 2 * MIN, fan),
    critical(T0 + 3 * MIN),
    bmc(T0 + 4 * MIN, true),
  ]);
  assert.deepEqual(
    out.map((e) => [e.type, e.value.condition]),
    [
      ['AlertRaised', 'SENSOR_THRESHOLD'],
      ['AlertRaised', 'BMC_UNREACHABLE'],
      ['AlertResolved', 'BMC_UNREACHABLE'],
    ],
  );
  assert.equal(out[1]?.value.componentType, 'BMC');
  assert.equal(out[1]?.value.severity, 'CRITICAL');
  assert.match(out[1]?.value.summary ?? '', /TIMEOUT/);
  // Reachable again: new sensor alerts are raised.
  const after = run([bmc(T0, false), bmc(T0 + MIN, true), critical(T0 + 2 * MIN, fan)]);
  assert.deepEqual(after.types, ['AlertRaised', 'AlertResolved', 'AlertRaised']);
});

test('chassis power OFF inhibits fan alerts but not others', () => {
  const { out } = run([
    power(T0, { powerState: 'OFF' }),
    critical(T0 + MIN, fan),
    critical(T0 + 2 * MIN, { sensorId: 'VCORE#0x20', sensorType: 'VOLTAGE' }),
    power(T0 + 3 * MIN, { powerState: 'ON' }),
    critical(T0 + 4 * MIN, fan),
  ]);
  assert.deepEqual(
    out.map((e) => e.value.component),
    ['VCORE#0x20', 'FAN3#0x43'],
  );
});

test('chassis fault bits raise and clear their own alerts', () => {
  const { out } = run([
    power(T0, { powerFault: true, coolingFault: true }),
    power(T0 + MIN, { powerFault: false, coolingFault: true }),
  ]);
  assert.deepEqual(
    out.map((e) => [e.type, e.value.condition]),
    [
      ['AlertRaised', 'CHASSIS_POWER_FAULT'],
      ['AlertRaised', 'CHASSIS_COOLING_FAULT'],
      ['AlertResolved', 'CHASSIS_POWER_FAULT'],
    ],
  );
});

test('flapping: after more than flapCount re-raises the clear holds for flapHoldMs', () => {
  // Each cycle: raise, two OKs (resolve). 5 raises = 4 re-raises > 3 within an hour.
  const cycles = every(5, (c) => [
    critical(T0 + c * 3 * MIN),
    ok(T0 + c * 3 * MIN + MIN),
    ok(T0 + c * 3 * MIN + 2 * MIN),
  ]).flat();
  const flapped = run(cycles);
  assert.equal(flapped.types.filter((t) => t === 'AlertRaised').length, 5);
  assert.equal(flapped.types.filter((t) => t === 'AlertResolved').length, 4);
  assert.equal(Object.keys(flapped.state.open).length, 1);
  const end = T0 + 4 * 3 * MIN + MIN; // first clear of the fifth cycle
  const more = [ok(end + 5 * MIN), ok(end + 9 * MIN), ok(end + 10 * MIN)];
  const held = run([...cycles, ...more]);
  const tail = held.out.slice(flapped.out.length);
  assert.deepEqual(
    tail.map((e) => [e.type, e.value.occurredAt - end]),
    [['AlertResolved', 10 * MIN]],
  );
});

test('below flapCount re-raises resolve normally', () => {
  const cycles = every(4, (c) => [
    critical(T0 + c * 3 * MIN),
    ok(T0 + c * 3 * MIN + MIN),
    ok(T0 + c * 3 * MIN + 2 * MIN),
  ]).flat();
  const { types } = run(cycles);
  assert.equal(types.filter((t) => t === 'AlertResolved').length, 4);
});

test('replay: the same inputs give identical outputs and deterministic ids', () => {
  const events = [
    warning(T0),
    critical(T0 + MIN),
    ...every(20, (i) => sel(T0 + i * MIN, ecc)),
    bmc(T0 + 30 * MIN, false),
    bmc(T0 + 31 * MIN, true),
    ok(T0 + 32 * MIN),
    ok(T0 + 33 * MIN),
  ];
  const a = run(events);
  const b = run(events);
  assert.deepEqual(a.out, b.out);
  assert.ok(a.out.length > 0);
  const ids = a.out.map((e) => e.value.eventId);
  assert.equal(new Set(ids).size, ids.length);
  // A recurrence after resolution opens a new alertId with the same fingerprint.
  const again = run([critical(T0), ok(T0 + MIN), ok(T0 + 2 * MIN), critical(T0 + 3 * MIN)]);
  const [first, , second] = again.out;
  assert.equal(first?.value.fingerprint, second?.value.fingerprint);
  assert.notEqual(first?.value.alertId, second?.value.alertId);
});

test('events of two servers do not interact', () => {
  const other = 'srv-2';
  const events: AnyEvent[] = [
    critical(T0),
    bmc(T0 + MIN, false),
    { ...critical(T0 + 2 * MIN), value: { ...critical(T0 + 2 * MIN).value, serverId: other } },
    ok(T0 + 3 * MIN, { serverId: other }),
    ok(T0 + 4 * MIN, { serverId: other }),
  ];
  let states: ReadonlyMap<string, ServerAlertState> = new Map();
  const out: AlertEvent[] = [];
  for (const e of events) {
    const d = decideFleetAlerts(states, e, ctx());
    states = d.states;
    out.push(...d.out);
  }
  assert.deepEqual(
    out.map((e) => [e.type, e.value.serverId, e.value.condition]),
    [
      ['AlertRaised', SERVER, 'SENSOR_THRESHOLD'],
      ['AlertRaised', SERVER, 'BMC_UNREACHABLE'],
      ['AlertRaised', other, 'SENSOR_THRESHOLD'],
      ['AlertResolved', other, 'SENSOR_THRESHOLD'],
    ],
  );
  assert.equal(Object.keys(states.get(SERVER)?.open ?? {}).length, 2);
  assert.notEqual(out[0]?.value.fingerprint, out[2]?.value.fingerprint);
});

test('a SEL clear resolves the open SEL alerts at once (SEL_CLEARED) and leaves sensor alerts open', () => {
  const cleared = {
    type: 'SelCleared' as const,
    value: {
      ...sampleEvents.SelCleared,
      serverId: SERVER,
      eventId: 'clr-1',
      occurredAt: T0 + 5 * MIN,
    },
  };
  const { out, state } = run([sel(T0, ecc), critical(T0 + MIN), cleared]);
  const resolved = out.filter((e) => e.type === 'AlertResolved');
  assert.equal(resolved.length, 1);
  assert.equal(
    resolved[0]?.type === 'AlertResolved' && resolved[0].value.resolutionReason,
    'SEL_CLEARED',
  );
  assert.equal(
    resolved[0]?.type === 'AlertResolved' && resolved[0].value.resolvingEventId,
    'clr-1',
  );
  assert.deepEqual(
    Object.values(state.open).map((a) => a.key.componentType),
    ['SENSOR'],
  );
});

test('a removed server has all its open alerts resolved (SERVER_REMOVED)', () => {
  const removed = {
    type: 'ServerRemoved' as const,
    value: {
      ...sampleEvents.ServerRemoved,
      serverId: SERVER,
      eventId: 'rm-1',
      occurredAt: T0 + 5 * MIN,
    },
  };
  const { out, state } = run([sel(T0, ecc), critical(T0 + MIN), removed]);
  const reasons = out.flatMap((e) =>
    e.type === 'AlertResolved' ? [e.value.resolutionReason] : [],
  );
  assert.deepEqual(reasons, ['SERVER_REMOVED', 'SERVER_REMOVED']);
  assert.equal(Object.keys(state.open).length, 0);
});

test('silences: an alert raised under a silence carries silencedBy through its lifecycle', () => {
  const { out } = run([silence(T0), critical(T0 + MIN), ok(T0 + 2 * MIN), ok(T0 + 3 * MIN)]);
  assert.deepEqual(
    out.map((e) => [e.type, e.value.silencedBy]),
    [
      ['AlertRaised', 'sil-1'],
      ['AlertResolved', 'sil-1'],
    ],
  );
});

test('silences: setting and lifting one announces the open alert as SILENCED, then UNSILENCED', () => {
  const { out, state } = run([critical(T0), silence(T0 + MIN), lift(T0 + 2 * MIN)]);
  assert.deepEqual(
    out.map((e) => [e.type, e.type === 'AlertUpdated' ? e.value.changes : [], e.value.silencedBy]),
    [
      ['AlertRaised', [], null],
      ['AlertUpdated', ['SILENCED'], 'sil-1'],
      ['AlertUpdated', ['UNSILENCED'], null],
    ],
  );
  assert.deepEqual(
    out.map((e) => e.value.revision),
    [1, 2, 3],
  );
  assert.deepEqual(state.silences, {});
});

test('silences: expiry is event time; the first event past endsAt unsilences and forgets it', () => {
  const { out, state } = run([
    silence(T0, { endsAt: T0 + 10 * MIN }),
    critical(T0 + MIN),
    critical(T0 + 5 * MIN),
    critical(T0 + 11 * MIN),
  ]);
  assert.deepEqual(
    out.map((e) => [e.type, e.value.silencedBy]),
    [
      ['AlertRaised', 'sil-1'],
      ['AlertUpdated', null],
    ],
  );
  assert.deepEqual(state.silences, {});
});

test('silences: matchers must all match; a future silence waits for its startsAt', () => {
  const other = run([silence(T0, { component: 'FAN3#0x43' }), critical(T0 + MIN)]);
  assert.equal(other.out[0]?.value.silencedBy, null, 'another component is not covered');
  const byCondition = run([
    silence(T0, { component: null, condition: 'SENSOR_THRESHOLD' }),
    critical(T0 + MIN),
  ]);
  assert.equal(byCondition.out[0]?.value.silencedBy, 'sil-1', 'any component of the condition');
  const later = run([
    silence(T0, { startsAt: T0 + 30 * MIN, endsAt: T0 + 90 * MIN }),
    critical(T0 + MIN),
    critical(T0 + 31 * MIN),
  ]);
  // The recurrence and the silence starting are one update.
  assert.deepEqual(
    later.out.map((e) => [
      e.type,
      e.value.silencedBy,
      e.type === 'AlertUpdated' ? e.value.changes : [],
    ]),
    [
      ['AlertRaised', null, []],
      ['AlertUpdated', 'sil-1', ['RECURRED', 'SILENCED']],
    ],
  );
});

test('silences: replaying the same inputs gives the same ids, and a second silence takes over when one is lifted', () => {
  const events = [
    silence(T0, { silenceId: 'sil-a' }),
    silence(T0, { silenceId: 'sil-b', component: null }),
    critical(T0 + MIN),
    lift(T0 + 2 * MIN, 'sil-a'),
  ];
  const first = run(events);
  const second = run(events);
  assert.deepEqual(
    first.out.map((e) => e.value.eventId),
    second.out.map((e) => e.value.eventId),
  );
  assert.deepEqual(
    first.out.map((e) => [e.type, e.value.silencedBy]),
    [
      ['AlertRaised', 'sil-a'],
      ['AlertUpdated', 'sil-b'],
    ],
  );
});

test('a SEL threshold event and the readings of its sensor are one SENSOR_THRESHOLD alert', () => {
  const sensor = {
    sensorId: 'CPU1 Temp#0x01',
    sensorName: 'CPU1 Temp',
    sensorType: 'TEMPERATURE',
  } as const;
  const crossing = (at: number, offset: number, direction: 'ASSERTION' | 'DEASSERTION') =>
    sel(at, {
      ...sensor,
      eventReadingTypeCode: 0x01,
      eventOffset: offset,
      eventDirection: direction,
      description: 'Upper Critical going high',
      severity: direction === 'ASSERTION' ? 'CRITICAL' : 'INFO',
    });
  const { out } = run([
    crossing(T0, 0x09, 'ASSERTION'),
    critical(T0 + MIN),
    critical(T0 + 2 * MIN),
    crossing(T0 + 3 * MIN, 0x09, 'DEASSERTION'), // below UCR, maybe not below UNC: no clear
    ok(T0 + 4 * MIN),
    crossing(T0 + 5 * MIN, 0x07, 'DEASSERTION'), // below UNC: back to normal, a clear
  ]);
  assert.deepEqual(
    out.map((e) => [e.type, e.value.componentType, e.value.condition]),
    [
      ['AlertRaised', 'SENSOR', 'SENSOR_THRESHOLD'],
      ['AlertResolved', 'SENSOR', 'SENSOR_THRESHOLD'],
    ],
  );
  assert.equal(out[0]?.value.component, 'CPU1 Temp#0x01');
});

test('a PSU pulled (presence deasserted) raises PART_REMOVED; reinserted, it resolves', () => {
  const psu1 = {
    sensorType: 'POWER_SUPPLY',
    sensorName: 'PSU1 Status',
    sensorId: 'PSU1 Status#0x09',
    eventReadingTypeCode: 0x6f,
    eventOffset: 0,
    description: 'Presence detected',
  } as const;
  const { out } = run([
    sel(T0, { ...psu1, eventDirection: 'DEASSERTION', severity: 'WARNING' }),
    sel(T0 + MIN, { ...psu1, eventDirection: 'DEASSERTION', severity: 'WARNING' }),
    sel(T0 + 2 * MIN, { ...psu1, eventDirection: 'ASSERTION', severity: 'INFO' }),
  ]);
  assert.deepEqual(
    out.map((e) => [e.type, e.value.condition]),
    [
      ['AlertRaised', 'PART_REMOVED'],
      ['AlertResolved', 'PART_REMOVED'],
    ],
  );
  assert.equal(out[0]?.value.summary, 'PSU1 Status: Presence detected deasserted');
});

test('expiry: a sensor that stops being read expires its alert; an unreachable BMC does not', () => {
  const other = { sensorId: 'Inlet Temp#0x02', sensorName: 'Inlet Temp' } as const;
  const gone = run([
    critical(T0),
    bmc(T0 + 30 * MIN, true),
    // Another topic's clock far ahead expires nothing: the reading may be on its way.
    bmc(T0 + 300 * MIN, true),
    ok(T0 + 30 * MIN, other),
    ok(T0 + 62 * MIN, other),
  ]);
  assert.deepEqual(
    gone.out.map((e) => [e.type, e.type === 'AlertResolved' ? e.value.resolutionReason : '']),
    [
      ['AlertRaised', ''],
      ['AlertResolved', 'EXPIRED'],
    ],
  );
  // The same silence while the BMC is down is the BMC's problem, not the sensor's.
  const dark = run([critical(T0), bmc(T0 + 5 * MIN, false), bmc(T0 + 90 * MIN, false)]);
  assert.deepEqual(
    dark.out.filter((e) => e.value.condition === 'SENSOR_THRESHOLD').map((e) => e.type),
    ['AlertRaised'],
  );
  // A sensor read OK once (not enough to clear) still counts as read.
  const reading = run([critical(T0), ok(T0 + 50 * MIN), critical(T0 + 100 * MIN)]);
  assert.deepEqual(reading.types, ['AlertRaised', 'AlertUpdated']);
});

test('expiry: a correctable-ECC alert ends after a quiet day; an uncorrectable one stays', () => {
  const poll = (at: number): AnyEvent => ({
    type: 'PollCompleted',
    value: {
      ...sampleEvents.PollCompleted,
      serverId: SERVER,
      eventId: id('poll'),
      occurredAt: at,
      kind: 'SEL',
    },
  });
  const quiet = run([
    sel(T0, ecc),
    sel(T0 + 12 * 60 * MIN, ecc),
    ok(T0 + 48 * 60 * MIN), // a reading is not the SEL's clock
    poll(T0 + 37 * 60 * MIN),
  ]);
  assert.deepEqual(
    quiet.out.map((e) => [e.type, e.type === 'AlertResolved' ? e.value.resolutionReason : '']),
    [
      ['AlertRaised', ''],
      ['AlertUpdated', ''],
      ['AlertResolved', 'EXPIRED'],
    ],
  );
  const fatal = run([
    sel(T0, { ...ecc, eventOffset: 1, severity: 'CRITICAL', description: 'Uncorrectable ECC' }),
    poll(T0 + 72 * 60 * MIN),
  ]);
  assert.deepEqual(fatal.types, ['AlertRaised']);
});

test("a WARNING SEL entry already a day old when read (a new BMC's history) opens no alert", () => {
  const old = sel(T0, ecc);
  const history = { ...old, value: { ...old.value, observedAt: T0 + 3 * 24 * 60 * MIN } };
  assert.deepEqual(run([history]).types, []);
  const fresh = { ...old, value: { ...old.value, observedAt: T0 + 5 * MIN } };
  assert.deepEqual(run([fresh]).types, ['AlertRaised']);
});
