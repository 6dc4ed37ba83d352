/**
 * The soak test's verdict, pure: the truth kept by the fault runner against what the product
 * stored. Each check gives counts (expected / found / duplicated / missing, and unexpected:
 * facts nobody caused) and the details of every mismatch.
 */
import type { ExpectedAlert } from './plan.js';

export interface Counts {
  readonly expected: number;
  readonly found: number;
  readonly duplicated: number;
  readonly missing: number;
  readonly unexpected: number;
}

export interface CheckResult {
  readonly name: string;
  readonly counts: Counts;
  /** One line per mismatch (empty when the check passed). */
  readonly problems: readonly string[];
}

export const passed = (c: CheckResult) => c.problems.length === 0;

/** A SEL entry: its server and the BMC's record id (ipmi_sim never reuses one). */
export interface SelKey {
  readonly serverId: string;
  readonly recordId: number;
}

const selKey = (k: SelKey) => `${k.serverId}#${k.recordId}`;

/**
 * Every SEL entry a BMC held (at the end, or just before a clear) must be in the database
 * exactly once; a database row for an entry no BMC held is unexpected.
 */
export function compareSel(truth: readonly SelKey[], stored: readonly SelKey[]): CheckResult {
  const want = new Set(truth.map(selKey));
  const have = new Map<string, number>();
  for (const s of stored) have.set(selKey(s), (have.get(selKey(s)) ?? 0) + 1);
  const problems: string[] = [];
  let found = 0;
  let duplicated = 0;
  let missing = 0;
  for (const k of [...want].sort()) {
    const n = have.get(k) ?? 0;
    if (n === 0) {
      missing++;
      problems.push(`SEL entry ${k} is not in the database`);
    } else {
      found++;
      if (n > 1) {
        duplicated += n - 1;
        problems.push(`SEL entry ${k} is in the database ${n} times`);
      }
    }
  }
  let unexpected = 0;
  for (const [k, n] of have) {
    if (!want.has(k)) {
      unexpected += n;
      problems.push(`SEL entry ${k} is in the database (${n}×) but no BMC held it`);
    }
  }
  return {
    name: 'SEL entries in the database',
    counts: { expected: want.size, found, duplicated, missing, unexpected },
    problems,
  };
}

/** One alert lifecycle event from the alerts topic. */
export interface AlertEvent {
  readonly alertId: string;
  /** AlertRaised, AlertUpdated or AlertResolved. */
  readonly type: string;
  readonly serverId: string;
  readonly condition: string;
  readonly component: string;
}

/**
 * Raises and resolutions per (server, condition) against the plan's expectations. Extra
 * raises are duplicates; a raise on a (server, condition) the plan did not expect is a
 * false alarm.
 */
export function compareAlerts(
  expected: readonly ExpectedAlert[],
  serverId: (index: number) => string,
  events: readonly AlertEvent[],
): { raised: CheckResult; resolved: CheckResult } {
  const count = (type: string) => {
    const m = new Map<string, number>();
    for (const e of events) {
      if (e.type !== type) continue;
      const k = `${e.serverId} ${e.condition}`;
      m.set(k, (m.get(k) ?? 0) + 1);
    }
    return m;
  };
  const raises = count('AlertRaised');
  const resolves = count('AlertResolved');
  const wanted = new Map(expected.map((x) => [`${serverId(x.index)} ${x.condition}`, x]));
  const tally = (kind: 'raises' | 'resolves', seen: Map<string, number>): CheckResult => {
    const problems: string[] = [];
    let exp = 0;
    let found = 0;
    let duplicated = 0;
    let missing = 0;
    let unexpected = 0;
    for (const [k, x] of wanted) {
      const want = x[kind];
      const got = seen.get(k) ?? 0;
      exp += want;
      found += Math.min(want, got);
      if (got > want) {
        duplicated += got - want;
        problems.push(`${k}: ${got} ${kind}, expected ${want}`);
      } else if (got < want) {
        missing += want - got;
        problems.push(`${k}: ${got} ${kind}, expected ${want}`);
      }
    }
    for (const [k, n] of seen) {
      if (!wanted.has(k)) {
        unexpected += n;
        problems.push(`${k}: ${n} ${kind} for a fault that did not happen`);
      }
    }
    return {
      name: kind === 'raises' ? 'alerts raised' : 'alerts resolved',
      counts: { expected: exp, found, duplicated, missing, unexpected },
      problems,
    };
  };
  return { raised: tally('raises', raises), resolved: tally('resolves', resolves) };
}

/** A time window (ms since the epoch) in which readings may be missing. */
export interface Window {
  readonly from: number;
  readonly to: number;
  readonly why: string;
}

/**
 * The stretches of [a, b] that no window covers: what is left of a gap once the injected
 * outages are taken out of it.
 */
export function uncovered(a: number, b: number, windows: readonly Window[]): [number, number][] {
  const inside = windows
    .filter((w) => w.from < b && w.to > a)
    .map((w) => [Math.max(a, w.from), Math.min(b, w.to)] as const)
    .sort((x, y) => x[0] - y[0]);
  const left: [number, number][] = [];
  let at = a;
  for (const [from, to] of inside) {
    if (from > at) left.push([at, from]);
    at = Math.max(at, to);
  }
  if (at < b) left.push([at, b]);
  return left;
}

/**
 * Gaps in each server's readings that no injected outage explains. `times` are the distinct
 * reading times of a server, in any order; `from`..`to` is the span every server should be
 * read over. The outage windows of the server and of the whole pipeline are taken out of
 * each gap between two readings; what is left must be no longer than `maxGapMs`, so an
 * outage excuses its own length (plus its grace), never a longer silence around it.
 */
export function findGaps(
  times: ReadonlyMap<string, readonly number[]>,
  servers: readonly string[],
  excused: (serverId: string) => readonly Window[],
  o: { readonly from: number; readonly to: number; readonly maxGapMs: number },
): CheckResult {
  const problems: string[] = [];
  let found = 0;
  let missing = 0;
  let excusedGaps = 0;
  for (const s of servers) {
    const ts = [...(times.get(s) ?? [])]
      .filter((t) => t >= o.from && t <= o.to)
      .sort((a, b) => a - b);
    const points = [o.from, ...ts, o.to];
    let bad = 0;
    for (let i = 1; i < points.length; i++) {
      const a = points[i - 1] as number;
      const b = points[i] as number;
      if (b - a <= o.maxGapMs) continue;
      const left = uncovered(a, b, excused(s)).filter(([x, y]) => y - x > o.maxGapMs);
      if (left.length === 0) {
        excusedGaps++;
        continue;
      }
      bad++;
      const [x, y] = left.reduce((m, r) => (r[1] - r[0] > m[1] - m[0] ? r : m));
      problems.push(
        `${s}: no reading for ${((b - a) / 1000).toFixed(0)} s (${new Date(a).toISOString()} .. ${new Date(b).toISOString()}), ${((y - x) / 1000).toFixed(0)} s of it outside any injected outage`,
      );
    }
    if (bad === 0) found++;
    else missing += bad;
  }
  return {
    name: `servers read without unexplained gaps (> ${(o.maxGapMs / 1000).toFixed(0)} s; ${excusedGaps} gaps inside injected outages)`,
    counts: { expected: servers.length, found, duplicated: 0, missing, unexpected: 0 },
    problems,
  };
}

/** Resident memory of one process, first steady sample and last sample, in KiB. */
export interface MemorySample {
  readonly name: string;
  readonly startKb: number | null;
  readonly endKb: number | null;
}

/** The bound every process must stay within: growth of at most 50% plus 16 MiB of slack. */
export const memoryBound = (startKb: number) => startKb * 1.5 + 16 * 1024;

export function checkMemory(samples: readonly MemorySample[]): CheckResult {
  const problems: string[] = [];
  let found = 0;
  let missing = 0;
  for (const s of samples) {
    if (s.startKb === null || s.endKb === null) {
      missing++;
      problems.push(`${s.name}: no steady memory sample (start ${s.startKb}, end ${s.endKb})`);
      continue;
    }
    if (s.endKb > memoryBound(s.startKb)) {
      problems.push(
        `${s.name}: RSS grew from ${(s.startKb / 1024).toFixed(0)} MiB to ${(s.endKb / 1024).toFixed(0)} MiB (bound ${(memoryBound(s.startKb) / 1024).toFixed(0)} MiB)`,
      );
    } else found++;
  }
  return {
    name: 'processes within the memory bound (end ≤ 1.5 × start + 16 MiB)',
    counts: { expected: samples.length, found, duplicated: 0, missing, unexpected: 0 },
    problems,
  };
}
