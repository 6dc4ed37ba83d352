/**
 * The stream processor (`ipmi-monitor streams`: classification, alert lifecycle and insight
 * rules, exactly once) on one core: events per second, against the raw consume rate of the
 * same topics on the same core; and the latency from a SEL entry entering Kafka to its alert
 * being visible, against the SEL topic's own produce → visible time. Baselines are measured
 * in the same run: the ratios are the figures, because absolute rates on a shared 2-core
 * machine swing from run to run.
 *
 * Throughput:
 *  - one input, produced first into a fresh topic prefix (lib/streams-feed.ts: --servers
 *    servers polled every 30 s, 25 readings per server per round with a few threshold
 *    crossings and recoveries, SEL entries with assert/deassert pairs, sensor and SEL
 *    PollCompleted, a few BMC outages; rounds until --events), on the processor's inputs
 *    (STREAMS_INPUTS, 6 partitions each);
 *  - per rep (--reps) three legs, each a child process pinned with `taskset -c <core>` that
 *    reads everything from the beginning in a fresh consumer group, in an order rotated per
 *    rep so that drift hits all three:
 *      bytes      seam.consumeBytes with a no-op handler (the ceiling: fetch + commit only),
 *      decoded    seam.consumeRaw with a no-op handler (+ Avro decoding),
 *      processor  cli/src/main.ts `streams`, the product process as shipped; before each
 *                 processor leg but the first, its changelog and output topics are deleted
 *                 and re-created, so with the fresh group (offsets, transactional ids) it
 *                 starts from nothing again and must produce the same output every rep;
 *  - the parent polls the group's committed offsets (seam.lag) every --poll-ms: a leg's
 *    window runs from the first poll that sees a commit to the first that sees lag 0, and
 *    its rate is the lag left at the window's start over the window (start-up, group join
 *    and the first batch are outside it). The processor's /metrics (HTTP_PORT, a free port)
 *    is scraped at the end for transactions, alert and insight events and state writes; the
 *    child's CPU time comes from /proc.
 *
 * Latency (fresh prefix): a processor child on the same core, caught up; then --samples
 * single SelEntryRecorded at --rate per second over --lat-servers servers, alternating per
 * server a critical assertion (PROCESSOR IERR, then memory uncorrectable ECC) and its
 * deassertion, each of which raises or resolves an alert (event time steps 2 h, so the
 * flapping hold never delays a resolution). Per sample: the moment the alert (AlertRaised
 * whose evidenceEventIds[0], or AlertResolved whose resolvingEventId, is the entry) reaches a
 * read_committed consumer on ipmi.alerts.v1, minus the moment the entry's send was
 * acknowledged; the baseline is the same entry reaching a consumer on ipmi.sel.v1. Both
 * consumers run in this (unpinned) process with the seam's settings; a warm-up cycle on a
 * separate server first registers the schemas and fills the caches.
 *
 *   npm run bench:streams                  # stack running (npm run stack start)
 *   npm run bench:streams -- --events 200000 --servers 300 --reps 3 --samples 300 --rate 20
 *   npm run bench:streams -- --phases latency --core 1 --lat-servers 50
 *   npm run bench:streams -- --reps 1 --phases throughput --cpu-prof /tmp/prof --keep-logs
 *
 * --cpu-prof DIR writes the processor children's V8 CPU profiles there; --keep-logs keeps the
 * children's output (printed path). Prints figures; asserts nothing. Deletes its topics and
 * stops its child processes, on errors and Ctrl-C too.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, rmSync, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { connectSeam, type ConsumerHandle, type Seam } from '@ipmi-monitor/runtime';
import { stackEnv } from '@ipmi-monitor/runtime/testing';
import { topicNames } from '@ipmi-monitor/schemas';
import { STREAMS_CHANGELOG, STREAMS_INPUTS } from '@ipmi-monitor/streams';
import { benchLogger } from './lib/log.js';
import { fix, fmt, median, percentile, sleep } from './lib/stats.js';
import {
  FEED_T0,
  LATENCY_SEL_KINDS,
  produceFeed,
  selEntry,
  serverConfigured,
  SENSORS_PER_SERVER,
  type FeedSummary,
} from './lib/streams-feed.js';
import { machineCpuMs, machineLine, pidCpuMs } from './lib/system.js';

// kafkajs (2.2) sets a timer from a stale timestamp on every connection, which Node 24 warns
// about once per process (cli/src/main.ts drops it the same way); every other warning shows.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'TimeoutNegativeWarning') process.stderr.write(`${w.name}: ${w.message}\n`);
});

const repo = new URL('../', import.meta.url).pathname;
const self = new URL(import.meta.url).pathname;
const cliMain = join(repo, 'cli/src/main.ts');

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    servers: { type: 'string', default: '300' },
    reps: { type: 'string', default: '3' },
    samples: { type: 'string', default: '300' },
    rate: { type: 'string', default: '20' },
    'lat-servers': { type: 'string', default: '50' },
    core: { type: 'string', default: '0' },
    'poll-ms': { type: 'string', default: '100' },
    phases: { type: 'string', default: 'throughput,latency' },
    seed: { type: 'string', default: '7' },
    'keep-logs': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    // Child mode: a raw consumer leg (spawned by this script).
    'consume-only': { type: 'string' },
    prefix: { type: 'string' },
    group: { type: 'string' },
  },
});

const INPUTS = [...STREAMS_INPUTS];
/** What the processor writes: its changelog and its output topics. */
const PROCESSOR_OUTPUTS = [STREAMS_CHANGELOG, 'ipmi.alerts.v1', 'ipmi.insights.v1'];
type LegKind = 'bytes' | 'decoded' | 'processor';
const LEGS: readonly LegKind[] = ['bytes', 'decoded', 'processor'];

/** Child mode: consume the inputs from the beginning with a no-op handler until SIGTERM. */
async function consumeOnly(mode: string, prefix: string, group: string): Promise<void> {
  if (mode !== 'bytes' && mode !== 'decoded') throw new Error(`--consume-only ${mode}?`);
  const seam = await connectSeam({
    ...stackEnv(),
    clientId: `bench-consume-${mode}`,
    logger: pino({ level: 'warn' }, pino.destination(2)),
    topicPrefix: prefix,
  });
  const options = { groupId: group, topics: INPUTS, fromBeginning: true, lagIntervalMs: 0 };
  const noop = () => Promise.resolve();
  const consumer =
    mode === 'bytes'
      ? await seam.consumeBytes(options, noop)
      : await seam.consumeRaw(options, noop);
  const stop = () => {
    void consumer
      .stop()
      .then(() => seam.close())
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // Orphaned (the bench died without stopping us): stop too.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop();
  }, 1000);
}

interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<number | null>;
  /** Tail of stdout + stderr. */
  tail: string;
  /** Whole lines seen, for the log summary and readiness. */
  readonly lines: string[];
}

interface ProcessorFigures {
  readonly transactions: number;
  readonly aborted: number;
  readonly messages: number;
  readonly alerts: Readonly<Record<string, number>>;
  readonly insights: Readonly<Record<string, number>>;
  readonly stateWrites: number;
  readonly restoreMs: number;
  readonly meanTxMs: number;
  readonly rssMb: number;
}

interface Leg {
  readonly kind: LegKind;
  /** Spawn → first commit seen. */
  readonly startupMs: number;
  readonly events: number;
  readonly windowMs: number;
  readonly rate: number;
  /** The child's CPU over the window / wall time (1 = its core fully busy). */
  readonly cpuShare: number;
  /** Busy share of the whole machine over the window (all cores). */
  readonly machineBusy: number;
  readonly processor: ProcessorFigures | null;
}

async function main(): Promise<void> {
  const EVENTS = Number(args.events);
  const SERVERS = Number(args.servers);
  const REPS = Number(args.reps);
  const SAMPLES = Number(args.samples);
  const RATE = Number(args.rate);
  const LAT_SERVERS = Number(args['lat-servers']);
  const CORE = Number(args.core);
  const POLL_MS = Number(args['poll-ms']);
  const SEED = Number(args.seed);
  const PHASES = new Set(args.phases.split(',').map((s) => s.trim()));
  const env = stackEnv();
  const log = benchLogger();
  const logger = log.logger;

  const pinned = spawnSync('taskset', ['-c', String(CORE), 'true']).status === 0;
  const work = await mkdtemp(join(tmpdir(), 'ipmi-bench-streams-'));
  const children = new Set<Child>();
  /** Seams whose prefixed topics are to be deleted at the end. */
  const live = new Set<Seam>();

  const newPrefix = () => `bench-${randomUUID().slice(0, 8)}-`;

  function spawnPinned(
    name: string,
    argv: string[],
    extraEnv: Record<string, string>,
    nodeFlags: string[] = [],
  ): Child {
    const node = [
      process.execPath,
      ...nodeFlags,
      '--conditions=ipmi-source',
      '--import',
      'tsx',
      ...argv,
    ];
    if (interrupted) throw new Error('interrupted');
    const [cmd, ...rest] = pinned ? ['taskset', '-c', String(CORE), ...node] : node;
    const proc = spawn(cmd as string, rest, {
      cwd: repo,
      env: { ...process.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (proc.pid === undefined) throw new Error(`could not start ${name}`);
    const file: WriteStream = createWriteStream(join(work, `${name}.log`));
    const child: Child = {
      name,
      proc,
      pid: proc.pid,
      exited: new Promise((r) => proc.on('exit', (code) => r(code))),
      tail: '',
      lines: [],
    };
    let partial = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      file.write(text);
      child.tail = (child.tail + text).slice(-20_000);
      const parts = (partial + text).split('\n');
      partial = parts.pop() ?? '';
      for (const l of parts) if (l.trim() !== '') child.lines.push(l);
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    void child.exited.then(() => file.end());
    children.add(child);
    return child;
  }

  async function stopChild(child: Child): Promise<void> {
    if (child.proc.exitCode === null && child.proc.signalCode === null) {
      child.proc.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const killed = await Promise.race([
        child.exited.then(() => false),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(true), 15_000))),
      ]);
      clearTimeout(timer);
      if (killed) {
        console.log(`  (${child.name} did not stop within 15 s of SIGTERM: SIGKILL)`);
        child.proc.kill('SIGKILL');
      }
    }
    await child.exited;
    children.delete(child);
  }

  const dead = (c: Child) => c.proc.exitCode !== null || c.proc.signalCode !== null;
  const failure = (c: Child, what: string) =>
    new Error(`${c.name}: ${what}; its output ends with:\n${c.tail.slice(-4000)}`);

  async function cleanup(): Promise<void> {
    await Promise.all([...children].map((c) => stopChild(c)));
    for (const seam of live) {
      await seam.deleteTopics(topicNames).catch((err: unknown) => {
        console.log(`  (deleting topics failed: ${(err as Error).message})`);
      });
      await seam.close();
    }
    live.clear();
  }

  // Ctrl-C: no child and no topic outlives the bench. The measuring code is not unwound:
  // the children are killed, no new one starts, the topics go, and the process exits.
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    console.log(`\n${signal}: killing the children, deleting the topics`);
    for (const c of children) c.proc.kill('SIGKILL');
    setTimeout(() => process.exit(130), 30_000).unref();
    void Promise.all([...live].map((seam) => seam.deleteTopics(topicNames)))
      .catch((err: unknown) => console.log(`  (deleting topics failed: ${String(err)})`))
      .finally(() => {
        if (!args['keep-logs']) rmSync(work, { recursive: true, force: true });
        process.exit(130);
      });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  async function connect(prefix: string): Promise<Seam> {
    const seam = await connectSeam({
      brokers: env.brokers,
      registryUrl: env.registryUrl,
      clientId: 'bench-streams',
      logger,
      topicPrefix: prefix,
    });
    live.add(seam);
    const t = performance.now();
    // Every topic of the map, as a deployment has them: the processor writes alerts and
    // insights but creates only its inputs and changelog, and a missing output topic fails
    // each of its transactions.
    await seam.ensureTopics();
    console.log(`  (topics of ${prefix} created in ${fix((performance.now() - t) / 1000)} s)`);
    return seam;
  }

  async function dropSeam(seam: Seam): Promise<void> {
    await seam.deleteTopics(topicNames);
    live.delete(seam);
    await seam.close();
  }

  /** Deletes and re-creates what the processor writes; resolves once they are empty. */
  async function resetOutputs(seam: Seam): Promise<void> {
    await seam.deleteTopics(PROCESSOR_OUTPUTS);
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await seam.ensureTopics(PROCESSOR_OUTPUTS);
        const left = await Promise.all(
          PROCESSOR_OUTPUTS.map((t) => seam.readAll(t, { timeoutMs: 5000 })),
        );
        if (left.every((l) => l.length === 0)) return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
      if (Date.now() > deadline) throw new Error('processor outputs not empty after re-creation');
      await sleep(500);
    }
  }

  function startProcessor(name: string, prefix: string, group: string, port: number): Child {
    const prof = args['cpu-prof'];
    return spawnPinned(
      name,
      [cliMain, 'streams'],
      {
        IPMI_TOPIC_PREFIX: prefix,
        IPMI_STREAMS_GROUP: group,
        IPMI_STREAMS_ID: name,
        HTTP_PORT: String(port),
        LOG_LEVEL: 'info',
      },
      prof === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${prof}`],
    );
  }

  async function waitForLine(c: Child, text: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = c.lines.find((l) => l.includes(text));
      if (line !== undefined) return line;
      if (dead(c)) throw failure(c, `exited (${c.proc.exitCode ?? c.proc.signalCode})`);
      if (Date.now() > deadline) throw failure(c, `no "${text}" within ${timeoutMs / 1000} s`);
      await sleep(50);
    }
  }

  async function runLeg(kind: LegKind, seam: Seam, prefix: string, total: number): Promise<Leg> {
    const group = `bench-${kind}-${randomUUID().slice(0, 8)}`;
    const port = kind === 'processor' ? await freePort() : 0;
    const spawnedAt = performance.now();
    const child =
      kind === 'processor'
        ? startProcessor(`processor-${group}`, prefix, group, port)
        : spawnPinned(
            `consume-${kind}-${group}`,
            [self, '--consume-only', kind, '--prefix', prefix, '--group', group],
            {},
          );
    try {
      const timeoutMs = 120_000 + total; // generous: 1 ms per event on top of start-up
      let first: { at: number; lag: number; cpu: number; m: { busy: number; total: number } };
      for (;;) {
        if (dead(child)) {
          throw failure(child, `exited (${child.proc.exitCode ?? child.proc.signalCode})`);
        }
        const lag = (await seam.lag(group, INPUTS)).reduce((n, l) => n + l.lag, 0);
        const at = performance.now();
        if (lag < total) {
          first = { at, lag, cpu: pidCpuMs(child.pid), m: machineCpuMs() };
          break;
        }
        if (at - spawnedAt > timeoutMs) throw failure(child, 'no commit');
        await sleep(POLL_MS);
      }
      let end: { at: number; cpu: number; m: { busy: number; total: number } };
      for (;;) {
        await sleep(POLL_MS);
        if (dead(child)) {
          throw failure(child, `exited (${child.proc.exitCode ?? child.proc.signalCode})`);
        }
        const lag = (await seam.lag(group, INPUTS)).reduce((n, l) => n + l.lag, 0);
        const at = performance.now();
        if (lag === 0) {
          end = { at, cpu: pidCpuMs(child.pid), m: machineCpuMs() };
          break;
        }
        if (at - spawnedAt > timeoutMs) throw failure(child, `lag ${lag} after ${timeoutMs} ms`);
      }
      const windowMs = end.at - first.at;
      let processor: ProcessorFigures | null = null;
      if (kind === 'processor') {
        // Counters move right after a commit; the last one may trail the offsets by a moment.
        await sleep(300);
        processor = processorFigures(await scrape(port));
      }
      return {
        kind,
        startupMs: first.at - spawnedAt,
        events: first.lag,
        windowMs,
        rate: first.lag / (windowMs / 1000),
        cpuShare: (end.cpu - first.cpu) / windowMs,
        machineBusy: (end.m.busy - first.m.busy) / (end.m.total - first.m.total),
        processor,
      };
    } finally {
      await stopChild(child);
    }
  }

  // ----- header -----
  console.log(
    `streams throughput + SEL→alert latency: the stream processor (ipmi-monitor streams) on one core`,
  );
  console.log(machineLine());
  console.log(
    `node ${process.version}; broker ${env.brokers.join(',')}, registry ${env.registryUrl}`,
  );
  console.log(
    pinned
      ? `children pinned with taskset -c ${CORE}; Kafka, the registry and this process are not pinned (they share the machine)`
      : `taskset not available: children NOT pinned (figures are for whatever cores the scheduler gives)`,
  );
  console.log(
    `config: --events ${fmt(EVENTS)} --servers ${SERVERS} (${SENSORS_PER_SERVER} readings per server per round) --reps ${REPS} ` +
      `--samples ${SAMPLES} --rate ${RATE}/s --lat-servers ${LAT_SERVERS} --poll-ms ${POLL_MS} --seed ${SEED} --phases ${[...PHASES].join(',')}`,
  );
  console.log(
    `product settings in play: processor fetch maxWaitTimeInMs 1000 (processor.ts), session 10 s; ` +
      `seam consumers use kafkajs defaults (maxWaitTimeInMs 5000, minBytes 1); one transaction per input batch`,
  );

  const legs: Leg[][] = [];
  let feed: FeedSummary | undefined;
  let latency: LatencyFigures | undefined;
  try {
    if (PHASES.has('throughput')) {
      // One input for every rep; before each processor leg but the first, the processor's
      // changelog and output topics are deleted and created anew, so that with a fresh group
      // (fresh offsets and transactional ids) it starts from nothing again.
      const prefix = newPrefix();
      const seam = await connect(prefix);
      const producer = await seam.producer();
      const t0 = performance.now();
      feed = await produceFeed(producer, { servers: SERVERS, events: EVENTS, seed: SEED });
      const produceMs = performance.now() - t0;
      await producer.close();
      const types = Object.entries(feed.byType)
        .map(([t, n]) => `${t} ${fmt(n)}`)
        .join(', ');
      console.log(
        `\ninput (prefix ${prefix}): ${fmt(feed.total)} events in ${feed.rounds} rounds of 30 s (${types}); ` +
          `${feed.episodes} sensor episodes, ${feed.selAlerting} alerting SEL assertions, ${feed.outages} BMC outages; ` +
          `produced in ${fix(produceMs / 1000)} s (${fmt(feed.total / (produceMs / 1000))} events/s)`,
      );
      let processed = false;
      for (let r = 0; r < REPS; r++) {
        console.log(`rep ${r + 1}/${REPS}:`);
        const order = LEGS.map((_, i) => LEGS[(i + r) % LEGS.length] as LegKind);
        const rep: Leg[] = [];
        for (const kind of order) {
          if (kind === 'processor' && processed) {
            const t = performance.now();
            await resetOutputs(seam);
            console.log(
              `  (processor outputs deleted and re-created in ${fix((performance.now() - t) / 1000)} s)`,
            );
          }
          const leg = await runLeg(kind, seam, prefix, feed.total);
          if (kind === 'processor') processed = true;
          rep.push(leg);
          console.log(`  ${legLine(leg)}`);
          if (leg.processor !== null) console.log(`             ${processorLine(leg.processor)}`);
        }
        legs.push(rep);
      }
      await dropSeam(seam);
    }
    if (PHASES.has('latency')) latency = await latencyPhase();
  } finally {
    await cleanup();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    if (args['keep-logs']) console.log(`child logs kept in ${work}`);
    else await rm(work, { recursive: true, force: true });
  }

  // ----- summary -----
  console.log(`\n===== summary =====`);
  if (legs.length > 0 && feed !== undefined) {
    const rates = (k: LegKind) => legs.map((rep) => rep.find((l) => l.kind === k)?.rate ?? NaN);
    const bytes = median(rates('bytes'));
    const decoded = median(rates('decoded'));
    const proc = median(rates('processor'));
    const procLegs = legs.flatMap((rep) => rep.filter((l) => l.kind === 'processor'));
    const figs = procLegs.map((l) => l.processor).filter((p): p is ProcessorFigures => p !== null);
    console.log(
      `throughput on one core (${pinned ? `taskset -c ${CORE}` : 'NOT pinned'}), ${fmt(feed.total)} input events, median of ${legs.length} rep(s):`,
    );
    const row = (label: string, k: LegKind, v: number) =>
      console.log(
        `  ${label.padEnd(34)} ${fmt(v).padStart(8)} events/s   (reps: ${rates(k).map(fmt).join(', ')}; ` +
          `child CPU ${legs.map((rep) => fix((rep.find((l) => l.kind === k)?.cpuShare ?? NaN) * 100, 0)).join('/')} % of its core)`,
      );
    row('raw consume, bytes (no-op)', 'bytes', bytes);
    row('raw consume, decoded (no-op)', 'decoded', decoded);
    row('processor (streams, exactly once)', 'processor', proc);
    console.log(
      `  ratio processor / raw bytes = ${fix(proc / bytes, 3)}; processor / raw decoded = ${fix(proc / decoded, 3)}; decoded / bytes = ${fix(decoded / bytes, 3)}`,
    );
    if (figs.length > 0) {
      const perRep = (pick: (f: ProcessorFigures) => Readonly<Record<string, number>>) => {
        const types = [...new Set(figs.flatMap((f) => Object.keys(pick(f))))].sort();
        const totals = figs.map((f) => Object.values(pick(f)).reduce((a, b) => a + b, 0));
        const split = types.map((t) => `${t} ${figs.map((f) => pick(f)[t] ?? 0).join('/')}`);
        return { totals, text: `${totals.map(fmt).join(', ')} (${split.join(', ') || 'none'})` };
      };
      const alerts = perRep((f) => f.alerts);
      const insights = perRep((f) => f.insights);
      console.log(
        `  processor per rep: transactions ${figs.map((f) => fmt(f.transactions)).join(', ')} ` +
          `(median ${fmt(median(figs.map((f) => f.messages / f.transactions)))} events per transaction, ` +
          `mean transaction ${fix(median(figs.map((f) => f.meanTxMs)))} ms incl. commit); ` +
          `aborted ${figs.map((f) => f.aborted).join(', ')}`,
      );
      console.log(`  alert events per rep: ${alerts.text}`);
      console.log(`  insight events per rep: ${insights.text}`);
      console.log(`  state writes per rep: ${figs.map((f) => fmt(f.stateWrites)).join(', ')}`);
      if (new Set(alerts.totals).size > 1 || new Set(insights.totals).size > 1) {
        console.log(`  NOTE: output counts differ between reps for the same input`);
      }
      const short = figs.filter((f) => f.messages !== feed?.total);
      if (short.length > 0) {
        console.log(
          `  NOTE: processor messages_total ${figs.map((f) => f.messages).join(', ')} vs ${feed.total} input events`,
        );
      }
      console.log(
        `  processor start-up (spawn → first commit) ${procLegs.map((l) => fix(l.startupMs / 1000)).join(', ')} s ` +
          `(restore ${figs.map((f) => fix(f.restoreMs, 0)).join(', ')} ms); RSS at the end ${figs.map((f) => fmt(f.rssMb)).join(', ')} MB`,
      );
    }
    console.log(
      `  machine busy during the windows (all cores): ${legs
        .map((rep) => rep.map((l) => `${l.kind} ${fix(l.machineBusy * 100, 0)}%`).join(' '))
        .join(' | ')}`,
    );
  }
  if (latency !== undefined) {
    const l = latency;
    const p = (xs: number[], q: number) => fix(percentile(xs, q), 1);
    console.log(
      `SEL entry → visible to a read_committed consumer, ${l.matched}/${l.samples} samples at ${RATE}/s ` +
        `(${l.missing} without an alert${l.missingSel > 0 ? `, ${l.missingSel} not seen on the SEL topic` : ''}), ms from the send's ack:`,
    );
    console.log(
      `  ${''.padEnd(38)} ${'p50'.padStart(8)} ${'p90'.padStart(8)} ${'p99'.padStart(8)} ${'max'.padStart(8)}`,
    );
    const line = (label: string, xs: number[]) =>
      console.log(
        `  ${label.padEnd(38)} ${p(xs, 0.5).padStart(8)} ${p(xs, 0.9).padStart(8)} ${p(xs, 0.99).padStart(8)} ${fix(Math.max(...xs), 1).padStart(8)}`,
      );
    line('ipmi.sel.v1, no processing (baseline)', l.sel);
    line('ipmi.alerts.v1 (processor), all', l.alert);
    line('  AlertRaised (assertions)', l.raised);
    line('  AlertResolved (deassertions)', l.resolved);
    const d50 = percentile(l.alert, 0.5) - percentile(l.sel, 0.5);
    const d99 = percentile(l.alert, 0.99) - percentile(l.sel, 0.99);
    console.log(
      `  processor adds p50 +${fix(d50, 1)} ms, p99 +${fix(d99, 1)} ms; ratio p50 alert/baseline = ${fix(percentile(l.alert, 0.5) / percentile(l.sel, 0.5), 1)}`,
    );
    console.log(
      `  processor during the samples: ${fmt(l.fig.transactions)} transactions for ${fmt(l.fig.messages)} input events, mean transaction ${fix(l.fig.meanTxMs)} ms incl. commit`,
    );
  }
  for (const s of summaries) console.log(s);
  const kafkajs = log.kafkajsSummary();
  if (kafkajs.length > 0) {
    console.log(
      `kafkajs log lines of this process (retried by the client; not failures of the run):`,
    );
    for (const k of kafkajs) console.log(`  ${k}`);
  }

  // ----- latency phase -----
  interface LatencyFigures {
    readonly samples: number;
    readonly matched: number;
    readonly missing: number;
    readonly missingSel: number;
    readonly sel: number[];
    readonly alert: number[];
    readonly raised: number[];
    readonly resolved: number[];
    readonly fig: ProcessorFigures;
  }

  async function latencyPhase(): Promise<LatencyFigures> {
    const prefix = newPrefix();
    console.log(`\nlatency (prefix ${prefix}):`);
    const seam = await connect(prefix);
    const producer = await seam.producer();
    const servers = Array.from({ length: LAT_SERVERS }, (_, i) => `bench-lat-${i}`);
    const warm = 'bench-lat-warm';
    await producer.send(
      'ipmi.servers.v1',
      [...servers, warm].map((id, i) => serverConfigured(id, i)),
    );
    const group = `bench-lat-${randomUUID().slice(0, 8)}`;
    const port = await freePort();
    const spawnedAt = performance.now();
    const child = startProcessor(`processor-${group}`, prefix, group, port);
    try {
      await waitForLine(child, 'stream processor ready', 120_000);
      console.log(`  processor ready ${fix((performance.now() - spawnedAt) / 1000)} s after spawn`);
      const selSeen = new Map<string, number>();
      const alertSeen = new Map<string, number>();
      const consumers: ConsumerHandle[] = [];
      try {
        consumers.push(
          await seam.consume(
            {
              groupId: `bench-lat-sel-${randomUUID().slice(0, 8)}`,
              topics: ['ipmi.sel.v1'],
              lagIntervalMs: 0,
            },
            (m) => {
              const at = performance.now();
              if (m.event.type === 'SelEntryRecorded') selSeen.set(m.event.value.eventId, at);
              return Promise.resolve();
            },
          ),
        );
        consumers.push(
          await seam.consume(
            {
              groupId: `bench-lat-alerts-${randomUUID().slice(0, 8)}`,
              topics: ['ipmi.alerts.v1'],
              lagIntervalMs: 0,
            },
            (m) => {
              const at = performance.now();
              const e = m.event;
              if (e.type === 'AlertRaised') {
                const id = e.value.evidenceEventIds[0];
                if (id !== undefined) alertSeen.set(id, at);
              } else if (e.type === 'AlertResolved' && e.value.resolvingEventId !== null) {
                alertSeen.set(e.value.resolvingEventId, at);
              }
              return Promise.resolve();
            },
          ),
        );
        await Promise.all(consumers.map((c) => c.ready));

        const recordIds = new Map<string, number>();
        const send = async (serverId: string, k: number) => {
          const cycle = Math.floor(k / 2);
          const recordId = (recordIds.get(serverId) ?? 0) + 1;
          recordIds.set(serverId, recordId);
          // Two hours of event time per step: the flapping rule (1 h window) never holds a
          // resolution back, so each deassertion resolves at once.
          const value = selEntry({
            serverId,
            eventId: `sel-${serverId}-${recordId}-${randomUUID().slice(0, 8)}`,
            recordId,
            occurredAt: FEED_T0 + k * 2 * 3_600_000,
            pollId: null,
            kind: LATENCY_SEL_KINDS[
              cycle % LATENCY_SEL_KINDS.length
            ] as (typeof LATENCY_SEL_KINDS)[number],
            direction: k % 2 === 0 ? 'ASSERTION' : 'DEASSERTION',
          });
          await producer.send('ipmi.sel.v1', [{ type: 'SelEntryRecorded', value }]);
          return { id: value.eventId, ack: performance.now(), raise: k % 2 === 0 };
        };
        const until = async (ok: () => boolean, ms: number) => {
          const deadline = Date.now() + ms;
          while (!ok() && Date.now() < deadline) {
            if (dead(child)) throw failure(child, 'exited');
            await sleep(20);
          }
          return ok();
        };
        // Warm-up: one raise/resolve on its own server (schemas registered, caches filled).
        for (let k = 0; k < 2; k++) {
          const w = await send(warm, k);
          if (!(await until(() => alertSeen.has(w.id), 60_000))) {
            throw failure(child, `no alert for the warm-up entry ${w.id} within 60 s`);
          }
        }
        const before = processorFigures(await scrape(port));

        const sent: { id: string; ack: number; raise: boolean }[] = [];
        const start = performance.now();
        for (let i = 0; i < SAMPLES; i++) {
          await sleep(Math.max(0, start + (i * 1000) / RATE - performance.now()));
          const serverId = servers[i % servers.length] as string;
          sent.push(await send(serverId, Math.floor(i / servers.length)));
        }
        await until(() => sent.every((s) => alertSeen.has(s.id) && selSeen.has(s.id)), 30_000);
        const after = processorFigures(await scrape(port));
        const matched = sent.filter((s) => alertSeen.has(s.id) && selSeen.has(s.id));
        const lat = (s: { id: string; ack: number }) => (alertSeen.get(s.id) as number) - s.ack;
        const fig: ProcessorFigures = {
          ...after,
          transactions: after.transactions - before.transactions,
          messages: after.messages - before.messages,
          meanTxMs:
            (after.meanTxMs * after.transactions - before.meanTxMs * before.transactions) /
            Math.max(1, after.transactions - before.transactions),
        };
        console.log(
          `  ${sent.length} entries sent in ${fix((performance.now() - start) / 1000)} s; ${matched.length} matched`,
        );
        return {
          samples: sent.length,
          matched: matched.length,
          missing: sent.filter((s) => !alertSeen.has(s.id)).length,
          missingSel: sent.filter((s) => !selSeen.has(s.id)).length,
          sel: matched.map((s) => (selSeen.get(s.id) as number) - s.ack),
          alert: matched.map(lat),
          raised: matched.filter((s) => s.raise).map(lat),
          resolved: matched.filter((s) => !s.raise).map(lat),
          fig,
        };
      } finally {
        for (const c of consumers) await c.stop();
        await producer.close();
      }
    } finally {
      summaries.push(...logSummary(child));
      await stopChild(child);
      await dropSeam(seam);
    }
  }
}

/** Lines about the processors' own logs (warnings and errors), printed with the summary. */
const summaries: string[] = [];

function logSummary(c: Child): string[] {
  const counts = new Map<string, number>();
  for (const l of c.lines) {
    try {
      const o = JSON.parse(l) as { level?: number; msg?: string; component?: string };
      if ((o.level ?? 0) < 40) continue;
      const key = `${o.level === 40 ? 'warn' : 'error'} ${o.component ?? ''}: ${o.msg ?? ''}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    } catch {
      if (/error|warn/i.test(l))
        counts.set(l.slice(0, 200), (counts.get(l.slice(0, 200)) ?? 0) + 1);
    }
  }
  if (counts.size === 0) return [];
  return [
    `${c.name} logged:`,
    ...[...counts].sort((a, b) => b[1] - a[1]).map(([m, n]) => `  ${n} × ${m}`),
  ];
}

function legLine(l: Leg): string {
  return (
    `${l.kind.padEnd(9)} ${fmt(l.rate).padStart(8)} events/s  (${fmt(l.events)} events in ${fix(l.windowMs / 1000, 2)} s after ` +
    `${fix(l.startupMs / 1000)} s of start-up; child CPU ${fix(l.cpuShare * 100, 0)}% of its core, machine ${fix(l.machineBusy * 100, 0)}% busy)`
  );
}

function processorLine(p: ProcessorFigures): string {
  const list = (r: Readonly<Record<string, number>>) =>
    Object.entries(r)
      .map(([t, n]) => `${t} ${fmt(n)}`)
      .join(', ') || 'none';
  return (
    `${fmt(p.transactions)} transactions (${fmt(p.messages / p.transactions)} events each, mean ${fix(p.meanTxMs)} ms), ` +
    `${p.aborted} aborted; alert events: ${list(p.alerts)}; insight events: ${list(p.insights)}; ` +
    `${fmt(p.stateWrites)} state writes; restore ${fix(p.restoreMs, 0)} ms; RSS ${fmt(p.rssMb)} MB`
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}

/** Samples of one metric in the Prometheus text format. */
function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (m?.[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) labels[l[1] as string] = l[2] ?? '';
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

function processorFigures(text: string): ProcessorFigures {
  const sum = (name: string, where: Record<string, string> = {}) =>
    samples(text, name)
      .filter((s) => Object.entries(where).every(([k, v]) => s.labels[k] === v))
      .reduce((n, s) => n + s.value, 0);
  const byType = (name: string) => {
    const out: Record<string, number> = {};
    for (const s of samples(text, name)) {
      const t = s.labels.type ?? '?';
      out[t] = (out[t] ?? 0) + s.value;
    }
    return out;
  };
  const txCount = sum('ipmi_streams_transaction_seconds_count');
  return {
    transactions: sum('ipmi_streams_transactions_total', { outcome: 'committed' }),
    aborted: sum('ipmi_streams_transactions_total', { outcome: 'aborted' }),
    messages: sum('ipmi_streams_messages_total'),
    alerts: byType('ipmi_streams_alert_events_total'),
    insights: byType('ipmi_streams_insight_events_total'),
    stateWrites: sum('ipmi_streams_state_writes_total'),
    restoreMs: sum('ipmi_streams_restore_seconds_sum') * 1000,
    meanTxMs: txCount > 0 ? (sum('ipmi_streams_transaction_seconds_sum') / txCount) * 1000 : NaN,
    rssMb: sum('process_resident_memory_bytes') / 1024 / 1024,
  };
}

if (args['consume-only'] !== undefined) {
  await consumeOnly(args['consume-only'], args.prefix ?? '', args.group ?? 'bench');
} else {
  await main();
}
