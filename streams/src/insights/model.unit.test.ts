import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  sampleEvents,
  type AnyEvent,
  type InsightClosed,
  type InsightUpdated,
  type SelEntryRecorded,
  type SensorReadingRecorded,
} from '@ipmi-monitor/schemas';
import {
  DIMM_ECC,
  ECC_ENTRIES_CAP,
  EMPTY_SERVER_INSIGHT_STATE,
  FAN_DEGRADATION,
  PSU_TASK,
  TEMPERATURE_CREEP,
  TIME_TO_THRESHOLD,
  changedInsightParts,
  decideFleetInsights,
  decideInsights,
  dimmLabelOf,
  insightStateFromParts,
  insightStateParts,
  type InsightConfig,
  type InsightContext,
  type InsightEvent,
  type ServerInsightState,
} from './model.js';

const MIN = 60_000;
const H = 60 * MIN;
const DAY = 24 * H;
/** An hour boundary, so reading i of an hourly series lands in bucket i. */
const T0 = Date.parse('2026-11-02T00:00:00.000Z');
const SERVER = sampleEvents.SensorReadingRecorded.serverId;
let seq = 0;
const id = (p: string) => `${p}-${++seq}`;

/** Short windows: baseline of 6 buckets (4 needed), a recent window of one bucket. */
const SMALL: Partial<InsightConfig> = {
  baselineBuckets: 6,
  minBaselineBuckets: 4,
  recentBuckets: 1,
  minRecentBuckets: 1,
};

/** Predictions from 12 hourly points instead of two days of them. */
const P12: Partial<InsightConfig> = { minPredictPoints: 12 };

// --- builders: the sample events with the fields a test cares about -------------------------

type Reading = { type: 'SensorReadingRecorded'; value: SensorReadingRecorded };
type Sel = { type: 'SelEntryRecorded'; value: SelEntryRecorded };

function reading(at: number, over: Partial<SensorReadingRecorded> = {}): Reading {
  const base = sampleEvents.SensorReadingRecorded;
  return {
    type: 'SensorReadingRecorded',
    value: {
      ...base,
      eventId: id('rd'),
      occurredAt: at,
      observedAt: at,
      state: 'OK',
      crossedThreshold: null,
      ...over,
    },
  };
}
const fan = (at: number, value: number, over: Partial<SensorReadingRecorded> = {}) =>
  reading(at, {
    sensorId: 'FAN3#0x43',
    sensorName: 'FAN3',
    sensorType: 'FAN',
    sensorTypeCode: 4,
    unit: 'RPM',
    value,
    thresholds: { lnr: 200, lcr: 500, lnc: 700, unc: null, ucr: null, unr: null },
    ...over,
  });
const temp = (at: number, value: number, over: Partial<SensorReadingRecorded> = {}) =>
  reading(at, { value, ...over }); // CPU1 Temp, UNC 85, UCR 90

/** One reading an hour (10 minutes into the hour) from `fromHour`, values by index. */
function hourly<T>(
  fromHour: number,
  values: readonly number[],
  make: (at: number, v: number) => T,
) {
  return values.map((v, i) => make(T0 + (fromHour + i) * H + 10 * MIN, v));
}
const times = (n: number, v: number) => Array.from({ length: n }, () => v);

function sel(at: number, over: Partial<SelEntryRecorded> = {}): Sel {
  const base = sampleEvents.SelEntryRecorded;
  return {
    type: 'SelEntryRecorded',
    value: { ...base, eventId: id('sel'), occurredAt: at, observedAt: at, ...over },
  };
}
const ecc = {
  sensorType: 'MEMORY',
  sensorTypeCode: 0x0c,
  eventReadingTypeCode: 0x6f,
  sensorName: 'DIMMA1',
  sensorNumber: 0xd1,
  sensorId: 'DIMMA1#0xd1',
  eventOffset: 0,
  eventData: null,
  rawRecordHex: null,
  description: 'Correctable ECC',
  severity: 'WARNING',
} as const;
const psuFailure = {
  eventOffset: 1,
  eventData: '01FFFF',
  description: 'Power Supply Failure detected',
} as const;
/** sampleEvents.SelEntryRecorded is PS2 Status, Power Supply AC lost (offset 03h). */
const acLost = {} as const;

function event<K extends keyof typeof sampleEvents>(
  type: K,
  over: Record<string, unknown> = {},
): AnyEvent {
  return { type, value: { ...sampleEvents[type], serverId: SERVER, ...over } } as AnyEvent;
}

// --- driver ------------------------------------------------------------------------------------

const ctx = (config: Partial<InsightConfig> = {}, more: Partial<InsightContext> = {}) => ({
  source: 'streams@test',
  observedAt: T0,
  config,
  ...more,
});

/** Feeds events through the decider; returns every emitted event and the final state. */
function run(
  events: readonly AnyEvent[],
  config: Partial<InsightConfig> = {},
  more: Partial<InsightContext> = {},
  from: ServerInsightState = EMPTY_SERVER_INSIGHT_STATE,
) {
  let state = from;
  const out: InsightEvent[] = [];
  for (const e of events) {
    const d = decideInsights(state, e, ctx(config, more));
    state = d.state;
    out.push(...d.out);
  }
  return { out, state };
}

const by = (out: readonly InsightEvent[], detector: string) =>
  out.filter((e) => e.value.detector === detector);
const summary = (out: readonly InsightEvent[]) =>
  out.map((e) => [e.type, e.value.revision, e.value.priority]);
function closedOf(e: InsightEvent | undefined): InsightClosed {
  if (e?.type !== 'InsightClosed') assert.fail(`expected InsightClosed, got ${e?.type}`);
  return e.value;
}
function updatedOf(e: InsightEvent | undefined): InsightUpdated {
  if (e?.type !== 'InsightUpdated') assert.fail(`expected InsightUpdated, got ${e?.type}`);
  return e.value;
}

// --- fan degradation ----------------------------------------------------------------------------

test('a fan ~16% below its 72 h baseline raises fan degradation, MEDIUM, with evidence and metrics', () => {
  const events = hourly(0, [...times(96, 2500), ...times(30, 2100)], fan);
  const out = by(run(events).out, FAN_DEGRADATION);
  assert.deepEqual(summary(out), [['InsightRaised', 1, 'MEDIUM']]);
  const v = out[0]!.value;
  // The recent level is a median: bucket 108 closes with 13 of the 24 h window's buckets
  // slow, the majority, so the level is 2100 RPM: (2500 - 2100) / 2500.
  assert.equal(v.occurredAt, T0 + 109 * H + 10 * MIN);
  assert.equal(v.kind, 'TREND');
  assert.equal(v.componentType, 'SENSOR');
  assert.equal(v.component, 'FAN3#0x43');
  assert.equal(v.sensorId, 'FAN3#0x43');
  assert.equal(v.title, 'FAN3 slowing down');
  assert.match(
    v.summary,
    /2100 RPM \(median\) over the last 24 h, 16% below its baseline of 2500 RPM/,
  );
  assert.equal(v.metrics.baseline, 2500);
  assert.equal(v.metrics.dropPercent, 16);
  assert.equal(v.metrics.recentBuckets, 24);
  assert.equal(v.metrics.baselineBuckets, 72);
  assert.equal(v.dueAt, null);
  // Confidence: the share of recent buckets that deviate (13 of 24).
  assert.ok(v.confidence !== null && v.confidence > 0.5 && v.confidence < 0.6);
  // The latest 20 buckets of the recent window, oldest first, one reading each.
  assert.equal(v.evidence.length, 20);
  assert.equal(v.evidence[19]?.eventId, events[108]?.value.eventId);
  assert.equal(v.evidence[0]?.eventId, events[89]?.value.eventId);
  assert.equal(v.evidence[19]?.note, 'FAN3 2100 RPM, 16% below its baseline of 2500 RPM');
  assert.ok(v.evidence.every((e, i, a) => i === 0 || (a[i - 1]?.occurredAt ?? 0) < e.occurredAt));
});

test('a 10% slower fan raises nothing', () => {
  const events = hourly(0, [...times(96, 2500), ...times(48, 2250)], fan);
  assert.deepEqual(by(run(events).out, FAN_DEGRADATION), []);
});

test('no raise before the baseline is established', () => {
  // 3 baseline buckets where SMALL needs 4.
  const events = hourly(0, [2500, 2500, 2500, 1500, 1500], fan);
  assert.deepEqual(by(run(events, SMALL).out, FAN_DEGRADATION), []);
});

test('a drop of 30% or more is HIGH; an escalation updates at once with previousPriority', () => {
  const events = hourly(0, [...times(8, 2500), 2100, 1600, 1600], fan);
  const out = by(run(events, SMALL).out, FAN_DEGRADATION);
  assert.deepEqual(summary(out), [
    ['InsightRaised', 1, 'MEDIUM'],
    ['InsightUpdated', 2, 'HIGH'],
  ]);
  const u = updatedOf(out[1]);
  assert.equal(u.previousPriority, 'MEDIUM');
  assert.equal(u.insightId, out[0]?.value.insightId);
  assert.equal(u.metrics.dropPercent, 36);
  // Raised one bucket earlier, well within updateEveryMs: priority is not throttled.
  assert.equal(u.occurredAt - (out[0]?.value.occurredAt ?? 0), H);
});

test('updates need a material change (5 points) and wait for updateEveryMs', () => {
  const cfg = { ...SMALL, updateEveryMs: 3 * H };
  // Raise at 16%; 16.8% is not material; 22% is, but only 2 h after the raise; at 3 h it goes.
  const events = hourly(0, [...times(8, 2500), 2100, 2080, 1950, 1950, 1950, 1950, 1950], fan);
  const out = by(run(events, cfg).out, FAN_DEGRADATION);
  assert.deepEqual(summary(out), [
    ['InsightRaised', 1, 'MEDIUM'],
    ['InsightUpdated', 2, 'MEDIUM'],
  ]);
  const u = updatedOf(out[1]);
  assert.equal(u.previousPriority, null);
  assert.equal(u.metrics.dropPercent, 22);
  assert.equal(u.occurredAt - (out[0]?.value.occurredAt ?? 0), 3 * H);
});

test('a replaced fan closes the insight RESOLVED and re-baselines the sensor', () => {
  const before = [...times(8, 2500), 2100, 2100, 2100];
  const after = [2450, 2450, 2450, 2000, 2000, 2000, 2000, 2000, 2000, 2000];
  const events = hourly(0, [...before, ...after], fan);
  const upToRecovery = run(events.slice(0, before.length + 2), SMALL);
  const out = by(upToRecovery.out, FAN_DEGRADATION);
  assert.deepEqual(summary(out), [
    ['InsightRaised', 1, 'MEDIUM'],
    ['InsightClosed', 2, 'MEDIUM'],
  ]);
  const c = closedOf(out[1]);
  assert.equal(c.closeReason, 'RESOLVED');
  assert.equal(c.closedBy, null);
  assert.equal(c.metrics.dropPercent, 2);
  assert.match(c.summary, /back to 2450 RPM/);
  assert.deepEqual(upToRecovery.state.open, {});
  // The old fan's buckets are gone: the new part builds its own baseline.
  assert.equal(upToRecovery.state.sensors['FAN3#0x43']?.history.length, 0);
  // Without the re-baseline, 2000 RPM would be 18% below the old 2450-2500 RPM baseline;
  // with it, the new fan's own baseline is what 2000 RPM is compared with.
  const all = run(events, SMALL);
  assert.equal(by(all.out, FAN_DEGRADATION).length, 2);
});

// --- temperature creep ----------------------------------------------------------------------

test('temperature 6 C above its baseline raises temperature creep, MEDIUM', () => {
  const out = by(run(hourly(0, [...times(8, 40), 46, 46], temp), SMALL).out, TEMPERATURE_CREEP);
  assert.deepEqual(summary(out), [['InsightRaised', 1, 'MEDIUM']]);
  const v = out[0]!.value;
  assert.equal(v.title, 'CPU1 Temp running hotter');
  assert.equal(v.component, 'CPU1 Temp#0x01');
  assert.equal(v.metrics.riseC, 6);
  assert.equal(v.metrics.baseline, 40);
  assert.equal(v.metrics.upperThreshold, 85);
  assert.equal(v.evidence[0]?.note, 'CPU1 Temp 46 C, 6 C above its baseline of 40 C');
  assert.match(v.summary, /\(UNC 85 C\)/);
});

test('temperature creep within 5 C of UNC is HIGH; a 4 C rise raises nothing', () => {
  const high = by(run(hourly(0, [...times(8, 75), 81, 81], temp), SMALL).out, TEMPERATURE_CREEP);
  assert.deepEqual(summary(high), [['InsightRaised', 1, 'HIGH']]);
  assert.equal(high[0]?.value.metrics.marginC, 4);
  const low = run(hourly(0, [...times(8, 40), 44, 44, 44], temp), SMALL);
  assert.deepEqual(by(low.out, TEMPERATURE_CREEP), []);
});

test('peers: 6 C above the median of 3 peers raises "above its peers"; 2 peers are not enough', () => {
  const asked: string[] = [];
  const peers = (count: number) => (name: string) => {
    asked.push(name);
    return { median: 40, count };
  };
  // Two buckets only: no own baseline, the peers decide.
  const events = hourly(0, [46, 46, 46], temp);
  const three = by(run(events, SMALL, { peers: peers(3) }).out, TEMPERATURE_CREEP);
  assert.deepEqual(summary(three), [['InsightRaised', 1, 'MEDIUM']]);
  const v = three[0]!.value;
  assert.equal(v.metrics.peerMedian, 40);
  assert.equal(v.metrics.peerCount, 3);
  assert.equal(v.metrics.baseline, undefined);
  assert.match(v.summary, /above its peers \(median 40 C over 3 servers\)/);
  assert.equal(v.evidence[0]?.note, "CPU1 Temp 46 C, 6 C above its peers' median of 40 C");
  assert.ok(asked.every((n) => n === 'CPU1 Temp') && asked.length > 0);
  assert.deepEqual(by(run(events, SMALL, { peers: peers(2) }).out, TEMPERATURE_CREEP), []);
  // Without peers, nothing either.
  assert.deepEqual(by(run(events, SMALL).out, TEMPERATURE_CREEP), []);
});

// --- time-to-threshold prediction -----------------------------------------------------------

test('a fan falling 100 RPM a day towards LCR 500 raises a prediction with dueAt and metrics', () => {
  const events = hourly(
    0,
    Array.from({ length: 13 }, (_, i) => 2500 - (100 / 24) * i),
    fan,
  );
  const out = by(run(events, P12).out, TIME_TO_THRESHOLD);
  assert.deepEqual(summary(out), [['InsightRaised', 1, 'MEDIUM']]);
  const v = out[0]!.value;
  assert.equal(v.kind, 'PREDICTION');
  assert.equal(v.title, 'FAN3 predicted to reach LCR');
  // Bucket means sit 10 min into the hour, x at the bucket midpoint (30 min): the line hits
  // 500 RPM 20 days after T0 + 30 min.
  const due = T0 + 20 * DAY + 30 * MIN;
  assert.ok(v.dueAt !== null && Math.abs(v.dueAt - due) <= 1, `dueAt ${v.dueAt}`);
  assert.equal(v.metrics.slopePerDay, -100);
  assert.equal(v.metrics.r2, 1);
  assert.equal(v.metrics.points, 12);
  assert.equal(v.metrics.threshold, 500);
  assert.equal(v.metrics.windowStart, T0);
  assert.equal(v.metrics.windowEnd, T0 + 12 * H);
  assert.equal(v.metrics.daysToThreshold, Number(((due - (T0 + 12 * H)) / DAY).toFixed(3)));
  // r² 1 with 12 points, discounted to half while points are few.
  assert.equal(v.confidence, 0.5);
  assert.equal(v.evidence.length, 12);
  assert.equal(v.evidence[0]?.eventId, events[0]?.value.eventId);
  assert.match(v.summary, /falling by 100 RPM a day .* LCR of 500 RPM in about 19\.\d d/);
});

test('no prediction for a flat fan, a crossing beyond the horizon, or too few points', () => {
  const flat = hourly(0, times(40, 2500), fan);
  assert.deepEqual(by(run(flat, P12).out, TIME_TO_THRESHOLD), []);
  // 50 RPM a day: 40 days to LCR, beyond 30.
  const slow = hourly(
    0,
    Array.from({ length: 40 }, (_, i) => 2500 - (50 / 24) * i),
    fan,
  );
  assert.deepEqual(by(run(slow, P12).out, TIME_TO_THRESHOLD), []);
  const few = hourly(
    0,
    Array.from({ length: 12 }, (_, i) => 2500 - 100 * i),
    fan,
  );
  assert.deepEqual(by(run(few, P12).out, TIME_TO_THRESHOLD), []);
  // With the default two-day minimum, 47 points of a steep fall are still too few.
  const day = hourly(
    0,
    Array.from({ length: 48 }, (_, i) => 2500 - 10 * i),
    fan,
  );
  assert.deepEqual(by(run(day).out, TIME_TO_THRESHOLD), []);
  assert.equal(
    by(run([...day, fan(T0 + 48 * H + 10 * MIN, 2020)]).out, TIME_TO_THRESHOLD).length,
    1,
  );
});

test('a daily cycle of fan speed and temperature is not a trend (default two-day minimum)', () => {
  const cycle = (mid: number, amp: number) =>
    Array.from({ length: 7 * 24 }, (_, i) => mid + amp * Math.sin((2 * Math.PI * i) / 24));
  const fans = hourly(0, cycle(1500, 600), fan);
  const temps = hourly(0, cycle(70, 12), temp);
  assert.deepEqual(by(run([...fans, ...temps]).out, TIME_TO_THRESHOLD), []);
});

test('a temperature 5 days from UCR is a HIGH prediction towards UCR', () => {
  const events = hourly(
    0,
    Array.from({ length: 13 }, (_, i) => 80 + (2 / 24) * i),
    temp,
  );
  const out = by(run(events, P12).out, TIME_TO_THRESHOLD);
  assert.deepEqual(summary(out), [['InsightRaised', 1, 'HIGH']]);
  assert.equal(out[0]?.value.title, 'CPU1 Temp predicted to reach UCR');
  assert.equal(out[0]?.value.metrics.threshold, 90);
  assert.equal(out[0]?.value.metrics.slopePerDay, 2);
});

test('a prediction updates when dueAt moves beyond the tolerance and closes RESOLVED when it no longer holds', () => {
  const falling = Array.from({ length: 13 }, (_, i) => 2500 - (100 / 24) * i);
  // Then three times as fast (dueAt comes days closer), then the fan is replaced.
  const faster = Array.from({ length: 12 }, (_, i) => (falling.at(-1) ?? 0) - (300 / 24) * (i + 1));
  const events = hourly(0, [...falling, ...faster, ...times(60, 2600)], fan);
  const out = by(run(events, P12).out, TIME_TO_THRESHOLD);
  const types = out.map((e) => e.type);
  assert.equal(types[0], 'InsightRaised');
  assert.equal(types.at(-1), 'InsightClosed');
  const updates = out.filter((e) => e.type === 'InsightUpdated');
  assert.ok(updates.length >= 1 && updates.length <= 4, `updates ${updates.length}`);
  // Every update moved dueAt by more than the tolerance: at least a day.
  let due = out[0]?.value.dueAt ?? 0;
  for (const u of updates) {
    assert.ok(Math.abs((u.value.dueAt ?? 0) - due) > DAY || u.value.priority !== 'MEDIUM');
    due = u.value.dueAt ?? 0;
  }
  const c = closedOf(out.at(-1));
  assert.equal(c.closeReason, 'RESOLVED');
  assert.equal(c.revision, out.length);
  assert.ok(out.every((e) => e.value.insightId === out[0]?.value.insightId));
});

// --- DIMM ECC ---------------------------------------------------------------------------------

test('5 correctable ECC entries on one DIMM within 7 days raise "Replace DIMM", HIGH', () => {
  const configured = event('ServerConfigured', { occurredAt: T0 - DAY });
  const entries = Array.from({ length: 5 }, (_, i) => sel(T0 + i * 6 * H, ecc));
  const four = run([configured, ...entries.slice(0, 4)]);
  assert.deepEqual(four.out, []);
  const { out } = run([configured, ...entries]);
  assert.deepEqual(summary(out), [['InsightRaised', 1, 'HIGH']]);
  const v = out[0]!.value;
  assert.equal(v.detector, DIMM_ECC);
  assert.equal(v.kind, 'MAINTENANCE_TASK');
  assert.equal(v.componentType, 'SEL');
  assert.equal(v.component, 'DIMM A1');
  assert.equal(v.sensorId, 'DIMMA1#0xd1');
  assert.equal(v.title, 'Replace DIMM A1 on server db-07.fra1');
  assert.equal(v.confidence, null);
  assert.deepEqual(
    v.evidence.map((e) => e.eventId),
    entries.map((e) => e.value.eventId),
  );
  assert.equal(v.evidence[0]?.note, 'DIMMA1: Correctable ECC');
  assert.deepEqual(v.metrics, { count: 5, correctable: 5, uncorrectable: 0, windowDays: 7 });
  assert.equal(v.occurredAt, T0 + 24 * H);
});

test('5 ECC entries spread over more than the window raise nothing', () => {
  const entries = Array.from({ length: 6 }, (_, i) => sel(T0 + i * 2 * DAY, ecc));
  const { out, state } = run(entries);
  assert.deepEqual(out, []);
  assert.ok((Object.values(state.dimms)[0]?.entries.length ?? 0) <= 4);
});

test('an uncorrectable ECC entry raises the task at once', () => {
  const { out } = run([sel(T0, { ...ecc, eventOffset: 1, description: 'Uncorrectable ECC' })]);
  assert.deepEqual(summary(out), [['InsightRaised', 1, 'HIGH']]);
  assert.equal(out[0]?.value.metrics.uncorrectable, 1);
  assert.match(out[0]?.value.summary ?? '', /1 uncorrectable ECC error on DIMM A1/);
});

test('the DIMM comes from the text, then event data 3, then the sensor name, then the sensor', () => {
  const e = (over: Partial<SelEntryRecorded>) => sel(T0, { ...ecc, ...over }).value;
  assert.equal(
    dimmLabelOf(e({ description: 'Correctable ECC (@DIMMA1(CPU1))' })),
    'DIMM A1 (CPU 1)',
  );
  assert.equal(dimmLabelOf(e({ description: 'Correctable ECC | CPU 2 DIMM 3' })), 'DIMM 3 (CPU 2)');
  // Event data 1 bits 5:4 = 11b: byte 3 is the module, relative to the sensor's entity.
  assert.equal(dimmLabelOf(e({ sensorName: 'Memory', eventData: 'B0FF02' })), 'DIMM 2 of Memory');
  assert.equal(
    dimmLabelOf(e({ sensorName: 'Memory', rawRecordHex: '4200020EF3D36720000408C96FB0FF05' })),
    'DIMM 5 of Memory',
  );
  // Bits 5:4 = 00b (unspecified), or FFh: not a module number.
  assert.equal(dimmLabelOf(e({ sensorName: 'Memory', eventData: '00FF02' })), 'Memory');
  assert.equal(dimmLabelOf(e({ sensorName: 'Memory', eventData: 'B0FFFF' })), 'Memory');
  assert.equal(dimmLabelOf(e({ sensorName: 'P1-DIMMB2' })), 'DIMM B2 (CPU 1)');
  assert.equal(
    dimmLabelOf(e({ sensorName: null, sensorId: null, sensorNumber: 0x88 })),
    'MEMORY sensor #136',
  );
  // Two modules behind one sensor are two tasks.
  const two = Array.from({ length: 10 }, (_, i) =>
    sel(T0 + i * H, { ...ecc, sensorName: 'Memory', eventData: i % 2 === 0 ? 'B0FF01' : 'B0FF02' }),
  );
  const { out } = run(two);
  assert.deepEqual(
    out.map((o) => o.value.component),
    ['DIMM 1 of Memory', 'DIMM 2 of Memory'],
  );
  assert.equal(out[0]?.value.title, `Replace DIMM 1 of Memory on server ${SERVER}`);
});

test('further ECC entries update the task at most once per updateEveryMs', () => {
  // 5 to raise, then 13 more every 10 minutes: 2 hours → updates 1 h and 2 h after the raise.
  const entries = Array.from({ length: 18 }, (_, i) => sel(T0 + i * 10 * MIN, ecc));
  const { out } = run(entries);
  assert.deepEqual(summary(out), [
    ['InsightRaised', 1, 'HIGH'],
    ['InsightUpdated', 2, 'HIGH'],
    ['InsightUpdated', 3, 'HIGH'],
  ]);
  assert.deepEqual(
    out.map((e) => [e.value.occurredAt - T0, e.value.metrics.count]),
    [
      [40 * MIN, 5],
      [100 * MIN, 11],
      [160 * MIN, 17],
    ],
  );
  assert.ok(out.every((e) => e.value.insightId === out[0]?.value.insightId));
  // Evidence stays capped at 20, oldest first.
  const storm = run(Array.from({ length: 60 }, (_, i) => sel(T0 + i * H, ecc)));
  const last = storm.out.at(-1)?.value;
  assert.equal(last?.evidence.length, 20);
  assert.equal(last?.metrics.count, 60);
});

test('a re-read SEL entry (same eventId) counts once', () => {
  const e = sel(T0, ecc);
  const { out, state } = run([e, e, e, e, e, e]);
  assert.deepEqual(out, []);
  assert.equal(state.dimms['DIMM A1']?.entries.length, 1);
});

test('a SEL clear does not close a DIMM task; 7 quiet days close it EXPIRED on any later event', () => {
  const entries = Array.from({ length: 5 }, (_, i) => sel(T0 + i * H, ecc));
  const lastAt = T0 + 4 * H;
  const cleared = event('SelCleared', { eventId: 'clr-1', occurredAt: lastAt + H });
  const early = fan(lastAt + 7 * DAY - 1, 2500);
  const late = fan(lastAt + 7 * DAY, 2500);
  const { out, state } = run([...entries, cleared, early, late]);
  assert.deepEqual(
    out.map((e) => e.type),
    ['InsightRaised', 'InsightClosed'],
  );
  const c = closedOf(out[1]);
  assert.equal(c.closeReason, 'EXPIRED');
  assert.equal(c.occurredAt, lastAt + 7 * DAY);
  assert.equal(c.revision, 2);
  assert.deepEqual(state.open, {});
  assert.deepEqual(state.dimms, {});
});

// --- PSU --------------------------------------------------------------------------------------

test('a PSU failure raises "Check PSU 2", HIGH; its deassertion does not close it; the quiet window does', () => {
  const failed = sel(T0, psuFailure);
  const deasserted = sel(T0 + H, {
    ...psuFailure,
    eventDirection: 'DEASSERTION',
    severity: 'INFO',
  });
  const quiet = event('ChassisPowerObserved', { eventId: 'pwr-1', occurredAt: T0 + 7 * DAY });
  const { out, state } = run([failed, deasserted, quiet]);
  assert.deepEqual(summary(out), [
    ['InsightRaised', 1, 'HIGH'],
    ['InsightClosed', 2, 'HIGH'],
  ]);
  const v = out[0]!.value;
  assert.equal(v.detector, PSU_TASK);
  assert.equal(v.component, 'PSU 2');
  assert.equal(v.title, `Check PSU 2 on server ${SERVER}`);
  assert.match(v.summary, /PS2 Status: Power Supply Failure detected/);
  assert.equal(closedOf(out[1]).closeReason, 'EXPIRED');
  assert.equal(closedOf(out[1]).occurredAt, T0 + 7 * DAY);
  assert.deepEqual(state.psus, {});
});

test('AC lost twice within 24 h raises a MEDIUM feed task; a failure then escalates it to HIGH', () => {
  const once = run([sel(T0, acLost)]);
  assert.deepEqual(once.out, []);
  const escalated = run([sel(T0, acLost), sel(T0 + 5 * H, acLost), sel(T0 + 6 * H, psuFailure)]);
  const { out } = escalated;
  assert.deepEqual(summary(out), [
    ['InsightRaised', 1, 'MEDIUM'],
    ['InsightUpdated', 2, 'HIGH'],
  ]);
  assert.equal(out[0]?.value.title, `Check the power feed of PSU 2 on server ${SERVER}`);
  assert.equal(out[0]?.value.metrics.inputLostInWindow, 2);
  const u = updatedOf(out[1]);
  assert.equal(u.previousPriority, 'MEDIUM');
  assert.equal(u.title, `Check PSU 2 on server ${SERVER}`);
  assert.equal(u.evidence.length, 3);
  // A later AC loss does not update within the throttle, and never lowers the priority.
  const soon = run([sel(T0 + 6 * H + MIN, acLost)], {}, {}, escalated.state);
  assert.deepEqual(soon.out, []);
  const later = run([sel(T0 + 8 * H, acLost)], {}, {}, escalated.state);
  assert.deepEqual(summary(later.out), [['InsightUpdated', 3, 'HIGH']]);
  assert.equal(later.out[0]?.value.title, `Check PSU 2 on server ${SERVER}`);
});

test('two AC losses 25 h apart raise nothing, and the PSU is forgotten after the window', () => {
  const { out, state } = run([
    sel(T0, acLost),
    sel(T0 + 25 * H, acLost),
    event('PollCompleted', { occurredAt: T0 + 50 * H }),
  ]);
  assert.deepEqual(out, []);
  assert.deepEqual(state.psus, {});
});

test('lost redundancy on a power unit raises a PSU task; "fully redundant" asserted does not', () => {
  const redundancy = {
    sensorType: 'POWER_UNIT',
    sensorTypeCode: 0x09,
    eventReadingTypeCode: 0x0b,
    sensorName: 'PS Redundancy',
    sensorId: 'PS Redundancy#0xca',
    eventData: null,
  } as const;
  const lost = run([sel(T0, { ...redundancy, eventOffset: 1, description: 'Redundancy Lost' })]);
  assert.deepEqual(summary(lost.out), [['InsightRaised', 1, 'HIGH']]);
  assert.equal(lost.out[0]?.value.component, 'PS Redundancy');
  assert.equal(lost.out[0]?.value.title, `Check the power supplies on server ${SERVER}`);
  const noLongerFull = run([
    sel(T0, { ...redundancy, eventOffset: 0, eventDirection: 'DEASSERTION' }),
  ]);
  assert.deepEqual(summary(noLongerFull.out), [['InsightRaised', 1, 'HIGH']]);
  const full = run([sel(T0, { ...redundancy, eventOffset: 0, eventDirection: 'ASSERTION' })]);
  assert.deepEqual(full.out, []);
  assert.equal(full.state, EMPTY_SERVER_INSIGHT_STATE);
});

test('a sensor silent for sensorStaleMs is forgotten and its open insights close EXPIRED', () => {
  const events = hourly(0, [...times(8, 40), 46, 46], temp);
  const lastAt = events.at(-1)?.value.occurredAt ?? 0;
  const { out, state } = run(
    [...events, event('PollCompleted', { occurredAt: lastAt + 7 * DAY })],
    SMALL,
  );
  const creep = by(out, TEMPERATURE_CREEP);
  assert.deepEqual(
    creep.map((e) => e.type),
    ['InsightRaised', 'InsightClosed'],
  );
  const c = closedOf(creep[1]);
  assert.equal(c.closeReason, 'EXPIRED');
  assert.match(c.summary, /has not reported for 7 d/);
  assert.deepEqual(state.sensors, {});
  assert.deepEqual(state.open, {});
  // A day earlier, nothing happens and the state is untouched.
  const before = run(events, SMALL).state;
  const d = decideInsights(
    before,
    event('PollCompleted', { occurredAt: lastAt + 6 * DAY }),
    ctx(SMALL),
  );
  assert.equal(d.state, before);
});

// --- server removal ----------------------------------------------------------------------------

test('ServerRemoved closes every open insight SERVER_REMOVED and empties the state', () => {
  const events = [
    ...hourly(0, [...times(8, 2500), 2100, 2100], fan),
    sel(T0 + 11 * H, { ...ecc, eventOffset: 1 }),
    sel(T0 + 11 * H, psuFailure),
  ];
  const opened = run(events, SMALL);
  const open = Object.values(opened.state.open);
  assert.ok(open.length >= 3);
  const removed = event('ServerRemoved', { eventId: 'rm-1', occurredAt: T0 + 12 * H });
  const d = decideInsights(opened.state, removed, ctx(SMALL));
  assert.equal(d.out.length, open.length);
  for (const e of d.out) {
    const c = closedOf(e);
    assert.equal(c.closeReason, 'SERVER_REMOVED');
    assert.equal(c.occurredAt, T0 + 12 * H);
    assert.equal(c.revision, (opened.state.open[c.fingerprint]?.revision ?? 0) + 1);
  }
  assert.equal(d.state, EMPTY_SERVER_INSIGHT_STATE);
});

// --- determinism, bounds, storage --------------------------------------------------------------

/** A bit of everything: trends, a prediction, tasks, a power-off gap, a server rename. */
function mixed(): AnyEvent[] {
  return [
    event('ServerConfigured', { occurredAt: T0 - H }),
    ...hourly(0, [...times(8, 2500), 2100, 2000, 1900, 1600, 1500, 2500, 2500], fan),
    ...hourly(0, [...times(8, 40), 46, 47, 48, 49, 50, 51, 52], temp),
    ...Array.from({ length: 8 }, (_, i) => sel(T0 + i * 20 * MIN, ecc)),
    sel(T0 + 2 * H, acLost),
    sel(T0 + 3 * H, acLost),
    event('ChassisPowerObserved', { powerState: 'OFF', occurredAt: T0 + 16 * H }),
    fan(T0 + 16 * H + 5 * MIN, 0),
    event('ChassisPowerObserved', { powerState: 'ON', occurredAt: T0 + 17 * H }),
    event('ServerConfigured', { name: 'db-08', occurredAt: T0 + 18 * H }),
    sel(T0 + 18 * H, ecc),
    fan(T0 + 30 * DAY, 2500),
  ];
}

test('replay: the same inputs give identical outputs and ids; only observedAt may differ', () => {
  const events = mixed();
  const a = run(events, SMALL);
  const b = run(events, SMALL);
  assert.deepEqual(a.out, b.out);
  assert.deepEqual(a.state, b.state);
  assert.ok(a.out.length >= 8, `outputs ${a.out.length}`);
  const ids = a.out.map((e) => e.value.eventId);
  assert.equal(new Set(ids).size, ids.length);
  const detectors = new Set(a.out.map((e) => e.value.detector));
  for (const d of [FAN_DEGRADATION, TEMPERATURE_CREEP, DIMM_ECC, PSU_TASK])
    assert.ok(detectors.has(d), d);
  // Another processing time: everything but observedAt is identical.
  let state = EMPTY_SERVER_INSIGHT_STATE;
  const later: InsightEvent[] = [];
  for (const e of events) {
    const d = decideInsights(state, e, { ...ctx(SMALL), observedAt: T0 + 99 * DAY });
    state = d.state;
    later.push(...d.out);
  }
  const strip = (out: readonly InsightEvent[]) =>
    out.map((e) => ({ ...e, value: { ...e.value, observedAt: 0 } }));
  assert.deepEqual(strip(later), strip(a.out));
  assert.ok(later.every((e) => e.value.observedAt === T0 + 99 * DAY));
  // Revisions of each insight run 1, 2, 3, ... without gaps.
  const revs = new Map<string, number[]>();
  for (const e of a.out)
    revs.set(e.value.insightId, [...(revs.get(e.value.insightId) ?? []), e.value.revision]);
  for (const r of revs.values())
    assert.deepEqual(
      r,
      r.map((_, i) => i + 1),
    );
});

test('state is plain JSON: a decision from a JSON copy of the state gives the same result', () => {
  const events = mixed();
  const half = run(events.slice(0, 25), SMALL);
  const copy = JSON.parse(JSON.stringify(half.state)) as ServerInsightState;
  assert.deepEqual(copy, half.state);
  const rest = events.slice(25);
  assert.deepEqual(run(rest, SMALL, {}, copy).out, run(rest, SMALL, {}, half.state).out);
});

test('state stays bounded after 10k readings and an ECC storm', () => {
  const events: AnyEvent[] = [];
  for (let i = 0; i < 5000; i++) {
    // 70 days of readings every 20 minutes, slowly wobbling.
    const at = T0 + i * 20 * MIN;
    events.push(fan(at, 2500 + ((i * 37) % 50)), temp(at, 40 + ((i * 13) % 5)));
  }
  for (let i = 0; i < 1000; i++) events.push(sel(T0 + 60 * DAY + i * MIN, ecc));
  const { state } = run(events);
  for (const t of Object.values(state.sensors))
    assert.ok(t.history.length <= 168, `${t.history.length}`);
  assert.equal(Object.keys(state.sensors).length, 2);
  assert.equal(state.dimms['DIMM A1']?.entries.length, ECC_ENTRIES_CAP);
  assert.ok(Object.keys(state.open).length <= 3);
  const size = JSON.stringify(state).length;
  assert.ok(size < 100_000, `state is ${size} bytes`);
});

test('parts: split and join round-trip, and a decision keeps the parts it did not change', () => {
  // Up to the chassis being back ON: sensors, a DIMM, a PSU, open insights, facts.
  const { state } = run(mixed().slice(0, 44), SMALL);
  const parts = insightStateParts(state);
  assert.ok('facts' in parts);
  assert.ok('s/FAN3#0x43/live' in parts && 's/FAN3#0x43/history' in parts);
  assert.ok('s/CPU1 Temp#0x01/live' in parts);
  assert.ok(Object.keys(parts).some((k) => k.startsWith('dimm/')));
  assert.ok(Object.keys(parts).some((k) => k.startsWith('psu/')));
  assert.ok(Object.keys(parts).some((k) => k.startsWith('open/')));
  const back = insightStateFromParts(parts);
  assert.deepEqual(back, state);
  assert.deepEqual(
    insightStateFromParts(JSON.parse(JSON.stringify(parts)) as Record<string, unknown>),
    state,
  );
  assert.deepEqual(insightStateFromParts({ ...parts, 'future/x': 1 }), state);

  // A reading inside the current bucket changes the sensor's live part and nothing else.
  const lastFan = state.sensors['FAN3#0x43']?.live.bucket.last.at ?? 0;
  const inBucket = decideInsights(state, fan(lastFan + MIN, 2500), ctx(SMALL)).state;
  const after = insightStateParts(inBucket);
  assert.deepEqual(Object.keys(after), Object.keys(parts));
  const changed = Object.keys(parts).filter((k) => parts[k] !== after[k]);
  assert.deepEqual(changed, ['s/FAN3#0x43/live']);

  // A reading that closes a bucket also replaces that sensor's history; other parts stay.
  const nextBucket = decideInsights(inBucket, fan(lastFan + H, 2500), ctx(SMALL)).state;
  const after2 = insightStateParts(nextBucket);
  const changed2 = Object.keys(after).filter((k) => after[k] !== after2[k]);
  assert.ok(changed2.includes('s/FAN3#0x43/live') && changed2.includes('s/FAN3#0x43/history'));
  assert.ok(
    changed2.every((k) => k.startsWith('s/FAN3#0x43/') || k.startsWith('open/')),
    changed2.join(),
  );
  assert.equal(after2['s/CPU1 Temp#0x01/history'], after['s/CPU1 Temp#0x01/history']);
  assert.equal(after2.facts, after.facts);
});

test('irrelevant events, repeats and late readings leave the state identical', () => {
  const { state } = run(mixed().slice(0, 44), SMALL);
  const lastFan = state.sensors['FAN3#0x43']?.live.bucket.last;
  const now = (lastFan?.at ?? T0) + MIN;
  const irrelevant: AnyEvent[] = [
    event('PollCompleted', { occurredAt: now }),
    event('InventoryCollected', { occurredAt: now }),
    event('AlertRaised', { occurredAt: now }),
    event('BmcReachabilityChanged', { occurredAt: now }),
    event('SelCleared', { occurredAt: now }),
    event('ServerConfigured', { occurredAt: now }), // same name
    event('ChassisPowerObserved', { occurredAt: now }), // still ON
    reading(now, { sensorId: 'VCORE#0x20', sensorType: 'VOLTAGE', unit: 'V', value: 1.1 }),
    reading(now, { readingKind: 'DISCRETE', sensorType: 'POWER_SUPPLY', value: null }),
    temp(now, 40, { state: 'UNKNOWN', value: null }),
    fan(now, 2500, { unit: '%' }),
    fan(lastFan?.at ?? T0, 2500, { eventId: lastFan?.eventId ?? '' }), // redelivered
    fan((lastFan?.at ?? T0) - H, 2500), // late
    sel(now, { sensorType: 'PROCESSOR', sensorTypeCode: 0x07, eventOffset: 7, severity: 'INFO' }),
    sel(now, { ...ecc, eventOffset: 6, description: 'Presence detected' }),
    sel(now, { ...psuFailure, eventDirection: 'DEASSERTION' }),
  ];
  for (const e of irrelevant) {
    const d = decideInsights(state, e, ctx(SMALL));
    assert.equal(d.state, state, `${e.type} changed the state`);
    assert.deepEqual(d.out, [], `${e.type} emitted`);
  }
});

test('readings while the chassis is off are not bucketed (a stopped fan is expected)', () => {
  const off = event('ChassisPowerObserved', { powerState: 'OFF', occurredAt: T0 });
  const { out, state } = run([off, ...hourly(0, [...times(8, 0), 0, 0], fan)], SMALL);
  assert.deepEqual(out, []);
  assert.deepEqual(state.sensors, {});
  assert.equal(state.facts.power, 'OFF');
});

test('events of two servers do not interact', () => {
  const other = 'srv-2';
  const events: AnyEvent[] = [
    ...Array.from({ length: 5 }, (_, i) => sel(T0 + i * H, ecc)),
    ...Array.from({ length: 4 }, (_, i) => sel(T0 + i * H, { ...ecc, serverId: other })),
  ];
  let states: ReadonlyMap<string, ServerInsightState> = new Map();
  const out: InsightEvent[] = [];
  for (const e of events) {
    const d = decideFleetInsights(states, e, ctx());
    states = d.states;
    out.push(...d.out);
  }
  assert.deepEqual(
    out.map((e) => e.value.serverId),
    [SERVER],
  );
  assert.equal(states.get(other)?.dimms['DIMM A1']?.entries.length, 4);
});

test('a temperature excursion shorter than half the recent window is no trend', () => {
  // 8 hot hours in a 24 h window: the alert's business; the median stays at 45 C.
  const events = hourly(0, [...times(96, 45), ...times(8, 95), ...times(30, 45)], temp);
  assert.deepEqual(by(run(events).out, TEMPERATURE_CREEP), []);
  // A rise held for most of the window is one (a bucket closes when the next one starts).
  const sustained = hourly(0, [...times(96, 45), ...times(15, 52)], temp);
  assert.deepEqual(summary(by(run(sustained).out, TEMPERATURE_CREEP)), [
    ['InsightRaised', 1, 'MEDIUM'],
  ]);
});

test('changedInsightParts finds exactly the parts a full split would show as changed', () => {
  let state = EMPTY_SERVER_INSIGHT_STATE;
  for (const e of [...mixed(), event('ServerRemoved', { occurredAt: T0 + 31 * DAY })]) {
    const after = decideInsights(state, e, ctx(SMALL)).state;
    const full = insightStateParts(state);
    const next = insightStateParts(after);
    const expectedPut = Object.keys(next)
      .filter((k) => next[k] !== full[k])
      .sort();
    const expectedRemoved = Object.keys(full)
      .filter((k) => !(k in next))
      .sort();
    const { put, removed } = changedInsightParts(state, after);
    // facts is always a part of a full split; changedInsightParts reports it when it changed.
    assert.deepEqual(Object.keys(put).sort(), expectedPut, `put after ${e.type}`);
    assert.deepEqual([...removed].sort(), expectedRemoved, `removed after ${e.type}`);
    for (const k of Object.keys(put)) assert.equal(put[k], next[k]);
    state = after;
  }
});
