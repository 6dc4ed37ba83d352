/**
 * How the fleet dashboard follows the live feed without reloading 500 servers on every event.
 * Pure: what an event means for the list (patch in place, re-fetch one server, re-fetch all),
 * and a scheduler that batches re-fetches (debounced, once more a few seconds later for the
 * projection race, the whole list at most every few seconds). Timers are injected so
 * live.unit.test.ts runs it on a fake clock.
 */
import type { Server } from '../types';

/** The stream's record types the dashboard listens to ('overflow' is the API's "reload" frame). */
export const FLEET_EVENT_TYPES = [
  'PollCompleted',
  'ChassisPowerObserved',
  'BmcReachabilityChanged',
  'AlertRaised',
  'AlertUpdated',
  'AlertResolved',
  'ServerConfigured',
  'ServerRemoved',
  'overflow',
] as const;

export interface FleetMessage {
  type: string;
  data: Record<string, unknown>;
}

export type EventPlan =
  /** Change the shown server in place (no request): facts the event itself carries. */
  | { kind: 'patch'; serverId: string; patch: Partial<Server>; refetch: boolean }
  /** Ask the API for this server again (its health or alert counts changed). */
  | { kind: 'refetch'; serverId: string }
  /** The server is gone: drop its tile now. */
  | { kind: 'remove'; serverId: string }
  /** Nothing says which server: reload the list. */
  | { kind: 'reload' };

/** An event time as ISO-8601: the stream carries Avro timestamp-millis as numbers. */
export function isoOf(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value).toISOString();
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value)))
    return new Date(value).toISOString();
  return null;
}

/** What one event means for the list, given the server as currently shown (if any). */
export function planEvent(m: FleetMessage, current: Server | undefined): EventPlan {
  const id = typeof m.data.serverId === 'string' ? m.data.serverId : null;
  if (m.type === 'overflow' || id === null) return { kind: 'reload' };
  switch (m.type) {
    case 'PollCompleted': {
      const at = isoOf(m.data.occurredAt);
      const patch: Partial<Server> = {};
      if (at && (!current?.lastPollAt || current.lastPollAt < at)) patch.lastPollAt = at;
      // A server not shown yet, or not yet judged, or a failed poll: its health may move.
      const refetch = !current || current.health === 'UNKNOWN' || m.data.outcome === 'FAILED';
      return { kind: 'patch', serverId: id, patch, refetch };
    }
    case 'ChassisPowerObserved': {
      const patch: Partial<Server> = {};
      if (typeof m.data.powerState === 'string') patch.powerState = m.data.powerState;
      if (typeof m.data.dcmiWatts === 'number' || m.data.dcmiWatts === null)
        patch.powerWatts = m.data.dcmiWatts;
      return { kind: 'patch', serverId: id, patch, refetch: !current };
    }
    case 'ServerRemoved':
      return { kind: 'remove', serverId: id };
    default:
      // Alerts, reachability, configuration: health, counts or the name change.
      return { kind: 'refetch', serverId: id };
  }
}

/** The server with the patch applied; the same object when nothing changes. */
export function applyPatch(s: Server, patch: Partial<Server>): Server {
  const keys = Object.keys(patch) as (keyof Server)[];
  if (keys.every((k) => s[k] === patch[k])) return s;
  return { ...s, ...patch };
}

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
  now(): number;
}

export const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

export interface RefreshTargets {
  /** Re-fetch these servers (one request each). */
  servers(ids: string[]): Promise<void>;
  /** Re-fetch the whole list. */
  all(): Promise<void>;
  /** Re-fetch the summary (counts, alerts, licence). */
  summary(): Promise<void>;
}

export interface RefreshOptions {
  /** Wait after the first event of a batch (the projection usually follows within ~1 s). */
  debounceMs: number;
  /** A second look at the same servers this much after the first (a slow projection). */
  followUpMs: number;
  /** More servers than this in one batch: one list request instead. */
  maxIds: number;
  /** The whole list at most this often. */
  minFullGapMs: number;
}

export const DEFAULT_REFRESH: RefreshOptions = {
  debounceMs: 1000,
  followUpMs: 3000,
  maxIds: 10,
  minFullGapMs: 5000,
};

interface Batch {
  ids: Set<string>;
  all: boolean;
  summary: boolean;
}
const emptyBatch = (): Batch => ({ ids: new Set(), all: false, summary: false });
const isEmpty = (b: Batch) => b.ids.size === 0 && !b.all && !b.summary;

/**
 * Batches re-fetches: events within `debounceMs` share one round of requests (no reset on
 * every event, so a busy feed still refreshes), each round is repeated once `followUpMs`
 * later, and the whole list is fetched at most every `minFullGapMs`. One round at a time.
 */
export class RefreshScheduler {
  #first = emptyBatch();
  #second = emptyBatch();
  #timer: unknown = null;
  #followTimer: unknown = null;
  #running = false;
  #lastFull = -Infinity;
  #stopped = false;
  readonly #opts: RefreshOptions;

  constructor(
    private readonly targets: RefreshTargets,
    opts: Partial<RefreshOptions> = {},
    private readonly timers: Timers = realTimers,
  ) {
    this.#opts = { ...DEFAULT_REFRESH, ...opts };
  }

  /** A server changed (null: something did, which one is not known). */
  server(id: string | null): void {
    if (id === null) this.#first.all = true;
    else this.#first.ids.add(id);
    this.#first.summary = true;
    this.#arm(this.#opts.debounceMs);
  }

  /** Only the counts changed (e.g. a server was removed and already dropped). */
  summary(): void {
    this.#first.summary = true;
    this.#arm(this.#opts.debounceMs);
  }

  /** Reload everything once, without a follow-up (periodic refresh, reconnect). */
  everything(delayMs = 0): void {
    this.#second.all = true;
    this.#second.summary = true;
    this.#arm(delayMs);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) this.timers.clear(this.#timer);
    if (this.#followTimer !== null) this.timers.clear(this.#followTimer);
    this.#timer = this.#followTimer = null;
  }

  /** Whether anything waits (for tests). */
  get idle(): boolean {
    return (
      this.#timer === null &&
      this.#followTimer === null &&
      !this.#running &&
      isEmpty(this.#first) &&
      isEmpty(this.#second)
    );
  }

  #arm(ms: number): void {
    if (this.#stopped || this.#timer !== null) return;
    this.#timer = this.timers.set(() => {
      this.#timer = null;
      void this.#run();
    }, ms);
  }

  async #run(): Promise<void> {
    if (this.#running || this.#stopped) return;
    const first = this.#first;
    const second = this.#second;
    const ids = new Set([...first.ids, ...second.ids]);
    const all = first.all || second.all || ids.size > this.#opts.maxIds;
    if (all) {
      const wait = this.#lastFull + this.#opts.minFullGapMs - this.timers.now();
      if (wait > 0) {
        this.#arm(wait);
        return;
      }
    }
    this.#first = emptyBatch();
    this.#second = emptyBatch();
    this.#running = true;
    try {
      if (all) {
        this.#lastFull = this.timers.now();
        await this.targets.all();
      } else if (ids.size > 0) {
        await this.targets.servers([...ids]);
      }
      if (first.summary || second.summary || all) await this.targets.summary();
    } catch {
      // The targets report their own failures; the next event or refresh tries again.
    } finally {
      this.#running = false;
    }
    if (this.#stopped) return;
    if (!isEmpty(first)) this.#follow(first);
    // Events that came while the round ran: their timer may have fired into the running round.
    if (!isEmpty(this.#first) || !isEmpty(this.#second)) this.#arm(this.#opts.debounceMs);
  }

  #follow(b: Batch): void {
    for (const id of b.ids) this.#pendingFollow.ids.add(id);
    this.#pendingFollow.all ||= b.all;
    this.#pendingFollow.summary ||= b.summary;
    if (this.#followTimer !== null) return;
    this.#followTimer = this.timers.set(() => {
      this.#followTimer = null;
      const f = this.#pendingFollow;
      this.#pendingFollow = emptyBatch();
      for (const id of f.ids) this.#second.ids.add(id);
      this.#second.all ||= f.all;
      this.#second.summary ||= f.summary;
      this.#arm(0);
    }, this.#opts.followUpMs);
  }

  #pendingFollow = emptyBatch();
}

/** Every page of a cursor-paginated list (bounded, in case a cursor never ends). */
export async function loadAllPages<T>(
  get: (cursor: string | null) => Promise<{ items: T[]; nextCursor: string | null }>,
  maxPages = 100,
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < maxPages; i++) {
    const page = await get(cursor);
    out.push(...page.items);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return out;
}

/**
 * Servers removed by a ServerRemoved event, for a while: a re-fetch that reads the database
 * before the projection deleted the row must not bring the tile back.
 */
export class Tombstones {
  readonly #until = new Map<string, number>();
  constructor(
    private readonly ttlMs = 15_000,
    private readonly now: () => number = () => Date.now(),
  ) {}
  add(id: string): void {
    this.#until.set(id, this.now() + this.ttlMs);
  }
  delete(id: string): void {
    this.#until.delete(id);
  }
  has(id: string): boolean {
    const until = this.#until.get(id);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.#until.delete(id);
    return false;
  }
}

/** The list with these servers replaced (null: gone), tombstoned ones left out. */
export function mergeServers(
  current: ReadonlyMap<string, Server>,
  updates: Iterable<[string, Server | null]>,
  gone: Tombstones,
): Map<string, Server> {
  const next = new Map(current);
  for (const [id, s] of updates) {
    if (s === null || gone.has(id)) next.delete(id);
    else next.set(id, s);
  }
  return next;
}

/** A fresh full list as the map the page keeps, tombstoned ones left out. */
export function listToMap(list: Iterable<Server>, gone: Tombstones): Map<string, Server> {
  const next = new Map<string, Server>();
  for (const s of list) if (!gone.has(s.serverId)) next.set(s.serverId, s);
  return next;
}
