/**
 * The poll scheduler as a pure decider: (state, now, input) → (state, decisions). It never
 * reads a clock, spawns a process or draws a random number itself; the handler passes `now`
 * and an injected `random()`, so a run is reproducible from its inputs (the rule temporal's
 * workflows follow) and every timing rule below is unit-tested without waiting.
 *
 * Rules and why:
 * - One session per BMC at a time. BMCs have very few RMCP+ session slots (often 4, shared with
 *   the web UI and other tools) and cheap ones serialise commands anyway; a second session
 *   from us only competes with the first and makes both time out. The rule is per BMC
 *   (`host:port`), not per server id, so a server re-added under a new id, or moved to another
 *   host, cannot overlap with its old job.
 * - Kinds due together ride one job. Session setup (RAKP handshake, four round trips plus key
 *   derivation on a slow BMC CPU) is a large part of a poll's cost, so SENSORS, SEL and POWER
 *   due within `batchWindowMs` of each other share one session.
 * - A global concurrency limit: polls are subprocesses; more of them than the box can run only
 *   lengthens every poll until they all miss their deadlines.
 * - Oldest due first: under overload every BMC falls behind by the same amount instead of some
 *   being starved.
 * - Fixed-rate, phase-keeping intervals: the next due time is the previous due time plus the
 *   interval (skipping missed slots), not "finish time + interval", so readings stay evenly
 *   spaced for rate and trend math and the initial spread never collapses.
 * - Initial phase spread: each new server's first poll lands at a random offset within its
 *   shortest interval, so 50 servers added at once (bulk import, collector start) do not poll
 *   in one burst and then every minute in lockstep.
 * - Unreachable BMCs are probed, not polled: after a failure the server is DOWN and only a
 *   REACHABILITY job (one authenticated session, no data) runs, at exponentially growing
 *   intervals with jitter, capped. A dead BMC costs a full deadline per attempt; four
 *   separate timeouts per minute per dead BMC would eat the concurrency budget of the live
 *   ones. When a probe succeeds, every overdue kind runs at once.
 */
import type {
  BmcReachabilityChanged,
  PollIntervals,
  PollKind,
  ReachabilityReason,
} from '@ipmi-monitor/schemas';
import { configErrors } from '../errors-config.js';

/** The poll kinds that run on an interval (REACHABILITY only runs while a BMC is down). */
export type ScheduledKind = Extract<PollKind, 'SENSORS' | 'SEL' | 'POWER' | 'INVENTORY'>;
export const SCHEDULED_KINDS = [
  'SENSORS',
  'SEL',
  'POWER',
  'INVENTORY',
] as const satisfies readonly ScheduledKind[];

const INTERVAL_FIELD = {
  SENSORS: 'sensorsMs',
  SEL: 'selMs',
  POWER: 'powerMs',
  INVENTORY: 'inventoryMs',
} as const satisfies Record<ScheduledKind, keyof PollIntervals>;

export interface SchedulerConfig {
  /** Jobs (BMC sessions) in flight at once across the whole collector. */
  readonly maxConcurrent: number;
  /** Interval per kind when a server's configuration says null. 0 disables the kind. */
  readonly defaultIntervalsMs: Readonly<Record<ScheduledKind, number>>;
  /**
   * Shortest interval accepted; shorter ones are raised to it. Polling a BMC every second
   * saturates its management controller (SDR reads take seconds on many) for no insight.
   */
  readonly minIntervalMs: number;
  /** Upper bound of the backoff between probes of a DOWN BMC. */
  readonly backoffMaxMs: number;
  /** Backoff jitter as a fraction: the delay is scaled by a factor in [1 - j, 1 + j]. */
  readonly backoffJitter: number;
  /**
   * A kind due within this long after now joins a job that starts now (bounded per kind to a
   * tenth of its interval, see batchWindow).
   */
  readonly batchWindowMs: number;
  /** Cap of the initial phase spread (a daily-only server still gets its first poll soon). */
  readonly initialSpreadMaxMs: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

export const DEFAULT_SCHEDULER_CONFIG: SchedulerConfig = {
  maxConcurrent: 16,
  defaultIntervalsMs: { SENSORS: MINUTE, SEL: MINUTE, POWER: MINUTE, INVENTORY: 24 * HOUR },
  minIntervalMs: 5 * SECOND,
  backoffMaxMs: 10 * MINUTE,
  backoffJitter: 0.2,
  batchWindowMs: 5 * SECOND,
  initialSpreadMaxMs: 10 * MINUTE,
};

/** Throws COL_SCHED_INVALID_CONFIG naming the setting when a value is out of range. */
export function validateSchedulerConfig(c: SchedulerConfig): SchedulerConfig {
  const bad = (what: string, v: number) =>
    configErrors.error('COL_SCHED_INVALID_CONFIG', `scheduler ${what} is out of range: ${v}`);
  if (!Number.isInteger(c.maxConcurrent) || c.maxConcurrent < 1) {
    throw bad('maxConcurrent', c.maxConcurrent);
  }
  for (const k of SCHEDULED_KINDS) {
    const v = c.defaultIntervalsMs[k];
    if (!Number.isFinite(v) || v < 0) throw bad(`default ${k} interval`, v);
  }
  if (!(c.minIntervalMs > 0)) throw bad('minIntervalMs', c.minIntervalMs);
  if (!(c.backoffMaxMs > 0)) throw bad('backoffMaxMs', c.backoffMaxMs);
  if (!(c.backoffJitter >= 0 && c.backoffJitter < 1)) throw bad('backoffJitter', c.backoffJitter);
  if (!(c.batchWindowMs >= 0)) throw bad('batchWindowMs', c.batchWindowMs);
  if (!(c.initialSpreadMaxMs >= 0)) throw bad('initialSpreadMaxMs', c.initialSpreadMaxMs);
  return c;
}

/** What the decider needs besides state and time: settings and the one source of randomness. */
export interface SchedulerDeps {
  readonly config: SchedulerConfig;
  /** Uniform in [0, 1), e.g. `seededRandom(seed)`; Math.random only at the edge. */
  readonly random: () => number;
}

/** One server as the scheduler sees it (from ServerConfigured: see servers/registry.ts). */
export interface ScheduleServer {
  readonly serverId: string;
  /** Identity of the BMC for the one-session rule, `host:port`. */
  readonly bmc: string;
  readonly enabled: boolean;
  /** As in ServerConfigured: null = collector default, 0 = do not poll this kind. */
  readonly pollIntervals: PollIntervals;
  /**
   * Configuration revision. A new revision of a DOWN server (password, cipher suite or
   * workaround flags fixed) is probed right away instead of after the remaining backoff.
   */
  readonly revision: number;
}

export type Reachability =
  | { readonly status: 'UNKNOWN' }
  | { readonly status: 'UP'; readonly since: number }
  | {
      readonly status: 'DOWN';
      readonly since: number;
      readonly reason: ReachabilityReason;
      readonly message: string | null;
    };

export interface InFlightJob {
  readonly jobId: string;
  readonly bmc: string;
  readonly kinds: readonly PollKind[];
  readonly startedAt: number;
}

export interface ServerSlot {
  readonly serverId: string;
  readonly bmc: string;
  readonly enabled: boolean;
  readonly revision: number;
  /** Resolved intervals in ms; 0 = not polled. */
  readonly intervalsMs: Readonly<Record<ScheduledKind, number>>;
  /** Next due time of each polled kind (absent when the kind is off). */
  readonly nextDue: Readonly<Partial<Record<ScheduledKind, number>>>;
  /** While DOWN: when the next REACHABILITY probe is due. */
  readonly probeAt: number | null;
  readonly inFlight: InFlightJob | null;
  readonly consecutiveFailures: number;
  readonly reachability: Reachability;
  readonly lastSuccessAt: number | null;
}

/** A job whose server was removed or moved while it ran: it holds its slot and its BMC. */
export interface OrphanJob extends InFlightJob {
  readonly serverId: string;
}

export interface SchedulerState {
  readonly servers: ReadonlyMap<string, ServerSlot>;
  /** By jobId. */
  readonly orphans: ReadonlyMap<string, OrphanJob>;
  /** Makes job ids unique within this state's life. */
  readonly jobSeq: number;
}

export function initialSchedulerState(): SchedulerState {
  return { servers: new Map(), orphans: new Map(), jobSeq: 0 };
}

/** A job for the handler to run: one session to one BMC reading `kinds`. */
export interface PollJob {
  readonly jobId: string;
  readonly serverId: string;
  readonly bmc: string;
  /** Scheduled kinds in canonical order, or exactly `['REACHABILITY']` for a DOWN BMC. */
  readonly kinds: readonly PollKind[];
  readonly startedAt: number;
}

export interface JobResult {
  readonly jobId: string;
  readonly serverId: string;
  /**
   * Whether a session with the BMC worked. A kind that failed inside a working session
   * (DCMI unsupported, a SEL line that did not parse) is 'ok' here: the BMC is reachable, and
   * PollCompleted reports the kind as PARTIAL or FAILED.
   */
  readonly outcome: 'ok' | 'failed';
  /** Why the session failed (classified by the driver); UNKNOWN when absent. */
  readonly errorReason?: ReachabilityReason | undefined;
  /** Driver detail for the event (must not contain credentials). */
  readonly message?: string | null | undefined;
  /** Poll id to tie a reachability change to the PollCompleted that observed it. */
  readonly pollId?: string | null | undefined;
}

/** A BmcReachabilityChanged without the envelope the handler adds (see events.ts). */
export type ReachabilityDecision = Omit<
  BmcReachabilityChanged,
  'eventId' | 'observedAt' | 'source'
>;

export interface TickResult {
  readonly state: SchedulerState;
  readonly start: readonly PollJob[];
}

export interface CompletedResult {
  readonly state: SchedulerState;
  readonly events: readonly ReachabilityDecision[];
  /** True when the result belonged to an orphaned or unknown job and changed nothing else. */
  readonly ignored: boolean;
}

export interface ServersChangedResult {
  readonly state: SchedulerState;
  readonly added: readonly string[];
  readonly updated: readonly string[];
  readonly removed: readonly string[];
}

// --- helpers ---------------------------------------------------------------------------------

function draw(deps: SchedulerDeps): number {
  const r = deps.random();
  // A broken source must not produce NaN due times that never fire.
  return Number.isFinite(r) ? Math.min(Math.max(r, 0), 1 - Number.EPSILON) : 0;
}

function resolveIntervals(
  p: PollIntervals,
  config: SchedulerConfig,
): Record<ScheduledKind, number> {
  const out = {} as Record<ScheduledKind, number>;
  for (const k of SCHEDULED_KINDS) {
    const v = p[INTERVAL_FIELD[k]] ?? config.defaultIntervalsMs[k];
    out[k] = !Number.isFinite(v) || v <= 0 ? 0 : Math.max(v, config.minIntervalMs);
  }
  return out;
}

function shortestInterval(intervals: Readonly<Record<ScheduledKind, number>>): number | null {
  let min: number | null = null;
  for (const k of SCHEDULED_KINDS) {
    const v = intervals[k];
    if (v > 0 && (min === null || v < min)) min = v;
  }
  return min;
}

/** First due times: one random phase per server, so its kinds start in one session. */
function phasedDue(
  intervals: Readonly<Record<ScheduledKind, number>>,
  now: number,
  deps: SchedulerDeps,
): Partial<Record<ScheduledKind, number>> {
  const base = shortestInterval(intervals);
  if (base === null) return {};
  const offset = Math.floor(draw(deps) * Math.min(base, deps.config.initialSpreadMaxMs));
  const due: Partial<Record<ScheduledKind, number>> = {};
  for (const k of SCHEDULED_KINDS) if (intervals[k] > 0) due[k] = now + offset;
  return due;
}

/** The next slot on the kind's fixed-rate grid strictly after now. */
function advance(due: number, interval: number, now: number): number {
  const next = due + interval;
  if (next > now) return next;
  return due + (Math.floor((now - due) / interval) + 1) * interval;
}

/** Delay before probe n (n >= 1) of a DOWN BMC: base × 2^(n-1), jittered, capped. */
export function backoffDelay(
  failures: number,
  baseMs: number,
  config: SchedulerConfig,
  r: number,
): number {
  const exp = Math.min(Math.max(failures, 1) - 1, 30);
  const raw = Math.min(config.backoffMaxMs, baseMs * 2 ** exp);
  const jittered = raw * (1 + config.backoffJitter * (2 * r - 1));
  return Math.max(1, Math.min(config.backoffMaxMs, Math.round(jittered)));
}

/**
 * How early a kind may join a job: the configured window, but never more than a tenth of the
 * kind's own interval, so a 30 s sensor poll riding along with 5 s power polls keeps its
 * spacing within 10 %.
 */
export function batchWindow(intervalMs: number, config: SchedulerConfig): number {
  return Math.min(config.batchWindowMs, Math.floor(intervalMs / 10));
}

/** When the server next wants a job, or null when it polls nothing. */
function dueAt(s: ServerSlot): number | null {
  // A server with every kind switched off is kept but never contacted, not even probed.
  if (shortestInterval(s.intervalsMs) === null) return null;
  if (s.reachability.status === 'DOWN') return s.probeAt;
  let min: number | null = null;
  for (const k of SCHEDULED_KINDS) {
    const d = s.nextDue[k];
    if (d !== undefined && (min === null || d < min)) min = d;
  }
  return min;
}

function busyBmcs(state: SchedulerState): { busy: Set<string>; running: number } {
  const busy = new Set<string>();
  let running = 0;
  for (const s of state.servers.values()) {
    if (s.inFlight) {
      busy.add(s.inFlight.bmc);
      running++;
    }
  }
  for (const o of state.orphans.values()) {
    busy.add(o.bmc);
    running++;
  }
  return { busy, running };
}

function freshSlot(def: ScheduleServer, now: number, deps: SchedulerDeps): ServerSlot {
  const intervalsMs = resolveIntervals(def.pollIntervals, deps.config);
  return {
    serverId: def.serverId,
    bmc: def.bmc,
    enabled: def.enabled,
    revision: def.revision,
    intervalsMs,
    nextDue: def.enabled ? phasedDue(intervalsMs, now, deps) : {},
    probeAt: null,
    inFlight: null,
    consecutiveFailures: 0,
    reachability: { status: 'UNKNOWN' },
    lastSuccessAt: null,
  };
}

function updatedSlot(
  prev: ServerSlot,
  def: ScheduleServer,
  now: number,
  deps: SchedulerDeps,
): ServerSlot {
  const intervalsMs = resolveIntervals(def.pollIntervals, deps.config);
  let nextDue: Partial<Record<ScheduledKind, number>>;
  if (!def.enabled) {
    nextDue = {};
  } else if (!prev.enabled) {
    // Resumed after a pause: a fresh phase, as if added now.
    nextDue = phasedDue(intervalsMs, now, deps);
  } else {
    nextDue = {};
    const existing = SCHEDULED_KINDS.map((k) => prev.nextDue[k]).filter(
      (d): d is number => d !== undefined,
    );
    const nextSession = existing.length > 0 ? Math.min(...existing) : null;
    let needPhase = false;
    for (const k of SCHEDULED_KINDS) {
      const iv = intervalsMs[k];
      const old = prev.nextDue[k];
      if (iv === 0) continue;
      if (old === undefined) {
        // A newly enabled kind joins the server's next session rather than opening its own.
        if (nextSession !== null) nextDue[k] = nextSession;
        else needPhase = true;
      } else if (iv !== prev.intervalsMs[k]) {
        // Shortened: do not wait out the old, longer interval. Lengthened: keep the slot.
        nextDue[k] = Math.min(old, now + iv);
      } else {
        nextDue[k] = old;
      }
    }
    if (needPhase) nextDue = { ...phasedDue(intervalsMs, now, deps), ...nextDue };
  }
  let probeAt = prev.probeAt;
  if (
    prev.reachability.status === 'DOWN' &&
    (def.revision !== prev.revision || (def.enabled && !prev.enabled))
  ) {
    probeAt = probeAt === null ? now : Math.min(probeAt, now);
  }
  return {
    ...prev,
    enabled: def.enabled,
    revision: def.revision,
    intervalsMs,
    nextDue,
    probeAt,
  };
}

// --- the decider -----------------------------------------------------------------------------

/**
 * Applies the desired server set: adds new servers with a random initial phase, reschedules
 * changed ones and forgets removed ones. A removed (or re-hosted) server's running job
 * becomes an orphan: it still holds its concurrency slot and its BMC until it completes,
 * and its result is then ignored.
 */
export function serversChanged(
  state: SchedulerState,
  servers: readonly ScheduleServer[],
  now: number,
  deps: SchedulerDeps,
): ServersChangedResult {
  const next = new Map<string, ServerSlot>();
  const orphans = new Map(state.orphans);
  const added: string[] = [];
  const updated: string[] = [];
  const removed: string[] = [];
  const orphan = (s: ServerSlot) => {
    if (s.inFlight) orphans.set(s.inFlight.jobId, { ...s.inFlight, serverId: s.serverId });
  };
  for (const def of servers) {
    if (next.has(def.serverId)) continue; // first definition of an id wins
    const prev = state.servers.get(def.serverId);
    if (!prev) {
      next.set(def.serverId, freshSlot(def, now, deps));
      added.push(def.serverId);
    } else if (prev.bmc !== def.bmc) {
      // Another BMC: its history (reachability, backoff) says nothing about the new one.
      orphan(prev);
      next.set(def.serverId, freshSlot(def, now, deps));
      updated.push(def.serverId);
    } else {
      const slot = updatedSlot(prev, def, now, deps);
      next.set(def.serverId, slot);
      if (!sameSchedule(prev, slot)) updated.push(def.serverId);
    }
  }
  for (const [id, s] of state.servers) {
    if (!next.has(id)) {
      orphan(s);
      removed.push(id);
    }
  }
  return { state: { ...state, servers: next, orphans }, added, updated, removed };
}

function sameSchedule(a: ServerSlot, b: ServerSlot): boolean {
  return (
    a.enabled === b.enabled &&
    a.revision === b.revision &&
    a.probeAt === b.probeAt &&
    SCHEDULED_KINDS.every(
      (k) => a.intervalsMs[k] === b.intervalsMs[k] && a.nextDue[k] === b.nextDue[k],
    )
  );
}

/**
 * Chooses the jobs to start now: due servers, oldest due first, within the free concurrency,
 * never a BMC that already has a session. Returns the same state object when nothing starts.
 */
export function tick(state: SchedulerState, now: number, deps: SchedulerDeps): TickResult {
  const { busy, running } = busyBmcs(state);
  let free = deps.config.maxConcurrent - running;
  if (free <= 0) return { state, start: [] };

  const due: { slot: ServerSlot; at: number }[] = [];
  for (const s of state.servers.values()) {
    if (!s.enabled || s.inFlight) continue;
    const at = dueAt(s);
    if (at !== null && at <= now) due.push({ slot: s, at });
  }
  if (due.length === 0) return { state, start: [] };
  due.sort((a, b) => a.at - b.at || (a.slot.serverId < b.slot.serverId ? -1 : 1));

  const servers = new Map(state.servers);
  const start: PollJob[] = [];
  let jobSeq = state.jobSeq;
  for (const { slot } of due) {
    if (free === 0) break;
    if (busy.has(slot.bmc)) continue;
    const kinds: PollKind[] =
      slot.reachability.status === 'DOWN'
        ? ['REACHABILITY']
        : SCHEDULED_KINDS.filter((k) => {
            const d = slot.nextDue[k];
            return d !== undefined && d <= now + batchWindow(slot.intervalsMs[k], deps.config);
          });
    jobSeq++;
    const job: PollJob = {
      jobId: `${slot.serverId}#${jobSeq}`,
      serverId: slot.serverId,
      bmc: slot.bmc,
      kinds,
      startedAt: now,
    };
    servers.set(slot.serverId, {
      ...slot,
      inFlight: { jobId: job.jobId, bmc: job.bmc, kinds, startedAt: now },
    });
    busy.add(slot.bmc);
    free--;
    start.push(job);
  }
  return { state: { ...state, servers, jobSeq }, start };
}

/**
 * Applies a job's result: advances the polled kinds, tracks failures and reachability, and
 * decides the reachability-change events. A DOWN event fires on the first failure after
 * UP or UNKNOWN; an UP event on the first success after DOWN or UNKNOWN (the schema's
 * "once when monitoring of a server starts"). Repeated failures only lengthen the backoff.
 */
export function completed(
  state: SchedulerState,
  now: number,
  result: JobResult,
  deps: SchedulerDeps,
): CompletedResult {
  const orphan = state.orphans.get(result.jobId);
  if (orphan) {
    const orphans = new Map(state.orphans);
    orphans.delete(result.jobId);
    return { state: { ...state, orphans }, events: [], ignored: true };
  }
  const slot = state.servers.get(result.serverId);
  const job = slot?.inFlight;
  if (!slot || !job || job.jobId !== result.jobId) return { state, events: [], ignored: true };

  const prev = slot.reachability;
  const previousReachable = prev.status === 'UNKNOWN' ? null : prev.status === 'UP';
  const pollId = result.pollId ?? null;
  const events: ReachabilityDecision[] = [];
  let next: ServerSlot;

  if (result.outcome === 'ok') {
    const nextDue = { ...slot.nextDue };
    for (const k of job.kinds) {
      if (k === 'REACHABILITY' || k === 'UNKNOWN') continue;
      const d = nextDue[k];
      const iv = slot.intervalsMs[k];
      if (d !== undefined && iv > 0) nextDue[k] = advance(d, iv, now);
    }
    next = {
      ...slot,
      inFlight: null,
      nextDue,
      probeAt: null,
      consecutiveFailures: 0,
      reachability: prev.status === 'UP' ? prev : { status: 'UP', since: now },
      lastSuccessAt: now,
    };
    if (prev.status !== 'UP') {
      events.push({
        serverId: slot.serverId,
        occurredAt: now,
        pollId,
        reachable: true,
        previousReachable,
        reason: null,
        message: null,
        consecutiveFailures: 0,
        lastSuccessAt: now,
      });
    }
  } else {
    const failures = slot.consecutiveFailures + 1;
    const reason = result.errorReason ?? 'UNKNOWN';
    const message = result.message ?? null;
    const base = shortestInterval(slot.intervalsMs) ?? deps.config.minIntervalMs;
    const delay = backoffDelay(failures, base, deps.config, draw(deps));
    next = {
      ...slot,
      inFlight: null,
      probeAt: now + delay,
      consecutiveFailures: failures,
      // The latest reason is kept (a TIMEOUT that turns into AUTH is worth showing) but is
      // not an event of its own: the schema emits on reachability changes only.
      reachability: {
        status: 'DOWN',
        since: prev.status === 'DOWN' ? prev.since : now,
        reason,
        message,
      },
    };
    if (prev.status !== 'DOWN') {
      events.push({
        serverId: slot.serverId,
        occurredAt: now,
        pollId,
        reachable: false,
        previousReachable,
        reason,
        message,
        consecutiveFailures: failures,
        lastSuccessAt: slot.lastSuccessAt,
      });
    }
  }
  const servers = new Map(state.servers);
  servers.set(slot.serverId, next);
  return { state: { ...state, servers }, events, ignored: false };
}

/**
 * When `tick` next has something to start, for the handler's timer; null when nothing can
 * start before a running job completes (no free slot, nothing due, or only busy BMCs due).
 */
export function nextWakeAt(state: SchedulerState, deps: SchedulerDeps): number | null {
  const { busy, running } = busyBmcs(state);
  if (running >= deps.config.maxConcurrent) return null;
  let min: number | null = null;
  for (const s of state.servers.values()) {
    if (!s.enabled || s.inFlight || busy.has(s.bmc)) continue;
    const at = dueAt(s);
    if (at !== null && (min === null || at < min)) min = at;
  }
  return min;
}

/** Jobs in flight, orphans included (what the concurrency limit counts). */
export function inFlightCount(state: SchedulerState): number {
  return busyBmcs(state).running;
}
