/**
 * The alert lifecycle of one server. Pure decider: (state, input event) → (state, alert
 * events). Time is the input's occurredAt, never a clock, so replaying the input log gives the
 * same alerts with the same ids (only observedAt, the processing time, differs).
 *
 * Rules, in the order an observation meets them:
 * - Dedupe: at most one open alert per fingerprint (serverId, componentType, component,
 *   condition). A repeat bumps occurrences/lastSeenAt/evidence silently; an AlertUpdated goes
 *   out only when severity escalates or once per `updateEveryMs` of recurrences, because a
 *   correctable-ECC storm must not become an alert storm.
 * - Severity only escalates while open: a reading oscillating around UCR would otherwise emit
 *   an update per poll, and the peak is what the operator needs to see.
 * - Inhibition: while the BMC is unreachable no new SENSOR/SEL alerts (what we read is stale
 *   or missing, and BMC_UNREACHABLE already pages); while chassis power is OFF no new fan or
 *   temperature sensor alerts (stopped fans and cold sensors are expected). Open alerts stay.
 * - Hysteresis: a SENSOR alert resolves after `clearAfter` consecutive clear readings, since
 *   polled readings hover around thresholds; SEL/BMC/power alerts resolve on their clear,
 *   which is an explicit fact (a deassertion, a reachability change, a status bit).
 * - Flapping: a fingerprint re-raised more than `flapCount` times within `flapWindowMs` must
 *   stay clear for `flapHoldMs` (event time, advanced by any later event of the server)
 *   before it resolves.
 * - Expiry: a SENSOR alert whose sensor has said nothing (no reading, good or bad) for
 *   `sensorExpireMs` while its BMC answers is resolved EXPIRED (the sensor disappeared or is
 *   no longer read); a WARNING SEL alert with no recurrence for `selWarningExpireMs` too,
 *   because most BMCs never log the deassertion of a correctable error. CRITICAL SEL alerts
 *   (uncorrectable ECC, a failed PSU) stay until deasserted, cleared or the server removed.
 *   Expiry is judged by the clock of the alert's own input: a later reading of the same
 *   server for SENSOR alerts, a later SEL entry or SEL poll of the server for SEL alerts.
 *   Topics are consumed at their own pace, so an event of another topic may be far ahead
 *   of a reading still on its way; it must not expire the alert that reading keeps alive.
 * - Silences (SilenceSet / SilenceLifted on ipmi.silences.v1) do not stop the lifecycle: an
 *   alert a silence covers carries `silencedBy`, and notifications skip it. When a silence
 *   starts, is lifted or expires (event time ≥ endsAt, seen on any later event of the
 *   server) the open alerts it changes get an AlertUpdated with SILENCED / UNSILENCED.
 */
import { createHash } from 'node:crypto';
import type {
  AlertChange,
  AlertRaised,
  AlertResolutionReason,
  AlertResolved,
  AlertUpdated,
  AnyEvent,
  ComponentType,
  SilenceSet,
  EventOf,
  PowerState,
  SensorType,
  Severity,
} from '@ipmi-monitor/schemas';
import {
  observe,
  type AlertSeverity,
  type ConditionClear,
  type ConditionKey,
  type ConditionPresent,
  type SensorDetails,
} from './conditions.js';

export interface AlertConfig {
  /** Consecutive clear readings before a SENSOR alert resolves. */
  readonly clearAfter: number;
  /** At most one RECURRED update per this much event time. */
  readonly updateEveryMs: number;
  /** Re-raises within flapWindowMs above which a fingerprint counts as flapping. */
  readonly flapCount: number;
  readonly flapWindowMs: number;
  /** How long a flapping alert must stay clear before it resolves. */
  readonly flapHoldMs: number;
  /** A SENSOR alert whose sensor was not read for this long (BMC reachable) expires. */
  readonly sensorExpireMs: number;
  /** A WARNING SEL alert without recurrence for this long expires. */
  readonly selWarningExpireMs: number;
}

export const DEFAULT_ALERT_CONFIG: AlertConfig = {
  clearAfter: 2,
  updateEveryMs: 15 * 60_000,
  flapCount: 3,
  flapWindowMs: 60 * 60_000,
  flapHoldMs: 10 * 60_000,
  sensorExpireMs: 60 * 60_000,
  selWarningExpireMs: 24 * 60 * 60_000,
};

/** Evidence kept per alert (the schema caps evidenceEventIds at 20, oldest first). */
export const EVIDENCE_CAP = 20;

/** A clear seen for an open alert that has not resolved it yet. */
export interface PendingClear {
  /** Consecutive clear observations. */
  readonly streak: number;
  /** occurredAt of the first clear of the streak. */
  readonly since: number;
  /** The latest clearing event: the one named as resolvingEventId. */
  readonly eventId: string;
  readonly reason: AlertResolutionReason;
}

export interface OpenAlert extends SensorDetails {
  readonly alertId: string;
  readonly fingerprint: string;
  readonly key: ConditionKey;
  /** Revision of the last emitted event. */
  readonly revision: number;
  readonly severity: AlertSeverity;
  readonly summary: string;
  readonly occurrences: number;
  readonly firstSeenAt: number;
  readonly lastSeenAt: number;
  readonly evidenceEventIds: readonly string[];
  /** SEL offsets asserted and not yet deasserted. */
  readonly selOffsets: readonly number[];
  /** occurredAt of the last emitted event, for the update throttle. */
  readonly lastEmittedAt: number;
  readonly flapping: boolean;
  readonly clear: PendingClear | null;
  /** silenceId of the silence covering it; absent in state saved before silences existed. */
  readonly silencedBy?: string | null;
  /** occurredAt of the latest observation of its condition, present or clear (expiry). */
  readonly lastObservedAt?: number;
}

/** A silence as the processor keeps it: what it matches and when. */
export type Silence = Pick<
  SilenceSet,
  | 'silenceId'
  | 'componentType'
  | 'component'
  | 'condition'
  | 'startsAt'
  | 'endsAt'
  | 'createdBy'
  | 'comment'
>;

export interface FingerprintHistory {
  readonly lastResolvedAt: number | null;
  /** occurredAt of raises that followed a resolution, within the flap window. */
  readonly reraisedAt: readonly number[];
}

export interface ServerAlertState {
  /** Open alerts by fingerprint. */
  readonly open: Readonly<Record<string, OpenAlert>>;
  /** Recent lifecycle of fingerprints, for flapping. */
  readonly history: Readonly<Record<string, FingerprintHistory>>;
  /** Inhibiting facts: null until the first observation. */
  readonly bmcReachable: boolean | null;
  readonly powerState: PowerState | null;
  /** Silences not yet expired, by silenceId (absent in state saved before silences). */
  readonly silences?: Readonly<Record<string, Silence>>;
}

export const EMPTY_SERVER_ALERT_STATE: ServerAlertState = {
  open: {},
  history: {},
  bmcReachable: null,
  powerState: null,
  silences: {},
};

export interface AlertContext {
  /** Emitting instance, `streams@<host>`. */
  readonly source: string;
  /** Processing time, the only field of an output a replay may change. */
  readonly observedAt: number;
  readonly config?: Partial<AlertConfig>;
}

export type AlertEvent = EventOf<'ipmi.alerts.v1'>;

export interface AlertDecision {
  readonly state: ServerAlertState;
  readonly out: readonly AlertEvent[];
}

function hash(...parts: readonly (string | number)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(String(p)).update('\u001e');
  return h.digest('hex').slice(0, 32);
}

export function fingerprintOf(k: ConditionKey): string {
  return hash(k.serverId, k.componentType, k.component, k.condition);
}

export function alertIdOf(fingerprint: string, occurredAt: number, eventId: string): string {
  return hash(fingerprint, occurredAt, eventId);
}

export function alertEventIdOf(alertId: string, revision: number): string {
  return hash(alertId, revision);
}

const RANK: Record<Severity, number> = { UNKNOWN: 0, INFO: 1, WARNING: 2, CRITICAL: 3 };

const POWER_OFF_QUIET: readonly SensorType[] = ['FAN', 'TEMPERATURE', 'COOLING_DEVICE'];
const BMC_DOWN_QUIET: readonly ComponentType[] = ['SENSOR', 'SEL'];

function inhibited(state: ServerAlertState, o: ConditionPresent): boolean {
  if (state.bmcReachable === false && BMC_DOWN_QUIET.includes(o.key.componentType)) return true;
  return (
    state.powerState === 'OFF' &&
    o.key.componentType === 'SENSOR' &&
    o.sensorType !== null &&
    POWER_OFF_QUIET.includes(o.sensorType)
  );
}

function body(a: OpenAlert, revision: number, occurredAt: number, ctx: AlertContext) {
  return {
    eventId: alertEventIdOf(a.alertId, revision),
    serverId: a.key.serverId,
    occurredAt,
    observedAt: ctx.observedAt,
    source: ctx.source,
    alertId: a.alertId,
    fingerprint: a.fingerprint,
    revision,
    condition: a.key.condition,
    summary: a.summary,
    severity: a.severity,
    componentType: a.key.componentType,
    component: a.key.component,
    sensorId: a.sensorId,
    sensorType: a.sensorType,
    value: a.value,
    threshold: a.threshold,
    unit: a.unit,
    occurrences: a.occurrences,
    firstSeenAt: a.firstSeenAt,
    lastSeenAt: a.lastSeenAt,
    evidenceEventIds: [...a.evidenceEventIds],
    silencedBy: a.silencedBy ?? null,
  };
}

/** The silence covering `key` at event time `at` (the lowest id when several do), or null. */
function silenceFor(
  silences: Readonly<Record<string, Silence>>,
  key: ConditionKey,
  at: number,
): string | null {
  const covering = Object.values(silences)
    .filter(
      (s) =>
        s.startsAt <= at &&
        at < s.endsAt &&
        (s.componentType === null || s.componentType === key.componentType) &&
        (s.component === null || s.component === key.component) &&
        (s.condition === null || s.condition === key.condition),
    )
    .map((s) => s.silenceId)
    .sort();
  return covering[0] ?? null;
}

/** Applies silence events and expiry to the kept silences; the same object when unchanged. */
function nextSilences(
  silences: Readonly<Record<string, Silence>>,
  event: AnyEvent,
  now: number,
): Readonly<Record<string, Silence>> {
  let next: Record<string, Silence> | null = null;
  const edit = () => (next ??= { ...silences });
  if (event.type === 'SilenceSet') {
    const v = event.value;
    edit()[v.silenceId] = {
      silenceId: v.silenceId,
      componentType: v.componentType,
      component: v.component,
      condition: v.condition,
      startsAt: v.startsAt,
      endsAt: v.endsAt,
      createdBy: v.createdBy,
      comment: v.comment,
    };
  } else if (event.type === 'SilenceLifted' && event.value.silenceId in silences) {
    delete edit()[event.value.silenceId];
  }
  for (const s of Object.values(next ?? silences)) {
    if (s.endsAt <= now) delete edit()[s.silenceId];
  }
  return next ?? silences;
}

/** Announces open alerts whose covering silence changed (started, lifted, expired). */
function reconcileSilences(
  w: Work,
  silences: Readonly<Record<string, Silence>>,
  now: number,
  ctx: AlertContext,
) {
  for (const a of Object.values(w.open)) {
    const covering = silenceFor(silences, a.key, now);
    const current = a.silencedBy ?? null;
    if (covering === current) continue;
    const change: AlertChange = covering === null ? 'UNSILENCED' : 'SILENCED';
    // An update this decision already emitted for the alert takes the change along: one
    // event per alert and input, not two revisions for one moment.
    const same = w.out.find(
      (e) =>
        e.type === 'AlertUpdated' &&
        e.value.alertId === a.alertId &&
        e.value.revision === a.revision,
    );
    if (same?.type === 'AlertUpdated') {
      same.value = {
        ...same.value,
        silencedBy: covering,
        changes: [...same.value.changes, change],
      };
      w.open[a.fingerprint] = { ...a, silencedBy: covering };
      continue;
    }
    const revision = a.revision + 1;
    const next: OpenAlert = { ...a, silencedBy: covering, revision, lastEmittedAt: now };
    const value: AlertUpdated = {
      ...body(next, revision, now, ctx),
      changes: [change],
      previousSeverity: null,
    };
    w.open[a.fingerprint] = next;
    w.out.push({ type: 'AlertUpdated', value });
  }
}

/** Mutable working copy for one decision; the returned state is a fresh object. */
interface Work {
  open: Record<string, OpenAlert>;
  history: Record<string, FingerprintHistory>;
  out: AlertEvent[];
}

function raise(
  w: Work,
  fp: string,
  o: ConditionPresent,
  cfg: AlertConfig,
  ctx: AlertContext,
  silences: Readonly<Record<string, Silence>>,
) {
  const prev = w.history[fp];
  let flapping = false;
  if (prev?.lastResolvedAt != null) {
    const reraisedAt = [
      ...prev.reraisedAt.filter((t) => o.occurredAt - t <= cfg.flapWindowMs),
      o.occurredAt,
    ];
    flapping = reraisedAt.length > cfg.flapCount;
    w.history[fp] = { ...prev, reraisedAt };
  }
  const alert: OpenAlert = {
    alertId: alertIdOf(fp, o.occurredAt, o.eventId),
    fingerprint: fp,
    key: o.key,
    revision: 1,
    severity: o.severity,
    summary: o.summary,
    sensorId: o.sensorId,
    sensorType: o.sensorType,
    value: o.value,
    threshold: o.threshold,
    unit: o.unit,
    occurrences: 1,
    firstSeenAt: o.occurredAt,
    lastSeenAt: o.occurredAt,
    evidenceEventIds: [o.eventId],
    selOffsets: o.selOffset === null ? [] : [o.selOffset],
    lastEmittedAt: o.occurredAt,
    flapping,
    clear: null,
    silencedBy: silenceFor(silences, o.key, o.occurredAt),
    lastObservedAt: o.occurredAt,
  };
  w.open[fp] = alert;
  const value: AlertRaised = body(alert, 1, o.occurredAt, ctx);
  w.out.push({ type: 'AlertRaised', value });
}

function recur(w: Work, a: OpenAlert, o: ConditionPresent, cfg: AlertConfig, ctx: AlertContext) {
  // At-least-once delivery: the same input seen twice is one occurrence.
  if (a.evidenceEventIds.includes(o.eventId)) return;
  const escalated = RANK[o.severity] > RANK[a.severity];
  const next: OpenAlert = {
    ...a,
    severity: escalated ? o.severity : a.severity,
    summary: o.summary,
    value: o.value,
    threshold: o.threshold,
    unit: o.unit,
    occurrences: a.occurrences + 1,
    lastSeenAt: Math.max(a.lastSeenAt, o.occurredAt),
    lastObservedAt: Math.max(a.lastObservedAt ?? a.lastSeenAt, o.occurredAt),
    evidenceEventIds: [...a.evidenceEventIds, o.eventId].slice(-EVIDENCE_CAP),
    selOffsets:
      o.selOffset === null || a.selOffsets.includes(o.selOffset)
        ? a.selOffsets
        : [...a.selOffsets, o.selOffset],
    clear: null,
  };
  const due = o.occurredAt - a.lastEmittedAt >= cfg.updateEveryMs;
  if (!escalated && !due) {
    w.open[a.fingerprint] = next;
    return;
  }
  const revision = a.revision + 1;
  const changes: AlertChange[] = escalated ? ['SEVERITY_RAISED', 'RECURRED'] : ['RECURRED'];
  const value: AlertUpdated = {
    ...body(next, revision, o.occurredAt, ctx),
    changes,
    previousSeverity: escalated ? a.severity : null,
  };
  w.open[a.fingerprint] = { ...next, revision, lastEmittedAt: o.occurredAt };
  w.out.push({ type: 'AlertUpdated', value });
}

function clearOne(w: Work, a0: OpenAlert, c: ConditionClear) {
  const a: OpenAlert = {
    ...a0,
    lastObservedAt: Math.max(a0.lastObservedAt ?? a0.lastSeenAt, c.occurredAt),
  };
  w.open[a.fingerprint] = a;
  let selOffsets = a.selOffsets;
  if (c.selOffset !== null && selOffsets.length > 0) {
    // A deassertion clears only the offset it names; the alert waits for all of them.
    if (!selOffsets.includes(c.selOffset)) return;
    selOffsets = selOffsets.filter((x) => x !== c.selOffset);
    if (selOffsets.length > 0) {
      w.open[a.fingerprint] = { ...a, selOffsets };
      return;
    }
  }
  w.open[a.fingerprint] = {
    ...a,
    selOffsets,
    clear: {
      streak: (a.clear?.streak ?? 0) + 1,
      since: a.clear?.since ?? c.occurredAt,
      eventId: c.eventId,
      reason: c.reason,
    },
  };
}

function matches(a: OpenAlert, c: ConditionClear): boolean {
  return (
    a.key.serverId === c.serverId &&
    a.key.componentType === c.componentType &&
    a.key.component === c.component &&
    (c.conditions === null || c.conditions.includes(a.key.condition))
  );
}

/** Resolves every open alert whose pending clear has met hysteresis and the flap hold. */
function settle(w: Work, now: number, cfg: AlertConfig, ctx: AlertContext) {
  for (const a of Object.values(w.open)) {
    const c = a.clear;
    if (c === null) continue;
    const needed = a.key.componentType === 'SENSOR' ? cfg.clearAfter : 1;
    if (c.streak < needed) continue;
    if (a.flapping && now - c.since < cfg.flapHoldMs) continue;
    resolve(w, a, c.reason, c.eventId, now, ctx);
  }
}

function resolve(
  w: Work,
  a: OpenAlert,
  reason: AlertResolutionReason,
  eventId: string | null,
  now: number,
  ctx: AlertContext,
) {
  const value: AlertResolved = {
    ...body(a, a.revision + 1, now, ctx),
    resolutionReason: reason,
    resolvingEventId: eventId,
    resolvedBy: null,
  };
  w.out.push({ type: 'AlertResolved', value });
  delete w.open[a.fingerprint];
  w.history[a.fingerprint] = {
    lastResolvedAt: now,
    reraisedAt: w.history[a.fingerprint]?.reraisedAt ?? [],
  };
}

/**
 * Facts that end alerts outright, without hysteresis or flapping hold: a cleared SEL ends
 * the SEL alerts (the entries behind them are gone; a fault still present asserts again and
 * opens a new alert), and a removed server ends all of its alerts.
 */
function terminal(w: Work, event: AnyEvent, ctx: AlertContext) {
  if (event.type === 'SelCleared') {
    for (const a of Object.values(w.open)) {
      if (a.key.componentType === 'SEL') {
        resolve(w, a, 'SEL_CLEARED', event.value.eventId, event.value.occurredAt, ctx);
      }
    }
  } else if (event.type === 'ServerRemoved') {
    for (const a of Object.values(w.open)) {
      resolve(w, a, 'SERVER_REMOVED', event.value.eventId, event.value.occurredAt, ctx);
    }
  }
}

/**
 * A WARNING SEL entry that was already older than its expiry when the collector read it (the
 * history of a newly added BMC) opens no alert: it would only expire on the next event.
 * Judged from the entry's own timestamps, so a replay decides the same.
 */
function staleOnArrival(event: AnyEvent, o: ConditionPresent, cfg: AlertConfig): boolean {
  return (
    event.type === 'SelEntryRecorded' &&
    o.key.componentType === 'SEL' &&
    o.severity === 'WARNING' &&
    event.value.observedAt - event.value.occurredAt >= cfg.selWarningExpireMs
  );
}

/** Resolves EXPIRED the alerts nothing has spoken for (see the module comment). */
function expire(
  w: Work,
  facts: ServerAlertState,
  event: AnyEvent,
  now: number,
  cfg: AlertConfig,
  ctx: AlertContext,
) {
  const readingClock = event.type === 'SensorReadingRecorded';
  const selClock =
    event.type === 'SelEntryRecorded' ||
    event.type === 'SelCleared' ||
    event.type === 'SelOverflowDetected' ||
    (event.type === 'PollCompleted' && event.value.kind === 'SEL');
  if (!readingClock && !selClock) return;
  for (const a of Object.values(w.open)) {
    const quietFor = now - (a.lastObservedAt ?? a.lastSeenAt);
    const expired =
      (readingClock &&
        a.key.componentType === 'SENSOR' &&
        facts.bmcReachable !== false &&
        quietFor >= cfg.sensorExpireMs) ||
      (selClock &&
        a.key.componentType === 'SEL' &&
        a.severity === 'WARNING' &&
        now - a.lastSeenAt >= cfg.selWarningExpireMs);
    if (expired) resolve(w, a, 'EXPIRED', null, now, ctx);
  }
}

/** Forgets the history of closed fingerprints that can no longer count as flapping. */
function prune(w: Work, now: number, cfg: AlertConfig) {
  for (const [fp, h] of Object.entries(w.history)) {
    if (fp in w.open) continue;
    if (h.lastResolvedAt === null || now - h.lastResolvedAt > cfg.flapWindowMs) {
      delete w.history[fp];
    }
  }
}

/**
 * Decides the alert events of one input event for the server it belongs to. `state` must be
 * that server's state (EMPTY_SERVER_ALERT_STATE for a new one); see decideFleetAlerts.
 */
export function decideAlerts(
  state: ServerAlertState,
  event: AnyEvent,
  ctx: AlertContext,
): AlertDecision {
  const cfg: AlertConfig = { ...DEFAULT_ALERT_CONFIG, ...ctx.config };
  // Inhibiting facts first: the event that says the BMC went away already inhibits.
  let facts = state;
  if (event.type === 'BmcReachabilityChanged') {
    facts = { ...facts, bmcReachable: event.value.reachable };
  } else if (event.type === 'ChassisPowerObserved') {
    facts = { ...facts, powerState: event.value.powerState };
  }
  const now = 'occurredAt' in event.value ? event.value.occurredAt : 0;
  const silences = nextSilences(state.silences ?? {}, event, now);
  if (silences !== (state.silences ?? {})) facts = { ...facts, silences };
  const observations = observe(event);
  if (observations.length === 0 && Object.keys(state.open).length === 0) {
    return { state: facts, out: [] };
  }
  const w: Work = { open: { ...state.open }, history: { ...state.history }, out: [] };
  for (const o of observations) {
    if (o.kind === 'present') {
      const fp = fingerprintOf(o.key);
      const open = w.open[fp];
      if (open !== undefined) recur(w, open, o, cfg, ctx);
      else if (!inhibited(facts, o) && !staleOnArrival(event, o, cfg)) {
        raise(w, fp, o, cfg, ctx, silences);
      }
    } else {
      for (const a of Object.values(w.open)) if (matches(a, o)) clearOne(w, a, o);
    }
  }
  terminal(w, event, ctx);
  settle(w, now, cfg, ctx);
  expire(w, facts, event, now, cfg, ctx);
  reconcileSilences(w, silences, now, ctx);
  prune(w, now, cfg);
  return { state: { ...facts, open: w.open, history: w.history }, out: w.out };
}

/** decideAlerts over a fleet: state keyed by serverId, so servers never interact. */
export function decideFleetAlerts(
  states: ReadonlyMap<string, ServerAlertState>,
  event: AnyEvent,
  ctx: AlertContext,
): { readonly states: ReadonlyMap<string, ServerAlertState>; readonly out: readonly AlertEvent[] } {
  const serverId = event.value.serverId;
  const d = decideAlerts(states.get(serverId) ?? EMPTY_SERVER_ALERT_STATE, event, ctx);
  const next = new Map(states);
  next.set(serverId, d.state);
  return { states: next, out: d.out };
}
