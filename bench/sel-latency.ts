/**
 * SEL latency: time from a SEL entry being added to a simulated BMC (`fleet.addSel`, over
 * the ipmi_sim console) until its SelEntryRecorded is readable on Kafka (ipmi.sel.v1, read
 * by a read_committed consumer group from the beginning of this run's prefixed topic), as a
 * function of the SEL poll interval.
 *
 * One fleet (--bmcs, default 10) and one collector (product defaults: fan-out, gather time,
 * tool deadline, scheduler) for the whole run; the servers are imported through servers.yaml
 * with sensors, power and inventory off and SEL at the first interval, and re-imported with
 * the next interval between phases (a new ServerConfigured revision, as an operator would).
 * Per interval: entries are added at uniformly random times (--rate per second across the
 * BMCs, each to a random BMC) for --window seconds, then the run waits for the stragglers.
 * A phase starts only once every BMC had a SEL poll on the new interval's grid.
 *
 * Matching: every entry fleet.addSel adds has the same content (a `temp` record), so an
 * entry is matched by order per BMC: the k-th entry added to BMC i ↔ the k-th
 * SelEntryRecorded of its server, leaving out the pre-existing SEL history that the first
 * SEL poll of each server publishes (its entries carry that poll's pollId). Adds to one BMC
 * are serialised, so their SEL order is their add order.
 *
 * Baseline: with polls every I ms at a random phase, an entry waits I/2 for the next poll on
 * average, then that poll's duration; expected p50 ≈ I/2 + poll time, with the poll time
 * measured in the same run (median PollCompleted.durationMs of the SEL polls that published
 * an added entry; the median over all SEL polls is printed beside it). The measured latency
 * also includes the collector's gather wait, the Kafka transaction and the consumer's fetch.
 *
 *   npm run bench:sel-latency                        # stack running (npm run stack start)
 *   npm run bench:sel-latency -- --intervals 5000,10000 --window 40 --bmcs 10 --rate 1
 *
 * Prints figures; asserts nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connectSeam, type Seam } from '@ipmi-monitor/runtime';
import { stackEnv, testPrefix } from '@ipmi-monitor/runtime/testing';
import {
  COLLECTOR_TOPICS,
  collectorConfig,
  CredentialStore,
  DEFAULT_SCHEDULER_CONFIG,
  generateKey,
  startCollector,
  type RunningCollector,
} from '@ipmi-monitor/collector';
import type { Fleet } from '@ipmi-monitor/collector/fleet';
import { startBenchFleet } from './lib/fleet.js';
import { benchLogger } from './lib/log.js';
import { importFleet, serverIdOf, type YamlIntervals } from './lib/servers.js';
import { fix, fmt, median, percentile, sleep } from './lib/stats.js';
import { machineLine, toolsLine } from './lib/system.js';

const { values: args } = parseArgs({
  options: {
    bmcs: { type: 'string', default: '10' },
    intervals: { type: 'string', default: '5000,10000,20000' },
    window: { type: 'string', default: '60' },
    rate: { type: 'string', default: '1' },
  },
});
const N = Number(args.bmcs);
const INTERVALS = args.intervals.split(',').map((s) => Number(s.trim()));
const WINDOW_MS = Number(args.window) * 1000;
const RATE = Number(args.rate);
const FANOUT = collectorConfig.fanout.default;
const GATHER_MS = collectorConfig.gatherMs.default;
const TOOL_TIMEOUT_MS = collectorConfig.toolTimeoutMs.default;
for (const i of INTERVALS) {
  if (!Number.isInteger(i) || i < 5000 || i % 1000 !== 0) {
    throw new Error(
      `--intervals: ${i} is not whole seconds of at least 5000 ms (the import minimum)`,
    );
  }
}

const log = benchLogger();
const logger = log.logger;

interface Added {
  readonly phase: number;
  /** When fleet.addSel returned: the entry is in the SEL by then. */
  readonly at: number;
  /** How long the add took (bash + console session). */
  readonly tookMs: number;
}
interface Recorded {
  readonly recordId: number;
  readonly pollId: string | null;
  readonly at: number;
}
interface SelPoll {
  readonly serverId: string;
  readonly pollId: string;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly outcome: string;
}

const added = new Map<number, Added[]>();
const recorded = new Map<string, Recorded[]>();
const selPolls: SelPoll[] = [];
/** The first SEL poll of each server: it publishes the SEL as it was (history). */
const historyPoll = new Map<string, string>();
let addFailures = 0;

/** Non-history SelEntryRecorded of a server, in arrival order. */
const fresh = (serverId: string) =>
  (recorded.get(serverId) ?? []).filter(
    (r) => !historyPoll.has(serverId) || r.pollId !== historyPoll.get(serverId),
  );

async function waitFor(what: string, ok: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) {
      console.log(`  (gave up waiting for ${what} after ${fix(timeoutMs / 1000, 0)} s)`);
      return false;
    }
    await sleep(50);
  }
  return true;
}

const selOnly = (intervalMs: number): YamlIntervals => ({
  sensors: 'off',
  sel: `${intervalMs / 1000}s`,
  power: 'off',
  inventory: 'off',
});

console.log(
  `SEL latency: ${N} simulated BMCs, SEL intervals ${INTERVALS.map((i) => `${i / 1000} s`).join(', ')}; ` +
    `${RATE} entries/s across the BMCs at uniformly random times for ${WINDOW_MS / 1000} s per interval`,
);
console.log(machineLine());
console.log(`tools: ${toolsLine()}`);
console.log(
  `collector settings (product defaults): fanout ${FANOUT}, gather ${GATHER_MS} ms, tool deadline ${TOOL_TIMEOUT_MS} ms`,
);

const work = await mkdtemp(join(tmpdir(), 'ipmi-bench-sel-'));
let fleet: Fleet | undefined;
let seam: Seam | undefined;
let collector: RunningCollector | undefined;
let consumer: { stop(): Promise<void> } | undefined;
try {
  fleet = await startBenchFleet(N, work);
  const f = fleet;
  const env = stackEnv();
  seam = await connectSeam({
    brokers: env.brokers,
    registryUrl: env.registryUrl,
    clientId: 'bench-sel-latency',
    logger,
    topicPrefix: `bench-${testPrefix()}`,
  });
  await seam.ensureTopics([...COLLECTOR_TOPICS]);
  const c = await seam.consume(
    {
      groupId: 'bench-sel-latency',
      topics: ['ipmi.sel.v1', 'ipmi.polls.v1'],
      fromBeginning: true,
    },
    (msg) => {
      const at = Date.now();
      const e = msg.event;
      if (e.type === 'SelEntryRecorded') {
        const list = recorded.get(e.value.serverId) ?? [];
        list.push({ recordId: e.value.recordId, pollId: e.value.pollId, at });
        recorded.set(e.value.serverId, list);
      } else if (e.type === 'PollCompleted' && e.value.kind === 'SEL') {
        const v = e.value;
        if (!historyPoll.has(v.serverId)) historyPoll.set(v.serverId, v.pollId);
        selPolls.push({
          serverId: v.serverId,
          pollId: v.pollId,
          startedAt: v.startedAt,
          durationMs: v.durationMs,
          outcome: v.outcome,
        });
      }
      return Promise.resolve();
    },
  );
  consumer = c;
  await c.ready;

  const key = generateKey();
  const credentialsFile = join(work, 'credentials.json');
  const reimport = (intervalMs: number) =>
    importFleet({
      dir: work,
      bmcs: f.bmcs,
      intervals: selOnly(intervalMs),
      seam: seam as Seam,
      credentialsFile,
      key,
      logger,
    });
  const first = INTERVALS[0] as number;
  await reimport(first);
  collector = await startCollector({
    seam,
    credentials: await CredentialStore.open({ file: credentialsFile, key }),
    logger,
    instanceId: 'bench-sel',
    scheduler: DEFAULT_SCHEDULER_CONFIG,
    toolTimeoutMs: TOOL_TIMEOUT_MS,
    sdrCacheDir: join(work, 'sdr-cache'),
    fanout: FANOUT,
    gatherMs: GATHER_MS,
  });
  const ids = f.bmcs.map((b) => serverIdOf(b.index));
  const pollsSince = (t: number) =>
    ids.every((id) => selPolls.some((p) => p.serverId === id && p.startedAt >= t));
  const allMatched = () =>
    f.bmcs.every((b) => fresh(serverIdOf(b.index)).length >= (added.get(b.index) ?? []).length);

  // The first SEL poll of every server publishes the history (the fleet is fresh: usually none).
  if (
    !(await waitFor('the first SEL poll of every BMC', () => historyPoll.size >= N, first + 60_000))
  ) {
    throw new Error(`no first SEL poll from every BMC; last log: ${log.last() || 'none'}`);
  }
  const history = [...recorded.values()].reduce((n, l) => n + l.length, 0);
  console.log(`first SEL poll of every BMC seen; ${history} pre-existing entries left out`);

  const rows: string[] = [];
  for (let j = 0; j < INTERVALS.length; j++) {
    const interval = INTERVALS[j] as number;
    // Adds: uniformly random times in the window, each to a random BMC, serialised per BMC.
    const count = Math.round((WINDOW_MS / 1000) * RATE);
    const offsets = Array.from({ length: count }, () => Math.random() * WINDOW_MS).sort(
      (a, b) => a - b,
    );
    const chains = new Map<number, Promise<void>>();
    const start = Date.now();
    for (const off of offsets) {
      await sleep(Math.max(0, start + off - Date.now()));
      const b = f.bmcs[Math.floor(Math.random() * f.bmcs.length)] ?? f.bmcs[0];
      if (b === undefined) break;
      const prev = chains.get(b.index) ?? Promise.resolve();
      chains.set(
        b.index,
        prev.then(async () => {
          const t0 = Date.now();
          try {
            await f.addSel(b.index, 'temp', 1);
            const list = added.get(b.index) ?? [];
            list.push({ phase: j, at: Date.now(), tookMs: Date.now() - t0 });
            added.set(b.index, list);
          } catch (err) {
            addFailures++;
            console.log(`  addSel bmc${b.index} failed: ${(err as Error).message}`);
          }
        }),
      );
    }
    await Promise.all(chains.values());
    const end = Date.now();

    // Stragglers; when the next interval is not shorter, re-import at once: the scheduler
    // keeps the next (old-grid) slot when an interval grows, so the straggler polls are the
    // same, and the wait for the first poll on the new grid overlaps with them.
    const next = INTERVALS[j + 1];
    const straggle = interval + 60_000;
    let reimportAt: number | null = null;
    if (next !== undefined && next >= interval) {
      reimportAt = Date.now();
      await reimport(next);
    }
    await waitFor(`the entries added at ${interval / 1000} s`, allMatched, straggle);
    const settled = Date.now();
    if (next !== undefined && reimportAt === null) {
      reimportAt = Date.now();
      await reimport(next);
    }

    // Results of this phase (matched by order per BMC).
    const lat: number[] = [];
    const entryPolls = new Set<string>();
    let expected = 0;
    for (const b of f.bmcs) {
      const adds = added.get(b.index) ?? [];
      const recs = fresh(serverIdOf(b.index));
      adds.forEach((a, k) => {
        if (a.phase !== j) return;
        expected++;
        const r = recs[k];
        if (r === undefined) return;
        lat.push(r.at - a.at);
        if (r.pollId !== null) entryPolls.add(r.pollId);
      });
    }
    const pollsOfEntries = selPolls
      .filter((p) => entryPolls.has(p.pollId))
      .map((p) => p.durationMs);
    const pollsInWindow = selPolls.filter((p) => p.startedAt >= start && p.startedAt <= settled);
    const failedPolls = pollsInWindow.filter((p) => p.outcome !== 'OK').length;
    const pollMs = median(pollsOfEntries);
    const baseline = interval / 2 + pollMs;
    const p50 = percentile(lat, 0.5);
    const addMs = median(
      f.bmcs.flatMap((b) =>
        (added.get(b.index) ?? []).filter((a) => a.phase === j).map((a) => a.tookMs),
      ),
    );
    rows.push(
      [
        `${interval / 1000} s`.padStart(8),
        String(expected).padStart(5),
        String(lat.length).padStart(7),
        fmt(p50).padStart(7),
        fmt(percentile(lat, 0.9)).padStart(7),
        fmt(percentile(lat, 0.99)).padStart(7),
        fmt(Math.max(...lat)).padStart(7),
        fmt(baseline).padStart(9),
        fix(p50 / baseline, 2).padStart(7),
        `${fmt(pollMs)} / ${fmt(median(pollsInWindow.map((p) => p.durationMs)))}`.padStart(11),
        `${pollsInWindow.length}${failedPolls > 0 ? ` (${failedPolls} not OK)` : ''}`.padStart(6),
        fmt(addMs).padStart(6),
      ].join('  '),
    );
    console.log(
      `interval ${interval / 1000} s: ${lat.length} of ${expected} entries matched, p50 ${fmt(p50)} ms (${fix((end - start) / 1000)} s of adds, ${fix((settled - end) / 1000)} s for stragglers)`,
    );
    if (next !== undefined && reimportAt !== null) {
      const t = reimportAt;
      await waitFor(
        `a SEL poll of every BMC at ${next / 1000} s`,
        () => pollsSince(t),
        interval + next + 60_000,
      );
    }
  }

  console.log(`\nlatency from fleet.addSel returning to the SelEntryRecorded being consumed, ms:`);
  console.log(
    [
      'interval'.padStart(8),
      'adds'.padStart(5),
      'matched'.padStart(7),
      'p50'.padStart(7),
      'p90'.padStart(7),
      'p99'.padStart(7),
      'max'.padStart(7),
      'I/2+poll'.padStart(9),
      'p50/bl'.padStart(7),
      'poll ms e/all'.padStart(11),
      'polls'.padStart(6),
      'add ms'.padStart(6),
    ].join('  '),
  );
  for (const r of rows) console.log(r);
  console.log(
    `I/2+poll: the expected p50 (baseline), with poll = median PollCompleted.durationMs of the SEL polls that ` +
      `published an added entry ("e"; "all" = every SEL poll in the phase). polls = SEL polls started in the phase. ` +
      `add ms = median time fleet.addSel took (the entry is in the SEL when it returns; latency counts from then). ` +
      `The collector waits up to ${GATHER_MS} ms (gather) before starting due polls.`,
  );
  const extra = ids
    .map((id) => {
      const idx = Number(id.slice(id.lastIndexOf('-') + 1));
      return fresh(id).length - (added.get(idx) ?? []).length;
    })
    .reduce((a, b) => a + Math.max(0, b), 0);
  if (addFailures > 0 || extra > 0) {
    console.log(
      `warning: ${addFailures} failed adds, ${extra} more SelEntryRecorded than adds: order matching may be off`,
    );
  }
  const kafkajs = log.kafkajsSummary();
  if (kafkajs.length > 0) {
    console.log(`\nkafkajs log lines (retried by the client; not failures of the run):`);
    for (const l of kafkajs) console.log(`  ${l}`);
  }
} finally {
  if (collector !== undefined) await collector.stop();
  if (consumer !== undefined) await consumer.stop();
  if (seam !== undefined) {
    await seam.deleteTopics([...COLLECTOR_TOPICS]).catch(() => undefined);
    await seam.close();
  }
  if (fleet !== undefined) await fleet.stopAll();
  await rm(work, { recursive: true, force: true });
}
