/**
 * Trends, predictions and maintenance tasks of one server. Pure decider: (state, input event)
 * → (state, insight events). Time is the input's occurredAt, never a clock, so replaying the
 * input log gives the same insights with the same ids (only observedAt, the processing time,
 * differs). Every time constant comes from InsightConfig, so end-to-end tests can run the
 * same rules on a scale of seconds.
 *
 * Sensor readings (FAN in RPM, TEMPERATURE in C, threshold sensors with a value; UNKNOWN and
 * DISABLED readings and readings taken while the chassis is known to be OFF are skipped) are
 * averaged into `bucketMs` buckets. A bucket closes when the sensor's first reading of a later
 * bucket arrives; the trend and prediction rules run on closed buckets only, once per bucket.
 * Windows are measured in time back from the end of the newest closed bucket, so gaps in
 * polling leave buckets out instead of stretching the windows.
 *
 * 1. Fan degradation (`trend.fan-degradation@1`, TREND, SENSOR, component = sensorId). The
 *    baseline is the median of the bucket means of the `baselineBuckets` (72) buckets before
 *    the recent window, once at least `minBaselineBuckets` (48) exist; the recent level is the
 *    median of the bucket means of the last `recentBuckets` (24), at least `minRecentBuckets`
 *    (12): a median, so an excursion shorter than half the window (a hot afternoon, a fan
 *    briefly blocked) is an alert's business, not a trend. Recent ≥ `fanDropPercent` (15 %) below baseline raises it, MEDIUM, HIGH from
 *    `fanHighDropPercent` (30 %). While open, the baseline it was raised against is frozen
 *    (a rolling one would absorb the drop and "recover" a fan that is still slow). An update
 *    goes out when the priority changes, or when the drop moved by `fanUpdateStepPercent`
 *    (5 points) and `updateEveryMs` passed since the last emitted event. It closes RESOLVED
 *    when the drop is below half the threshold, typically after a fan replacement, and the
 *    sensor is then re-baselined: its closed buckets are dropped, because the old part's
 *    history says nothing about the new one, so the rules of that sensor restart and need
 *    `minBaselineBuckets` again (an open prediction of the sensor closes RESOLVED with them).
 *    Outside an open insight the baseline rolls, which is what it should do for a step
 *    change; slow wear that never steps is the prediction rule's job.
 * 2. Temperature creep (`trend.temperature-creep@1`): the same, with recent ≥ `tempRiseC`
 *    (5 C) above baseline; HIGH when the recent mean is within `tempMarginC` (5 C) of UNC
 *    (else UCR), and updates on `tempUpdateStepC` (2 C). Peers: when ctx.peers gives a median
 *    of the same sensor name over at least `minPeers` (3) other servers and the own baseline
 *    does not already raise, recent ≥ tempRiseC above the peer median raises the same
 *    insight, noted "above its peers" (so a new server running hot needs no baseline). The
 *    peer median is then the frozen reference. Peers must be derived from the same input log
 *    (fleet state), or a replay is not identical.
 * 3. Time to threshold (`predict.time-to-threshold@1`, PREDICTION): a least-squares line over
 *    the bucket means of the last `predictWindowBuckets` (168 = 7 days) buckets, at least
 *    `minPredictPoints` (48), x at bucket midpoints. Two days, because fans and temperatures
 *    follow the daily load and ambient cycle, and a line through one cycle fits it with
 *    r² ≈ 0.6 (two cycles: ≈ 0.15). Fans are projected down to LCR (else LNC), temperatures
 *    up to UCR (else UNC), as of the latest reading. Raised when the slope points at the
 *    threshold, r² ≥ `predictMinR2` (0.5) and the line reaches it within `predictHorizonMs`
 *    (30 days) of the window end; a line already past it gives dueAt = window end (0 days:
 *    the alert has it, and the prediction does not close because things got worse). HIGH within `predictHighWithinMs` (7 days), else MEDIUM.
 *    Confidence = r² · n / (n + minPredictPoints): the fit, discounted while points are few.
 *    Hysteresis: once open it holds while the slope points at the threshold, the crossing is
 *    within 1.5 × the horizon and r² ≥ predictMinR2 / 2; otherwise it closes RESOLVED. An
 *    update goes out when the priority changes, or when dueAt moved by more than
 *    max(`dueToleranceMs` (1 day), `dueToleranceShare` (25 %) of the lead time it had) and
 *    updateEveryMs passed.
 * 4. DIMM ECC (`task.dimm-ecc@1`, MAINTENANCE_TASK, componentType SEL: the evidence is SEL
 *    entries and a DIMM is no sensor). SEL assertions (or entries without a direction, which
 *    the tools print for assertions) resolving to Memory (0Ch) offset 00h correctable ECC or
 *    01h uncorrectable ECC (IPMI v2.0 table 42-3; codes through @ipmi-monitor/ipmi's tables,
 *    the text when the entry has no offset). The DIMM (the component) is, in this order:
 *    the DIMM the entry's text names, normalised by extractComponent (`DIMM A1 (CPU 1)`:
 *    vendors and ipmitool put the decoded event data there, and the collector passes text,
 *    not raw bytes); event data 3 when event data 1 bits 5:4 are 11b (sensor-specific
 *    extension) and byte 3 is not FFh, "memory module/device identification, relative to the
 *    entity of the sensor" (`DIMM 3 of <sensor name>`; eventData, else bytes 14-16 of
 *    rawRecordHex); a DIMM named by the sensor name (`P1-DIMMA1`); else the sensor itself.
 *    `eccCount` (5) entries within `eccWindowMs` (7 days) raise "Replace DIMM <X> on server
 *    <Y>", HIGH; an uncorrectable entry raises at once (data was lost). More entries update,
 *    at most once per updateEveryMs. It closes EXPIRED once no entry came for eccWindowMs; a
 *    SelCleared does not close it (the DIMM is still bad). Entries are deduplicated by
 *    eventId (a re-read SEL re-publishes them) and kept within the window, at most 200.
 * 5. PSU (`task.psu@1`, MAINTENANCE_TASK, SEL, component = `PSU <n>` from the text or sensor
 *    name, else the sensor name). Power Supply 01h failure detected, Power Unit 06h failure
 *    detected, and lost redundancy on a Power Supply / Power Unit sensor (generic 0Bh offsets
 *    01h-07h asserted, or 00h fully redundant deasserted) raise "Check PSU <X> on server <Y>"
 *    ("Check the power supplies on server <Y>" when the sensor names no single PSU), HIGH. Power Supply 03h input lost (AC/DC) or 04h input lost or out of range, asserted
 *    `psuAcLossCount` (2) times within `psuAcLossWindowMs` (24 h), raise "Check the power
 *    feed of PSU <X> on server <Y>", MEDIUM. One task per PSU: a failure escalates an open
 *    feed task to HIGH (priority never drops while open). A deassertion does not close it:
 *    the operator should look. It closes EXPIRED after `psuQuietMs` (7 days) without a new
 *    assertion; a SelCleared does not close it either.
 * 6. ServerRemoved closes every open insight SERVER_REMOVED and empties the state.
 * 7. A sensor without a (bucketed) reading for `sensorStaleMs` (7 days: removed, renamed, or
 *    the chassis was off) is forgotten and its open trend and prediction close EXPIRED, so
 *    neither the state nor the open insights outlive the sensors of a server.
 *
 * Expiries are checked on every event of the server (its occurredAt is the current time)
 * before the event itself is applied. Evidence holds at most 20 events, oldest first: the
 * latest supporting ones (trends, tasks) or ones spread over the regression window
 * (predictions). ctx.observedAt is the only processing-time field of an output.
 *
 * Storage: the processor saves state per key after every batch and finds what changed by
 * object identity, so the state is built of small parts that a decision replaces only when
 * they change (see insightStateParts): a reading inside a bucket replaces the sensor's `live`
 * part only; its `history` is replaced only when a bucket closes; an event that changes
 * nothing returns the very same state object.
 */
import { createHash } from 'node:crypto';
import { classifySelEntry, extractComponent, resolveByCodes } from '@ipmi-monitor/ipmi';
import type {
  AnyEvent,
  ComponentType,
  EventOf,
  InsightCloseReason,
  InsightClosed,
  InsightEvidence,
  InsightKind,
  InsightPriority,
  InsightRaised,
  InsightUpdated,
  PowerState,
  SelEntryRecorded,
  SensorReadingRecorded,
  SensorType,
} from '@ipmi-monitor/schemas';
import {
  bucketStart,
  crossingAt,
  linearFit,
  lowerBound,
  median,
  roundTo,
  spread,
  valueAt,
  type LinearFit,
} from './stats.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface InsightConfig {
  /** Width of the buckets readings are averaged into. */
  readonly bucketMs: number;
  /** Buckets before the recent window whose median is a sensor's baseline. */
  readonly baselineBuckets: number;
  /** Closed buckets the baseline window must hold before the baseline counts. */
  readonly minBaselineBuckets: number;
  /** Buckets of the recent window. */
  readonly recentBuckets: number;
  readonly minRecentBuckets: number;
  /** Fan: recent mean this many percent below baseline raises. */
  readonly fanDropPercent: number;
  /** Fan: from this drop the insight is HIGH. */
  readonly fanHighDropPercent: number;
  /** Fan: a drop change that merits an update, in percentage points. */
  readonly fanUpdateStepPercent: number;
  /** Temperature: recent mean this many degrees above the reference raises. */
  readonly tempRiseC: number;
  /** Temperature: HIGH when the recent mean is within this of UNC (else UCR). */
  readonly tempMarginC: number;
  readonly tempUpdateStepC: number;
  /** Peer comparison needs a median over at least this many other servers. */
  readonly minPeers: number;
  /** Buckets of the regression window. */
  readonly predictWindowBuckets: number;
  readonly minPredictPoints: number;
  /** r² a line needs to raise a prediction (half of it keeps one open). */
  readonly predictMinR2: number;
  /** A crossing further than this from the window end is no prediction. */
  readonly predictHorizonMs: number;
  /** A crossing within this is HIGH. */
  readonly predictHighWithinMs: number;
  /** dueAt moves smaller than max(dueToleranceMs, dueToleranceShare × lead) are not news. */
  readonly dueToleranceMs: number;
  readonly dueToleranceShare: number;
  /** At most one non-priority update per insight per this much event time. */
  readonly updateEveryMs: number;
  /** ECC entries on one DIMM within eccWindowMs that raise the task. */
  readonly eccCount: number;
  readonly eccWindowMs: number;
  /** Input-lost entries of one PSU within psuAcLossWindowMs that raise the feed task. */
  readonly psuAcLossCount: number;
  readonly psuAcLossWindowMs: number;
  /** A PSU task closes after this long without a new assertion. */
  readonly psuQuietMs: number;
  /** A sensor without a reading for this long is forgotten, its insights EXPIRED. */
  readonly sensorStaleMs: number;
}

export const DEFAULT_INSIGHT_CONFIG: InsightConfig = {
  bucketMs: HOUR,
  baselineBuckets: 72,
  minBaselineBuckets: 48,
  recentBuckets: 24,
  minRecentBuckets: 12,
  fanDropPercent: 15,
  fanHighDropPercent: 30,
  fanUpdateStepPercent: 5,
  tempRiseC: 5,
  tempMarginC: 5,
  tempUpdateStepC: 2,
  minPeers: 3,
  predictWindowBuckets: 168,
  minPredictPoints: 48,
  predictMinR2: 0.5,
  predictHorizonMs: 30 * DAY,
  predictHighWithinMs: 7 * DAY,
  dueToleranceMs: DAY,
  dueToleranceShare: 0.25,
  updateEveryMs: HOUR,
  eccCount: 5,
  eccWindowMs: 7 * DAY,
  psuAcLossCount: 2,
  psuAcLossWindowMs: DAY,
  psuQuietMs: 7 * DAY,
  sensorStaleMs: 7 * DAY,
};

export const FAN_DEGRADATION = 'trend.fan-degradation@1';
export const TEMPERATURE_CREEP = 'trend.temperature-creep@1';
export const TIME_TO_THRESHOLD = 'predict.time-to-threshold@1';
export const DIMM_ECC = 'task.dimm-ecc@1';
export const PSU_TASK = 'task.psu@1';

/** Evidence per insight event (the schema caps it at 20, oldest first). */
export const INSIGHT_EVIDENCE_CAP = 20;
/** ECC entries kept per DIMM within the window: the count saturates here. */
export const ECC_ENTRIES_CAP = 200;
/** SEL entries kept per PSU. */
export const PSU_ENTRIES_CAP = 20;
/** A prediction stays open while its crossing is within this many horizons. */
const PREDICT_HOLD_FACTOR = 1.5;

// --- state ---------------------------------------------------------------------------------

export interface ServerFacts {
  /** Display name from ServerConfigured, for task titles; null until seen. */
  readonly name: string | null;
  /** Chassis power from ChassisPowerObserved; null until seen. */
  readonly power: PowerState | null;
}

export interface SensorLimits {
  readonly lcr: number | null;
  readonly lnc: number | null;
  readonly unc: number | null;
  readonly ucr: number | null;
}

/** One reading: the evidence a bucket stands on. */
export interface Sample {
  readonly eventId: string;
  readonly at: number;
  readonly value: number;
}

export interface OpenBucket {
  readonly start: number;
  readonly n: number;
  readonly sum: number;
  /** The latest reading of the bucket. */
  readonly last: Sample;
}

export interface ClosedBucket {
  readonly start: number;
  readonly n: number;
  readonly mean: number;
  readonly last: Sample;
}

/** What changes with every reading of a sensor. */
export interface SensorLive {
  readonly kind: 'FAN' | 'TEMPERATURE';
  readonly name: string;
  readonly unit: string;
  readonly limits: SensorLimits;
  readonly bucket: OpenBucket;
}

export interface SensorTrack {
  readonly live: SensorLive;
  /** Closed buckets, oldest first; replaced only when a bucket closes. */
  readonly history: readonly ClosedBucket[];
}

export interface SelSample {
  readonly eventId: string;
  readonly at: number;
  readonly note: string;
}

export interface DimmTrack {
  readonly label: string;
  readonly sensorId: string | null;
  /** ECC entries within eccWindowMs of the newest, oldest first. */
  readonly entries: readonly (SelSample & { readonly uncorrectable: boolean })[];
}

export type PsuCause = 'FAILURE' | 'REDUNDANCY' | 'INPUT_LOST';

export interface PsuTrack {
  readonly label: string;
  /** The label names one power supply (`PSU 2`), not a power unit or redundancy sensor. */
  readonly isPsu: boolean;
  readonly sensorId: string | null;
  readonly entries: readonly (SelSample & { readonly cause: PsuCause })[];
}

/** What a trend was raised against, frozen while it is open. */
export interface TrendReference {
  readonly value: number;
  readonly basis: 'BASELINE' | 'PEERS';
  /** Buckets of the baseline, or servers behind the peer median. */
  readonly count: number;
}

/** The content of an insight event, as of the last emitted one (or the one to emit). */
export interface InsightFields {
  readonly kind: InsightKind;
  readonly detector: string;
  readonly priority: InsightPriority;
  readonly title: string;
  readonly summary: string;
  readonly componentType: ComponentType;
  readonly component: string;
  readonly sensorId: string | null;
  readonly confidence: number | null;
  readonly dueAt: number | null;
  readonly evidence: readonly InsightEvidence[];
  readonly metrics: Readonly<Record<string, number>>;
  readonly reference: TrendReference | null;
}

export interface OpenInsight extends InsightFields {
  readonly insightId: string;
  readonly fingerprint: string;
  /** Revision of the last emitted event. */
  readonly revision: number;
  /** occurredAt of the last emitted event, for the update throttle. */
  readonly lastEmittedAt: number;
}

export interface ServerInsightState {
  readonly facts: ServerFacts;
  /** By sensorId. */
  readonly sensors: Readonly<Record<string, SensorTrack>>;
  /** By DIMM label. */
  readonly dimms: Readonly<Record<string, DimmTrack>>;
  /** By PSU label. */
  readonly psus: Readonly<Record<string, PsuTrack>>;
  /** Open insights by fingerprint. */
  readonly open: Readonly<Record<string, OpenInsight>>;
}

const NO_HISTORY: readonly ClosedBucket[] = Object.freeze([]);

export const EMPTY_SERVER_INSIGHT_STATE: ServerInsightState = {
  facts: { name: null, power: null },
  sensors: {},
  dimms: {},
  psus: {},
  open: {},
};

export interface PeerStats {
  readonly median: number;
  readonly count: number;
}

export interface InsightContext {
  /** Emitting instance, `streams@<host>`. */
  readonly source: string;
  /** Processing time, the only field of an output a replay may change. */
  readonly observedAt: number;
  readonly config?: Partial<InsightConfig>;
  /**
   * Recent mean of the same sensor name on other servers of the fleet, for temperature
   * creep. Must exclude this server and derive from the input log, or replays differ.
   */
  readonly peers?: (sensorName: string) => PeerStats | undefined;
}

export type InsightEvent = EventOf<'ipmi.insights.v1'>;

export interface InsightDecision {
  readonly state: ServerInsightState;
  readonly out: readonly InsightEvent[];
}

// --- ids -------------------------------------------------------------------------------------

function hash(...parts: readonly (string | number)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(String(p)).update('\u001e');
  return h.digest('hex').slice(0, 32);
}

export function insightFingerprintOf(
  serverId: string,
  kind: InsightKind,
  detector: string,
  component: string,
): string {
  return hash(serverId, kind, detector, component);
}

export function insightIdOf(fingerprint: string, occurredAt: number, eventId: string): string {
  return hash(fingerprint, occurredAt, eventId);
}

export function insightEventIdOf(insightId: string, revision: number): string {
  return hash(insightId, revision);
}

// --- storage parts ---------------------------------------------------------------------------

/**
 * The state as small parts under stable keys: `facts`, `s/<sensorId>/live`,
 * `s/<sensorId>/history`, `dimm/<label>`, `psu/<label>`, `open/<fingerprint>`. The values are
 * the state's own objects, so a part a decision did not change is the same object before and
 * after it (compare with ===); a key that disappeared is a deletion.
 */
export function insightStateParts(state: ServerInsightState): Record<string, unknown> {
  const parts: Record<string, unknown> = { facts: state.facts };
  for (const [id, t] of Object.entries(state.sensors)) {
    parts[`s/${id}/live`] = t.live;
    parts[`s/${id}/history`] = t.history;
  }
  for (const [k, v] of Object.entries(state.dimms)) parts[`dimm/${k}`] = v;
  for (const [k, v] of Object.entries(state.psus)) parts[`psu/${k}`] = v;
  for (const [k, v] of Object.entries(state.open)) parts[`open/${k}`] = v;
  return parts;
}

/**
 * The parts that differ between two states of one server (`before` as loaded, `after` as
 * decided), by identity and without building every part: what a reading changes is one
 * sensor's live part, and finding it must not cost a walk over all of the server's parts.
 * `put` holds new or changed parts, `removed` the names of parts that are gone.
 */
export function changedInsightParts(
  before: ServerInsightState,
  after: ServerInsightState,
): { readonly put: Record<string, unknown>; readonly removed: string[] } {
  const put: Record<string, unknown> = {};
  const removed: string[] = [];
  if (before === after) return { put, removed };
  if (before.facts !== after.facts) put.facts = after.facts;
  if (before.sensors !== after.sensors) {
    for (const id in after.sensors) {
      const a = after.sensors[id];
      const b = before.sensors[id];
      if (a === undefined || a === b) continue;
      if (a.live !== b?.live) put[`s/${id}/live`] = a.live;
      if (a.history !== b?.history) put[`s/${id}/history`] = a.history;
    }
    for (const id in before.sensors) {
      if (!(id in after.sensors)) removed.push(`s/${id}/live`, `s/${id}/history`);
    }
  }
  const tables = [
    ['dimm', before.dimms, after.dimms],
    ['psu', before.psus, after.psus],
    ['open', before.open, after.open],
  ] as const;
  for (const [prefix, b, a] of tables) {
    if (a === b) continue;
    for (const k in a) if (a[k] !== (b as Record<string, unknown>)[k]) put[`${prefix}/${k}`] = a[k];
    for (const k in b) if (!(k in a)) removed.push(`${prefix}/${k}`);
  }
  return { put, removed };
}

/**
 * The state from its parts (as stored: trusted, not validated). Keys this version does not
 * know are ignored, so a state written by a newer version still loads.
 */
export function insightStateFromParts(
  parts: Readonly<Record<string, unknown>>,
): ServerInsightState {
  let facts = EMPTY_SERVER_INSIGHT_STATE.facts;
  const live: Record<string, SensorLive> = {};
  const history: Record<string, readonly ClosedBucket[]> = {};
  const dimms: Record<string, DimmTrack> = {};
  const psus: Record<string, PsuTrack> = {};
  const open: Record<string, OpenInsight> = {};
  for (const [k, v] of Object.entries(parts)) {
    if (k === 'facts') facts = v as ServerFacts;
    else if (k.startsWith('s/') && k.endsWith('/live')) live[k.slice(2, -5)] = v as SensorLive;
    else if (k.startsWith('s/') && k.endsWith('/history')) {
      history[k.slice(2, -8)] = v as readonly ClosedBucket[];
    } else if (k.startsWith('dimm/')) dimms[k.slice(5)] = v as DimmTrack;
    else if (k.startsWith('psu/')) psus[k.slice(4)] = v as PsuTrack;
    else if (k.startsWith('open/')) open[k.slice(5)] = v as OpenInsight;
  }
  const sensors: Record<string, SensorTrack> = {};
  for (const [id, l] of Object.entries(live)) {
    sensors[id] = { live: l, history: history[id] ?? NO_HISTORY };
  }
  return { facts, sensors, dimms, psus, open };
}

// --- working copy ----------------------------------------------------------------------------

interface Tables {
  sensors: SensorTrack;
  dimms: DimmTrack;
  psus: PsuTrack;
  open: OpenInsight;
}
type TableName = keyof Tables;

/**
 * One decision's working copy. A table is copied on its first write only, and untouched
 * entries keep their identity, so the result shares everything the event did not change.
 */
interface Work {
  readonly base: ServerInsightState;
  readonly serverId: string;
  /** Event time of the input. */
  readonly now: number;
  readonly cfg: InsightConfig;
  readonly ctx: InsightContext;
  facts: ServerFacts;
  readonly copies: { [K in TableName]?: Record<string, Tables[K]> };
  readonly out: InsightEvent[];
}

function table<K extends TableName>(w: Work, name: K): Readonly<Record<string, Tables[K]>> {
  return (w.copies[name] ?? w.base[name]) as Readonly<Record<string, Tables[K]>>;
}

function read<K extends TableName>(w: Work, name: K, key: string): Tables[K] | undefined {
  return table(w, name)[key];
}

function write<K extends TableName>(
  w: Work,
  name: K,
  key: string,
  value: Tables[K] | undefined,
): void {
  let t: Record<string, Tables[K]> | undefined = w.copies[name];
  if (t === undefined) {
    const copy: Record<string, Tables[K]> = { ...table(w, name) };
    (w.copies as Record<string, unknown>)[name] = copy;
    t = copy;
  }
  if (value === undefined) delete t[key];
  else t[key] = value;
}

/** Keys in a stable order, so outputs do not depend on how a state was loaded. */
function keysOf(w: Work, name: TableName): string[] {
  return Object.keys(table(w, name)).sort();
}

function finish(w: Work): ServerInsightState {
  const c = w.copies;
  if (w.facts === w.base.facts && !c.sensors && !c.dimms && !c.psus && !c.open) return w.base;
  return {
    facts: w.facts,
    sensors: c.sensors ?? w.base.sensors,
    dimms: c.dimms ?? w.base.dimms,
    psus: c.psus ?? w.base.psus,
    open: c.open ?? w.base.open,
  };
}

// --- emitting --------------------------------------------------------------------------------

function body(w: Work, i: OpenInsight, revision: number) {
  return {
    eventId: insightEventIdOf(i.insightId, revision),
    serverId: w.serverId,
    occurredAt: w.now,
    observedAt: w.ctx.observedAt,
    source: w.ctx.source,
    insightId: i.insightId,
    fingerprint: i.fingerprint,
    revision,
    kind: i.kind,
    priority: i.priority,
    detector: i.detector,
    title: i.title,
    summary: i.summary,
    componentType: i.componentType,
    component: i.component,
    sensorId: i.sensorId,
    confidence: i.confidence,
    dueAt: i.dueAt,
    evidence: i.evidence.map((e) => ({ ...e })),
    metrics: { ...i.metrics },
  };
}

function fingerprint(w: Work, f: Pick<InsightFields, 'kind' | 'detector' | 'component'>) {
  return insightFingerprintOf(w.serverId, f.kind, f.detector, f.component);
}

function raise(w: Work, f: InsightFields, triggerEventId: string): void {
  const fp = fingerprint(w, f);
  const i: OpenInsight = {
    ...f,
    insightId: insightIdOf(fp, w.now, triggerEventId),
    fingerprint: fp,
    revision: 1,
    lastEmittedAt: w.now,
  };
  write(w, 'open', fp, i);
  const value: InsightRaised = body(w, i, 1);
  w.out.push({ type: 'InsightRaised', value });
}

function update(w: Work, open: OpenInsight, f: InsightFields): void {
  const revision = open.revision + 1;
  const i: OpenInsight = { ...open, ...f, revision, lastEmittedAt: w.now };
  write(w, 'open', open.fingerprint, i);
  const value: InsightUpdated = {
    ...body(w, i, revision),
    previousPriority: f.priority === open.priority ? null : open.priority,
  };
  w.out.push({ type: 'InsightUpdated', value });
}

/** Updates when the priority changed, or when the change is material and the throttle allows. */
function maybeUpdate(w: Work, open: OpenInsight, f: InsightFields, material: boolean): void {
  if (f.priority !== open.priority) update(w, open, f);
  else if (material && w.now - open.lastEmittedAt >= w.cfg.updateEveryMs) update(w, open, f);
}

function close(
  w: Work,
  open: OpenInsight,
  reason: InsightCloseReason,
  final: Partial<InsightFields> = {},
): void {
  const value: InsightClosed = {
    ...body(w, { ...open, ...final }, open.revision + 1),
    closeReason: reason,
    closedBy: null,
  };
  write(w, 'open', open.fingerprint, undefined);
  w.out.push({ type: 'InsightClosed', value });
}

// --- wording ---------------------------------------------------------------------------------

function num(v: number): string {
  return String(Math.abs(v) >= 100 ? Math.round(v) : roundTo(v, 1));
}

function withUnit(v: number, unit: string): string {
  return `${num(v)} ${unit}`;
}

/**
 * A duration for people: `24 h`, `7 d`, `12.5 d`, `90 s`. Days from two days on, so that a
 * day-long window reads `24 h`; smaller units when they divide it exactly.
 */
function span(ms: number): string {
  const units = [
    [DAY, 'd'],
    [HOUR, 'h'],
    [MINUTE, 'min'],
    [SECOND, 's'],
  ] as const;
  for (const [size, name] of units) {
    if (ms >= 2 * size || (size !== DAY && ms >= size && ms % size === 0)) {
      return `${roundTo(ms / size, 1)} ${name}`;
    }
  }
  return `${Math.max(0, Math.round(ms))} ms`;
}

function serverName(w: Work): string {
  return w.facts.name ?? w.serverId;
}

function evidenceOf(buckets: readonly ClosedBucket[], note: (s: Sample) => string) {
  return buckets.map((b) => ({
    eventId: b.last.eventId,
    occurredAt: b.last.at,
    note: note(b.last),
  }));
}

// --- readings: buckets, trends, predictions --------------------------------------------------

function trackedKind(r: SensorReadingRecorded): SensorLive['kind'] | null {
  if (r.readingKind !== 'THRESHOLD' || r.value === null || !Number.isFinite(r.value)) return null;
  if (r.state === 'UNKNOWN' || r.state === 'DISABLED') return null;
  // Units as the collector normalises them; thresholds in C do not apply to F or K sensors.
  if (r.sensorType === 'FAN' && r.unit?.toUpperCase() === 'RPM') return 'FAN';
  if (r.sensorType === 'TEMPERATURE' && r.unit === 'C') return 'TEMPERATURE';
  return null;
}

function limitsOf(r: SensorReadingRecorded, prev: SensorLimits | undefined): SensorLimits {
  const t = r.thresholds;
  const next = {
    lcr: t?.lcr ?? null,
    lnc: t?.lnc ?? null,
    unc: t?.unc ?? null,
    ucr: t?.ucr ?? null,
  };
  if (
    prev &&
    prev.lcr === next.lcr &&
    prev.lnc === next.lnc &&
    prev.unc === next.unc &&
    prev.ucr === next.ucr
  ) {
    return prev;
  }
  return next;
}

function historyCap(cfg: InsightConfig): number {
  return Math.max(cfg.baselineBuckets + cfg.recentBuckets, cfg.predictWindowBuckets);
}

function appendBucket(
  h: readonly ClosedBucket[],
  b: ClosedBucket,
  cfg: InsightConfig,
): readonly ClosedBucket[] {
  const cap = historyCap(cfg);
  const from = b.start - (cap - 1) * cfg.bucketMs;
  const kept = h.slice(Math.max(lowerBound(h, from, startOf), h.length + 1 - cap));
  kept.push(b);
  return kept;
}

const startOf = (b: ClosedBucket) => b.start;

/** The closed buckets starting at or after `from` (h is sorted by start). */
function since(h: readonly ClosedBucket[], from: number): readonly ClosedBucket[] {
  return h.slice(lowerBound(h, from, startOf));
}

function onReading(w: Work, r: SensorReadingRecorded): void {
  const kind = trackedKind(r);
  if (kind === null || r.value === null) return;
  // Stopped fans and cooling chassis are expected while the power is off.
  if (w.facts.power === 'OFF') return;
  const cfg = w.cfg;
  const track = read(w, 'sensors', r.sensorId);
  const sample: Sample = { eventId: r.eventId, at: r.occurredAt, value: r.value };
  const start = bucketStart(r.occurredAt, cfg.bucketMs);
  if (track === undefined) {
    const live: SensorLive = {
      kind,
      name: r.sensorName,
      unit: r.unit ?? '',
      limits: limitsOf(r, undefined),
      bucket: { start, n: 1, sum: r.value, last: sample },
    };
    write(w, 'sensors', r.sensorId, { live, history: NO_HISTORY });
    return;
  }
  const b = track.live.bucket;
  // One reading per sensor per poll, in time order: anything not newer is a redelivery or
  // a late straggler, and neither may count twice.
  if (r.occurredAt <= b.last.at) return;
  const same = start === b.start;
  const live: SensorLive = {
    kind,
    name: r.sensorName,
    unit: r.unit ?? '',
    limits: limitsOf(r, track.live.limits),
    bucket: same
      ? { start, n: b.n + 1, sum: b.sum + r.value, last: sample }
      : { start, n: 1, sum: r.value, last: sample },
  };
  if (same) {
    write(w, 'sensors', r.sensorId, { live, history: track.history });
    return;
  }
  const closed: ClosedBucket = { start: b.start, n: b.n, mean: b.sum / b.n, last: b.last };
  let history = appendBucket(track.history, closed, cfg);
  const spec = kind === 'FAN' ? fanSpec(cfg) : temperatureSpec(cfg);
  if (trend(w, spec, r.sensorId, live, history, r.eventId)) history = NO_HISTORY;
  prediction(w, r.sensorId, live, history, r.eventId);
  write(w, 'sensors', r.sensorId, { live, history });
}

interface Windows {
  readonly recent: readonly ClosedBucket[];
  readonly baseline: readonly ClosedBucket[];
}

function windowsOf(h: readonly ClosedBucket[], cfg: InsightConfig): Windows | null {
  const last = h.at(-1);
  if (last === undefined) return null;
  const end = last.start + cfg.bucketMs;
  const recentFrom = end - cfg.recentBuckets * cfg.bucketMs;
  const baselineFrom = recentFrom - cfg.baselineBuckets * cfg.bucketMs;
  const r = lowerBound(h, recentFrom, startOf);
  return {
    recent: h.slice(r),
    baseline: h.slice(lowerBound(h, baselineFrom, startOf), r),
  };
}

/** What differs between the fan and the temperature trend. */
interface TrendSpec {
  readonly detector: string;
  /** How far `value` is from `ref` in the bad direction. */
  deviation(ref: number, value: number): number;
  readonly threshold: number;
  readonly step: number;
  /** Metric holding the deviation, compared for material changes. */
  readonly metric: string;
  /** Candidate references, preferred first. */
  references(w: Work, live: SensorLive, win: Windows): TrendReference[];
  priority(dev: number, recent: number, live: SensorLive): InsightPriority;
  title(live: SensorLive): string;
  summary(live: SensorLive, recent: number, ref: TrendReference, resolved: boolean): string;
  note(live: SensorLive, value: number, ref: TrendReference): string;
  metrics(live: SensorLive, recent: number, ref: TrendReference): Record<string, number>;
}

function ownBaseline(win: Windows, cfg: InsightConfig): TrendReference | null {
  if (win.baseline.length < cfg.minBaselineBuckets) return null;
  const value = median(win.baseline.map((b) => b.mean));
  return Number.isFinite(value) ? { value, basis: 'BASELINE', count: win.baseline.length } : null;
}

function fanSpec(cfg: InsightConfig): TrendSpec {
  const drop = (ref: number, v: number) => ((ref - v) / ref) * 100;
  const over = span(cfg.recentBuckets * cfg.bucketMs);
  const pct = (ref: number, v: number) => {
    const d = drop(ref, v);
    return `${Math.round(Math.abs(d))}% ${d >= 0 ? 'below' : 'above'}`;
  };
  return {
    detector: FAN_DEGRADATION,
    deviation: drop,
    threshold: cfg.fanDropPercent,
    step: cfg.fanUpdateStepPercent,
    metric: 'dropPercent',
    references(_w, _live, win) {
      const own = ownBaseline(win, cfg);
      // A baseline of a stopped fan gives no percentages.
      return own !== null && own.value > 0 ? [own] : [];
    },
    priority: (dev) => (dev >= cfg.fanHighDropPercent ? 'HIGH' : 'MEDIUM'),
    title: (live) => `${live.name} slowing down`,
    summary(live, recent, ref, resolved) {
      const base = withUnit(ref.value, live.unit);
      if (resolved) {
        return `${live.name} is back to ${withUnit(recent, live.unit)} over the last ${over}, ${pct(ref.value, recent)} its baseline of ${base} (the fan was likely replaced or cleaned). Its baseline is re-established from new readings.`;
      }
      return `${live.name} ran at ${withUnit(recent, live.unit)} (median) over the last ${over}, ${pct(ref.value, recent)} its baseline of ${base}. A fan slowing down is wearing out or obstructed: check it and plan a replacement.`;
    },
    note: (live, v, ref) =>
      `${live.name} ${withUnit(v, live.unit)}, ${pct(ref.value, v)} its baseline of ${withUnit(ref.value, live.unit)}`,
    metrics: (_live, recent, ref) => ({
      baseline: roundTo(ref.value, 1),
      recent: roundTo(recent, 1),
      dropPercent: roundTo(drop(ref.value, recent), 1),
      baselineBuckets: ref.count,
    }),
  };
}

function upperLimit(live: SensorLive): { name: 'UNC' | 'UCR'; value: number } | null {
  if (live.limits.unc !== null) return { name: 'UNC', value: live.limits.unc };
  if (live.limits.ucr !== null) return { name: 'UCR', value: live.limits.ucr };
  return null;
}

function temperatureSpec(cfg: InsightConfig): TrendSpec {
  const rise = (ref: number, v: number) => v - ref;
  const over = span(cfg.recentBuckets * cfg.bucketMs);
  const against = (live: SensorLive, ref: TrendReference) =>
    ref.basis === 'BASELINE'
      ? `its baseline of ${withUnit(ref.value, live.unit)}`
      : `its peers (median ${withUnit(ref.value, live.unit)} over ${ref.count} servers)`;
  const delta = (live: SensorLive, ref: number, v: number) => {
    const d = rise(ref, v);
    return `${withUnit(Math.abs(d), live.unit)} ${d >= 0 ? 'above' : 'below'}`;
  };
  return {
    detector: TEMPERATURE_CREEP,
    deviation: rise,
    threshold: cfg.tempRiseC,
    step: cfg.tempUpdateStepC,
    metric: 'riseC',
    references(w, live, win) {
      const out: TrendReference[] = [];
      const own = ownBaseline(win, cfg);
      if (own !== null) out.push(own);
      const peers = w.ctx.peers?.(live.name);
      if (peers !== undefined && peers.count >= cfg.minPeers && Number.isFinite(peers.median)) {
        out.push({ value: peers.median, basis: 'PEERS', count: peers.count });
      }
      return out;
    },
    priority(_dev, recent, live) {
      const upper = upperLimit(live);
      return upper !== null && upper.value - recent <= cfg.tempMarginC ? 'HIGH' : 'MEDIUM';
    },
    title: (live) => `${live.name} running hotter`,
    summary(live, recent, ref, resolved) {
      if (resolved) {
        return `${live.name} is back to ${withUnit(recent, live.unit)} over the last ${over}, ${delta(live, ref.value, recent)} ${against(live, ref)}. Its baseline is re-established from new readings.`;
      }
      const upper = upperLimit(live);
      const limit = upper === null ? '' : ` (${upper.name} ${withUnit(upper.value, live.unit)})`;
      return `${live.name} ran at ${withUnit(recent, live.unit)} (median) over the last ${over}, ${delta(live, ref.value, recent)} ${against(live, ref)}${limit}. Check airflow, fans, dust filters and the inlet temperature.`;
    },
    note: (live, v, ref) =>
      ref.basis === 'BASELINE'
        ? `${live.name} ${withUnit(v, live.unit)}, ${delta(live, ref.value, v)} its baseline of ${withUnit(ref.value, live.unit)}`
        : `${live.name} ${withUnit(v, live.unit)}, ${delta(live, ref.value, v)} its peers' median of ${withUnit(ref.value, live.unit)}`,
    metrics(live, recent, ref) {
      const m: Record<string, number> = {
        recent: roundTo(recent, 2),
        riseC: roundTo(rise(ref.value, recent), 2),
      };
      if (ref.basis === 'BASELINE') {
        m.baseline = roundTo(ref.value, 2);
        m.baselineBuckets = ref.count;
      } else {
        m.peerMedian = roundTo(ref.value, 2);
        m.peerCount = ref.count;
      }
      const upper = upperLimit(live);
      if (upper !== null) {
        m.upperThreshold = upper.value;
        m.marginC = roundTo(upper.value - recent, 2);
      }
      return m;
    },
  };
}

function trendFields(
  w: Work,
  spec: TrendSpec,
  sensorId: string,
  live: SensorLive,
  recent: readonly ClosedBucket[],
  ref: TrendReference,
  resolved: boolean,
): InsightFields {
  const cfg = w.cfg;
  const recentMean = median(recent.map((b) => b.mean));
  const dev = spec.deviation(ref.value, recentMean);
  // Confidence: the share of recent buckets that deviate by at least half the threshold
  // (one bad day or a steady shift), scaled by how full the recent window and the
  // reference are.
  const consistent =
    recent.filter((b) => spec.deviation(ref.value, b.mean) >= spec.threshold / 2).length /
    recent.length;
  const refCoverage =
    ref.basis === 'BASELINE'
      ? Math.min(1, ref.count / cfg.baselineBuckets)
      : Math.min(1, ref.count / (2 * cfg.minPeers));
  const confidence = consistent * Math.min(1, recent.length / cfg.recentBuckets) * refCoverage;
  return {
    kind: 'TREND',
    detector: spec.detector,
    priority: spec.priority(dev, recentMean, live),
    title: spec.title(live),
    summary: spec.summary(live, recentMean, ref, resolved),
    componentType: 'SENSOR',
    component: sensorId,
    sensorId,
    confidence: roundTo(confidence, 2),
    dueAt: null,
    evidence: evidenceOf(recent.slice(-INSIGHT_EVIDENCE_CAP), (s) => spec.note(live, s.value, ref)),
    metrics: { ...spec.metrics(live, recentMean, ref), recentBuckets: recent.length },
    reference: ref,
  };
}

/** Runs a trend rule on a closed bucket; true when the sensor is to be re-baselined. */
function trend(
  w: Work,
  spec: TrendSpec,
  sensorId: string,
  live: SensorLive,
  h: readonly ClosedBucket[],
  triggerEventId: string,
): boolean {
  const win = windowsOf(h, w.cfg);
  if (win === null || win.recent.length < w.cfg.minRecentBuckets) return false;
  const recentMean = median(win.recent.map((b) => b.mean));
  const fp = insightFingerprintOf(w.serverId, 'TREND', spec.detector, sensorId);
  const open = read(w, 'open', fp);
  if (open !== undefined) {
    const ref = open.reference;
    if (ref === null) return false;
    const dev = spec.deviation(ref.value, recentMean);
    if (dev < spec.threshold / 2) {
      close(w, open, 'RESOLVED', trendFields(w, spec, sensorId, live, win.recent, ref, true));
      return true;
    }
    const f = trendFields(w, spec, sensorId, live, win.recent, ref, false);
    const material = Math.abs(dev - (open.metrics[spec.metric] ?? dev)) >= spec.step;
    maybeUpdate(w, open, f, material);
    return false;
  }
  for (const ref of spec.references(w, live, win)) {
    if (spec.deviation(ref.value, recentMean) >= spec.threshold) {
      raise(w, trendFields(w, spec, sensorId, live, win.recent, ref, false), triggerEventId);
      break;
    }
  }
  return false;
}

interface Forecast {
  readonly fit: LinearFit;
  readonly points: readonly ClosedBucket[];
  readonly thresholdName: 'LCR' | 'LNC' | 'UCR' | 'UNC';
  readonly threshold: number;
  /** End of the newest bucket: "now" of the forecast. */
  readonly end: number;
  readonly dueAt: number;
}

/** The line's crossing of the sensor's critical threshold, when it heads there at all. */
function forecastOf(
  live: SensorLive,
  h: readonly ClosedBucket[],
  cfg: InsightConfig,
): Forecast | null {
  const down = live.kind === 'FAN';
  const l = live.limits;
  const target: { name: Forecast['thresholdName']; value: number } | null = down
    ? l.lcr !== null
      ? { name: 'LCR', value: l.lcr }
      : l.lnc !== null
        ? { name: 'LNC', value: l.lnc }
        : null
    : l.ucr !== null
      ? { name: 'UCR', value: l.ucr }
      : l.unc !== null
        ? { name: 'UNC', value: l.unc }
        : null;
  const last = h.at(-1);
  if (target === null || last === undefined) return null;
  const end = last.start + cfg.bucketMs;
  const points = since(h, end - cfg.predictWindowBuckets * cfg.bucketMs);
  if (points.length < cfg.minPredictPoints) return null;
  const fit = linearFit(
    points.map((b) => b.start + cfg.bucketMs / 2),
    points.map((b) => b.mean),
  );
  if (fit === null || (down ? fit.slope >= 0 : fit.slope <= 0)) return null;
  const at = valueAt(fit, end);
  const already = down ? at <= target.value : at >= target.value;
  const cross = already ? end : (crossingAt(fit, target.value) ?? Infinity);
  if (!Number.isFinite(cross)) return null;
  return {
    fit,
    points,
    thresholdName: target.name,
    threshold: target.value,
    end,
    dueAt: Math.round(cross),
  };
}

function predictionFields(
  w: Work,
  sensorId: string,
  live: SensorLive,
  fc: Forecast,
): InsightFields {
  const cfg = w.cfg;
  const lead = fc.dueAt - fc.end;
  const n = fc.points.length;
  const perDay = fc.fit.slope * DAY;
  const r2 = roundTo(fc.fit.r2, 3);
  const thr = `${fc.thresholdName} of ${withUnit(fc.threshold, live.unit)}`;
  const when = lead <= 0 ? 'it is there already' : `it reaches its ${thr} in about ${span(lead)}`;
  const advice =
    live.kind === 'FAN'
      ? 'Plan a fan replacement before then.'
      : 'Check the cooling (fans, airflow, filters) before then.';
  return {
    kind: 'PREDICTION',
    detector: TIME_TO_THRESHOLD,
    priority: lead <= cfg.predictHighWithinMs ? 'HIGH' : 'MEDIUM',
    title: `${live.name} predicted to reach ${fc.thresholdName}`,
    summary: `${live.name} is ${perDay < 0 ? 'falling' : 'rising'} by ${num(Math.abs(perDay))} ${live.unit} a day (r² ${r2} over ${n} buckets of ${span(cfg.bucketMs)}); at this rate ${when}${lead <= 0 ? ` (${thr})` : ''}. ${advice}`,
    componentType: 'SENSOR',
    component: sensorId,
    sensorId,
    confidence: roundTo(fc.fit.r2 * (n / (n + cfg.minPredictPoints)), 2),
    dueAt: fc.dueAt,
    evidence: evidenceOf(
      spread(fc.points, INSIGHT_EVIDENCE_CAP),
      (s) => `${live.name} ${withUnit(s.value, live.unit)}`,
    ),
    metrics: {
      slopePerDay: roundTo(perDay, 3),
      r2,
      daysToThreshold: roundTo(lead / DAY, 3),
      threshold: fc.threshold,
      predictedValue: roundTo(valueAt(fc.fit, fc.end), 2),
      windowStart: fc.points[0]?.start ?? fc.end,
      windowEnd: fc.end,
      points: n,
    },
    reference: null,
  };
}

function prediction(
  w: Work,
  sensorId: string,
  live: SensorLive,
  h: readonly ClosedBucket[],
  triggerEventId: string,
): void {
  const cfg = w.cfg;
  const fp = insightFingerprintOf(w.serverId, 'PREDICTION', TIME_TO_THRESHOLD, sensorId);
  const open = read(w, 'open', fp);
  const fc = forecastOf(live, h, cfg);
  const lead = fc === null ? Infinity : fc.dueAt - fc.end;
  const holds =
    fc !== null &&
    (open === undefined
      ? lead <= cfg.predictHorizonMs && fc.fit.r2 >= cfg.predictMinR2
      : lead <= cfg.predictHorizonMs * PREDICT_HOLD_FACTOR && fc.fit.r2 >= cfg.predictMinR2 / 2);
  if (!holds || fc === null) {
    if (open !== undefined) {
      close(w, open, 'RESOLVED', {
        summary: `${live.name} is no longer predicted to reach its threshold within ${span(cfg.predictHorizonMs)}.`,
      });
    }
    return;
  }
  const f = predictionFields(w, sensorId, live, fc);
  if (open === undefined) {
    raise(w, f, triggerEventId);
    return;
  }
  const before = open.dueAt ?? fc.dueAt;
  const tolerance = Math.max(
    cfg.dueToleranceMs,
    cfg.dueToleranceShare * Math.max(0, before - fc.end),
  );
  maybeUpdate(w, open, f, Math.abs(fc.dueAt - before) > tolerance);
}

// --- SEL: DIMM and PSU tasks -----------------------------------------------------------------

type SelMeaning =
  'ECC_CORRECTABLE' | 'ECC_UNCORRECTABLE' | 'PSU_FAILURE' | 'PSU_REDUNDANCY' | 'PSU_INPUT_LOST';

/** IPMI sensor type codes (table 42-3) of the types these rules read, for entries without one. */
const TYPE_CODES: Partial<Record<SensorType, number>> = {
  MEMORY: 0x0c,
  POWER_SUPPLY: 0x08,
  POWER_UNIT: 0x09,
};
const SENSOR_SPECIFIC = 0x6f;

/**
 * The IPMI state of a SEL entry (`memory.correctable_ecc`, `redundancy.redundancy_lost`):
 * from its codes when it has an offset (a missing event/reading type is taken as
 * sensor-specific, which discrete events of these sensor types are), else from its text.
 */
function selStateOf(e: SelEntryRecorded): string | null {
  if (e.eventOffset !== null) {
    const code = e.sensorTypeCode ?? TYPE_CODES[e.sensorType] ?? null;
    return (
      resolveByCodes(code, e.eventReadingTypeCode ?? SENSOR_SPECIFIC, e.eventOffset)?.stateKey ??
      null
    );
  }
  return classifySelEntry(e).state;
}

function selMeaning(e: SelEntryRecorded): SelMeaning | null {
  if (
    e.sensorType !== 'MEMORY' &&
    e.sensorType !== 'POWER_SUPPLY' &&
    e.sensorType !== 'POWER_UNIT' &&
    e.sensorTypeCode === null
  ) {
    return null;
  }
  const state = selStateOf(e);
  if (state === null) return null;
  const power = e.sensorType === 'POWER_SUPPLY' || e.sensorType === 'POWER_UNIT';
  const deasserted = e.eventDirection === 'DEASSERTION';
  // "Fully redundant" going away is redundancy lost (severity rule redundancy.no-longer-full).
  if (state === 'redundancy.fully_redundant') return deasserted && power ? 'PSU_REDUNDANCY' : null;
  // A deasserted failure or AC loss does not end a task: the operator should look.
  if (deasserted) return null;
  switch (state) {
    case 'memory.correctable_ecc':
      return 'ECC_CORRECTABLE';
    case 'memory.uncorrectable_ecc':
      return 'ECC_UNCORRECTABLE';
    case 'power_supply.failure_detected':
    case 'power_unit.failure_detected':
      return 'PSU_FAILURE';
    case 'power_supply.input_lost':
    case 'power_supply.input_lost_or_out_of_range':
      return 'PSU_INPUT_LOST';
    default:
      return state.startsWith('redundancy.') && power ? 'PSU_REDUNDANCY' : null;
  }
}

/**
 * Event data 3 of a memory event: the module (DIMM) number relative to the sensor's entity,
 * valid when event data 1 bits 5:4 say byte 3 is a sensor-specific extension (11b) and the
 * byte is not FFh (unspecified). IPMI v2.0 table 29-6 and table 42-3, sensor type 0Ch.
 */
function eventData3Module(e: SelEntryRecorded): number | null {
  const raw = e.rawRecordHex;
  const hex = e.eventData ?? (raw !== null && raw.length === 32 ? raw.slice(26, 32) : null);
  if (hex === null || !/^[0-9A-Fa-f]{6}$/.test(hex)) return null;
  const data1 = parseInt(hex.slice(0, 2), 16);
  const data3 = parseInt(hex.slice(4, 6), 16);
  return ((data1 >> 4) & 0b11) === 0b11 && data3 !== 0xff ? data3 : null;
}

function sensorLabel(e: SelEntryRecorded): string {
  return e.sensorName ?? e.sensorId ?? `${e.sensorType} sensor #${e.sensorNumber ?? '?'}`;
}

/** The DIMM an ECC entry is about; see rule 4 in the module comment. */
export function dimmLabelOf(e: SelEntryRecorded): string {
  const inText = extractComponent([e.description]);
  if (inText?.kind === 'dimm') return inText.name;
  const module = eventData3Module(e);
  if (module !== null) return `DIMM ${module} of ${sensorLabel(e)}`;
  const inName = extractComponent([e.sensorName]);
  if (inName?.kind === 'dimm') return inName.name;
  return sensorLabel(e);
}

/** The power supply a PSU entry is about: `PSU 2` when the text or sensor name says. */
export function psuLabelOf(e: SelEntryRecorded): { label: string; isPsu: boolean } {
  const named = extractComponent([e.description, e.sensorName]);
  if (named?.kind === 'psu') return { label: named.name, isPsu: true };
  return { label: sensorLabel(e), isPsu: false };
}

/** Adds an entry in time order (ties by eventId, so the order never depends on arrival). */
function insert<T extends SelSample>(list: readonly T[], entry: T): T[] {
  return [...list, entry].sort((a, b) => a.at - b.at || (a.eventId < b.eventId ? -1 : 1));
}

function dimmFields(w: Work, t: DimmTrack): InsightFields {
  const cfg = w.cfg;
  const ue = t.entries.filter((x) => x.uncorrectable).length;
  const ce = t.entries.length - ue;
  const what = [ce > 0 ? `${ce} correctable` : null, ue > 0 ? `${ue} uncorrectable` : null].filter(
    (s) => s !== null,
  );
  const dimm = t.label.startsWith('DIMM') ? t.label : `the DIMM of ${t.label}`;
  return {
    kind: 'MAINTENANCE_TASK',
    detector: DIMM_ECC,
    priority: 'HIGH',
    title: `Replace ${dimm} on server ${serverName(w)}`,
    summary: `${what.join(' and ')} ECC error${t.entries.length === 1 ? '' : 's'} on ${t.label} within ${span(cfg.eccWindowMs)}. ${
      ue > 0
        ? 'Uncorrectable errors lose data: replace the module as soon as possible.'
        : 'Corrected errors that keep coming predict a failing module: replace it in the next maintenance window.'
    }`,
    componentType: 'SEL',
    component: t.label,
    sensorId: t.sensorId,
    confidence: null,
    dueAt: null,
    evidence: t.entries
      .slice(-INSIGHT_EVIDENCE_CAP)
      .map((x) => ({ eventId: x.eventId, occurredAt: x.at, note: x.note })),
    metrics: {
      count: t.entries.length,
      correctable: ce,
      uncorrectable: ue,
      windowDays: roundTo(cfg.eccWindowMs / DAY, 4),
    },
    reference: null,
  };
}

function onEcc(w: Work, e: SelEntryRecorded, uncorrectable: boolean): void {
  const cfg = w.cfg;
  const label = dimmLabelOf(e);
  const prev = read(w, 'dimms', label);
  if (prev?.entries.some((x) => x.eventId === e.eventId)) return;
  const entry = {
    eventId: e.eventId,
    at: e.occurredAt,
    note: `${e.sensorName ?? label}: ${e.description ?? (uncorrectable ? 'Uncorrectable ECC' : 'Correctable ECC')}`,
    uncorrectable,
  };
  const all = insert(prev?.entries ?? [], entry);
  const newest = all.at(-1)?.at ?? e.occurredAt;
  const entries = all.filter((x) => x.at > newest - cfg.eccWindowMs).slice(-ECC_ENTRIES_CAP);
  if (!entries.includes(entry)) return; // older than the window: says nothing now
  const t: DimmTrack = { label, sensorId: e.sensorId ?? prev?.sensorId ?? null, entries };
  write(w, 'dimms', label, t);
  const f = dimmFields(w, t);
  const open = read(w, 'open', fingerprint(w, f));
  if (open !== undefined) maybeUpdate(w, open, f, true);
  else if (entries.length >= cfg.eccCount || uncorrectable) raise(w, f, e.eventId);
}

const CAUSE_TEXT: Record<PsuCause, string> = {
  FAILURE: 'failure detected',
  REDUNDANCY: 'redundancy lost',
  INPUT_LOST: 'input lost',
};

function psuFields(w: Work, t: PsuTrack, priority: InsightPriority): InsightFields {
  const cfg = w.cfg;
  const server = serverName(w);
  const count = (c: PsuCause) => t.entries.filter((x) => x.cause === c).length;
  const newest = t.entries.at(-1)?.at ?? w.now;
  const acLosses = t.entries.filter(
    (x) => x.cause === 'INPUT_LOST' && x.at > newest - cfg.psuAcLossWindowMs,
  ).length;
  const severe = t.entries.filter((x) => x.cause !== 'INPUT_LOST').at(-1);
  const supplies = t.isPsu ? t.label : 'the power supplies';
  const closing = `A deassertion does not close this task; it closes after ${span(cfg.psuQuietMs)} without a new one.`;
  const high = priority === 'HIGH';
  return {
    kind: 'MAINTENANCE_TASK',
    detector: PSU_TASK,
    priority,
    title: high
      ? `Check ${supplies} on server ${server}`
      : `Check the power feed of ${supplies} on server ${server}`,
    summary: high
      ? `${severe?.note ?? `${t.label}: ${CAUSE_TEXT.FAILURE}`}. Check ${supplies} and replace a failed supply: the server may be running without power redundancy. ${closing}`
      : `${t.label} lost its input ${acLosses} times within ${span(cfg.psuAcLossWindowMs)}. Check its power cord, PDU outlet and feed. ${closing}`,
    componentType: 'SEL',
    component: t.label,
    sensorId: t.sensorId,
    confidence: null,
    dueAt: null,
    evidence: t.entries
      .slice(-INSIGHT_EVIDENCE_CAP)
      .map((x) => ({ eventId: x.eventId, occurredAt: x.at, note: x.note })),
    metrics: {
      failures: count('FAILURE'),
      redundancyLost: count('REDUNDANCY'),
      inputLost: count('INPUT_LOST'),
      inputLostInWindow: acLosses,
      acLossWindowHours: roundTo(cfg.psuAcLossWindowMs / HOUR, 4),
    },
    reference: null,
  };
}

function onPsu(w: Work, e: SelEntryRecorded, meaning: SelMeaning): void {
  const cfg = w.cfg;
  const cause: PsuCause =
    meaning === 'PSU_FAILURE'
      ? 'FAILURE'
      : meaning === 'PSU_REDUNDANCY'
        ? 'REDUNDANCY'
        : 'INPUT_LOST';
  const { label, isPsu } = psuLabelOf(e);
  const prev = read(w, 'psus', label);
  if (prev?.entries.some((x) => x.eventId === e.eventId)) return;
  const deasserted = e.eventDirection === 'DEASSERTION' ? ' (deasserted)' : '';
  const entry = {
    eventId: e.eventId,
    at: e.occurredAt,
    note: `${e.sensorName ?? label}: ${e.description ?? CAUSE_TEXT[cause]}${deasserted}`,
    cause,
  };
  const all = insert(prev?.entries ?? [], entry);
  const newest = all.at(-1)?.at ?? e.occurredAt;
  const keep = Math.max(cfg.psuQuietMs, cfg.psuAcLossWindowMs);
  const entries = all.filter((x) => x.at > newest - keep).slice(-PSU_ENTRIES_CAP);
  if (!entries.includes(entry)) return;
  const t: PsuTrack = { label, isPsu, sensorId: e.sensorId ?? prev?.sensorId ?? null, entries };
  write(w, 'psus', label, t);
  const severe = cause !== 'INPUT_LOST';
  const fp = insightFingerprintOf(w.serverId, 'MAINTENANCE_TASK', PSU_TASK, label);
  const open = read(w, 'open', fp);
  if (open !== undefined) {
    // Priority only escalates while open: an AC loss after a failure is still a failed PSU.
    maybeUpdate(w, open, psuFields(w, t, severe ? 'HIGH' : open.priority), true);
    return;
  }
  const acLosses = entries.filter(
    (x) => x.cause === 'INPUT_LOST' && x.at > newest - cfg.psuAcLossWindowMs,
  ).length;
  if (severe) raise(w, psuFields(w, t, 'HIGH'), e.eventId);
  else if (acLosses >= cfg.psuAcLossCount) raise(w, psuFields(w, t, 'MEDIUM'), e.eventId);
}

function onSel(w: Work, e: SelEntryRecorded): void {
  const meaning = selMeaning(e);
  if (meaning === null) return;
  if (meaning === 'ECC_CORRECTABLE' || meaning === 'ECC_UNCORRECTABLE') {
    onEcc(w, e, meaning === 'ECC_UNCORRECTABLE');
  } else {
    onPsu(w, e, meaning);
  }
}

/**
 * Ends what went quiet by the current event time: sensors without readings for
 * sensorStaleMs (their insights EXPIRED), DIMM tasks without an ECC entry for
 * eccWindowMs and PSU tasks without an assertion for psuQuietMs close EXPIRED; trackers
 * without an open task are forgotten once their entries are all outside their window.
 */
function sweep(w: Work): void {
  const cfg = w.cfg;
  let stale: string[] | null = null;
  for (const [id, t] of Object.entries(table(w, 'sensors'))) {
    if (w.now - t.live.bucket.last.at >= cfg.sensorStaleMs) (stale ??= []).push(id);
  }
  for (const id of stale?.sort() ?? []) {
    const live = read(w, 'sensors', id)?.live;
    if (live === undefined) continue;
    const gone = {
      summary: `${live.name} has not reported for ${span(w.now - live.bucket.last.at)}: forgotten, with its baseline.`,
    };
    const trendDetector = live.kind === 'FAN' ? FAN_DEGRADATION : TEMPERATURE_CREEP;
    const trendOpen = read(w, 'open', insightFingerprintOf(w.serverId, 'TREND', trendDetector, id));
    if (trendOpen !== undefined) close(w, trendOpen, 'EXPIRED', gone);
    const predicted = read(
      w,
      'open',
      insightFingerprintOf(w.serverId, 'PREDICTION', TIME_TO_THRESHOLD, id),
    );
    if (predicted !== undefined) close(w, predicted, 'EXPIRED', gone);
    write(w, 'sensors', id, undefined);
  }
  for (const key of keysOf(w, 'dimms')) {
    const t = read(w, 'dimms', key);
    const newest = t?.entries.at(-1)?.at;
    if (t === undefined || (newest !== undefined && w.now - newest < cfg.eccWindowMs)) continue;
    const f = dimmFields(w, t);
    const open = read(w, 'open', fingerprint(w, f));
    if (open !== undefined) close(w, open, 'EXPIRED', f);
    write(w, 'dimms', key, undefined);
  }
  for (const key of keysOf(w, 'psus')) {
    const t = read(w, 'psus', key);
    if (t === undefined) continue;
    const fp = insightFingerprintOf(w.serverId, 'MAINTENANCE_TASK', PSU_TASK, t.label);
    const open = read(w, 'open', fp);
    const quiet = open === undefined ? cfg.psuAcLossWindowMs : cfg.psuQuietMs;
    const newest = t.entries.at(-1)?.at;
    if (newest !== undefined && w.now - newest < quiet) continue;
    if (open !== undefined) close(w, open, 'EXPIRED', psuFields(w, t, open.priority));
    write(w, 'psus', key, undefined);
  }
}

// --- the decider -----------------------------------------------------------------------------

/**
 * Decides the insight events of one input event for the server it belongs to. `state` must
 * be that server's state (EMPTY_SERVER_INSIGHT_STATE for a new one); see decideFleetInsights.
 */
export function decideInsights(
  state: ServerInsightState,
  event: AnyEvent,
  ctx: InsightContext,
): InsightDecision {
  const w: Work = {
    base: state,
    serverId: event.value.serverId,
    now: 'occurredAt' in event.value ? event.value.occurredAt : Number.NEGATIVE_INFINITY,
    cfg: { ...DEFAULT_INSIGHT_CONFIG, ...ctx.config },
    ctx,
    facts: state.facts,
    copies: {},
    out: [],
  };
  if (event.type === 'ServerRemoved') {
    for (const fp of keysOf(w, 'open')) {
      const open = read(w, 'open', fp);
      if (open !== undefined) close(w, open, 'SERVER_REMOVED');
    }
    return { state: EMPTY_SERVER_INSIGHT_STATE, out: w.out };
  }
  sweep(w);
  switch (event.type) {
    case 'SensorReadingRecorded':
      onReading(w, event.value);
      break;
    case 'SelEntryRecorded':
      onSel(w, event.value);
      break;
    case 'ChassisPowerObserved':
      if (event.value.powerState !== w.facts.power) {
        w.facts = { ...w.facts, power: event.value.powerState };
      }
      break;
    case 'ServerConfigured':
      if (event.value.name !== w.facts.name) w.facts = { ...w.facts, name: event.value.name };
      break;
    default:
      // SelCleared included: a cleared log does not repair a DIMM or a PSU.
      break;
  }
  return { state: finish(w), out: w.out };
}

/** decideInsights over a fleet: state keyed by serverId, so servers never interact. */
export function decideFleetInsights(
  states: ReadonlyMap<string, ServerInsightState>,
  event: AnyEvent,
  ctx: InsightContext,
): {
  readonly states: ReadonlyMap<string, ServerInsightState>;
  readonly out: readonly InsightEvent[];
} {
  const serverId = event.value.serverId;
  const before = states.get(serverId) ?? EMPTY_SERVER_INSIGHT_STATE;
  const d = decideInsights(before, event, ctx);
  if (d.state === before && states.has(serverId)) return { states, out: d.out };
  const next = new Map(states);
  next.set(serverId, d.state);
  return { states: next, out: d.out };
}
