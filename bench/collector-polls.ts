/**
 * Polls per second against a simulated BMC fleet (infra/bmc-sim, one ipmi_sim per BMC), one
 * poll = the sensors and the SEL of one BMC, three ways in the same run:
 *
 *  (a) one ipmitool process per command, the method of the tool IPMI Monitor replaces: a pool
 *      of workers, each taking the next BMC round-robin and running `ipmitool ... sensor`
 *      then `ipmitool ... sel elist` (the whole SEL: ipmitool has no range read);
 *  (b) raw FreeIPMI fan-out: in a loop, one `ipmi-sensors -h h1:p1,h2:p2,...` process over
 *      every BMC with `--always-prefix --fanout=F`, then one `ipmi-sel -h ...`; output is
 *      read and thrown away. Polls = BMCs × iterations;
 *  (c) the collector (collector/src/service/collector.ts): the fleet imported through
 *      servers.yaml with sensors and SEL at the collector's default interval, which this run
 *      sets to 1 ms (scheduler minIntervalMs 1, initial spread 0) so that it polls flat out,
 *      power and inventory off, maxConcurrent = BMCs. It runs the same FreeIPMI fan-out as
 *      (b), then parses, builds events and publishes each round in one Kafka transaction.
 *      Polls/s = the increase of stats.polls.SENSORS between two round completions.
 *
 * (a) and (b) use the product's own argv (drivers/ipmitool.ts `ipmitoolArgs`, drivers/
 * freeipmi.ts `freeipmiCommonArgs` + `sdrCacheArgs` + `freeipmiCommand`, the fan-out flags
 * of drivers/fanout.ts), the same target settings (ADMIN, cipher suite 3, opensesspriv,
 * the product's tool deadline), passwords in files only. Every BMC is seeded with
 * --sel-entries SEL records; (b) reads the SEL from the last of them, the range the
 * collector reads once its cursor is set, so (b) and (c) do the same IPMI work. The SDR
 * cache directory is shared by (b) and (c) and warmed before anything is measured.
 *
 * Legs run interleaved a, b, c per run so that drift on a noisy machine hits all three;
 * each has a warm-up, then a window of --seconds. Printed: polls/s per run and median, the
 * ratios c/a and c/b, CPU per poll (this process with its reaped children, and the whole
 * machine, which includes the simulators and Kafka: they share the cores), the machine's
 * busy share per leg, and the bench process's RSS while the collector runs.
 *
 *   npm run bench:collector                                   # stack running (npm run stack start)
 *   npm run bench:collector -- --bmcs 50 --seconds 20 --runs 3 --ipmitool-concurrency 16
 *
 * Prints figures; asserts nothing.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connectSeam, Registry, type Seam } from '@ipmi-monitor/runtime';
import { stackEnv, testPrefix } from '@ipmi-monitor/runtime/testing';
import {
  COLLECTOR_TOPICS,
  collectorConfig,
  CredentialStore,
  DEFAULT_SCHEDULER_CONFIG,
  generateKey,
  startCollector,
  validateSchedulerConfig,
  type BmcTarget,
  type SchedulerConfig,
} from '@ipmi-monitor/collector';
import { fleetTarget, type Fleet, type FleetBmc } from '@ipmi-monitor/collector/fleet';
import { startBenchFleet } from './lib/fleet.js';
// Not exported by @ipmi-monitor/collector: the drivers' argv builders, used so that the
// baselines run exactly the product's command lines.
import { freeipmiConfigText } from '../collector/src/drivers/credentials.js';
import {
  freeipmiCommand,
  freeipmiCommonArgs,
  sdrCacheArgs,
} from '../collector/src/drivers/freeipmi.js';
import { ipmitoolArgs } from '../collector/src/drivers/ipmitool.js';
import { fix, fmt, median, sleep } from './lib/stats.js';
import { benchLogger } from './lib/log.js';
import { importFleet } from './lib/servers.js';
import {
  CpuMeter,
  cpuDelta,
  machineLine,
  stackPids,
  toolsLine,
  type CpuDelta,
  type CpuSnapshot,
} from './lib/system.js';

const repo = new URL('../', import.meta.url).pathname;
const { values: args } = parseArgs({
  options: {
    bmcs: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '20' },
    runs: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '3' },
    'ipmitool-concurrency': { type: 'string', default: '16' },
    fanout: { type: 'string', default: String(collectorConfig.fanout.default) },
    'gather-ms': { type: 'string', default: String(collectorConfig.gatherMs.default) },
    'sel-entries': { type: 'string', default: '20' },
  },
});
const N = Number(args.bmcs);
const WINDOW_MS = Number(args.seconds) * 1000;
const RUNS = Number(args.runs);
const WARMUP_MS = Number(args.warmup) * 1000;
const IPMITOOL_C = Number(args['ipmitool-concurrency']);
const FANOUT = Number(args.fanout);
const GATHER_MS = Number(args['gather-ms']);
const SEL_ENTRIES = Number(args['sel-entries']);
const TOOL_TIMEOUT_MS = collectorConfig.toolTimeoutMs.default;
const CORES = availableParallelism();

const log = benchLogger();
const logger = log.logger;

const run = (file: string, argv: string[], timeoutMs: number) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      file,
      argv,
      { maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });

interface LegResult {
  readonly polls: number;
  readonly ms: number;
  readonly failed: number;
  readonly cpu: CpuDelta;
  /** Leg-specific detail for the "what limits" lines. */
  readonly detail: string;
  readonly rssMb?: { readonly median: number; readonly max: number; readonly before: number };
}
type Leg = 'a' | 'b' | 'c';
const LEG_NAMES: Record<Leg, string> = {
  a: `(a) ipmitool, one process per command, ${IPMITOOL_C} workers`,
  b: `(b) raw FreeIPMI fan-out, --fanout=${FANOUT}`,
  c: `(c) collector, fan-out ${FANOUT}, gather ${GATHER_MS} ms`,
};

const rate = (r: LegResult) => r.polls / (r.ms / 1000);

const target = (b: FleetBmc, sdrCacheDir: string): BmcTarget =>
  fleetTarget(b, { timeoutMs: TOOL_TIMEOUT_MS, sdrCacheDir });

// --- (a) ipmitool ----------------------------------------------------------------------------

async function legIpmitool(fleet: Fleet, targets: BmcTarget[], meter: CpuMeter) {
  let next = 0;
  let stop = false;
  let window: { from: number; to: number } | null = null;
  let polls = 0;
  let failed = 0;
  const latencies: number[] = [];
  const worker = async () => {
    while (!stop) {
      const i = next++ % targets.length;
      const t = targets[i] as BmcTarget;
      const pw = (fleet.bmcs[i] as FleetBmc).passwordFile;
      const t0 = performance.now();
      const s = await run('ipmitool', ipmitoolArgs('sensors', t, pw), TOOL_TIMEOUT_MS);
      const e = await run('ipmitool', ipmitoolArgs('sel', t, pw), TOOL_TIMEOUT_MS);
      const t1 = performance.now();
      if (window !== null && t1 >= window.from && t1 <= window.to) {
        polls++;
        latencies.push(t1 - t0);
        if (s.code !== 0 || e.code !== 0 || s.stdout === '') failed++;
      }
    }
  };
  const workers = Array.from({ length: IPMITOOL_C }, worker);
  await sleep(WARMUP_MS);
  const s0 = meter.snapshot();
  window = { from: s0.at, to: s0.at + WINDOW_MS };
  await sleep(WINDOW_MS);
  const s1 = meter.snapshot();
  stop = true;
  await Promise.all(workers);
  return {
    polls,
    ms: s1.at - s0.at,
    failed,
    cpu: cpuDelta(s0, s1),
    detail: `median poll (sensor + sel elist) ${fmt(median(latencies))} ms wall per BMC`,
  } satisfies LegResult;
}

// --- (b) raw FreeIPMI fan-out ----------------------------------------------------------------

function fanoutArgv(
  command: 'sensors' | 'sel',
  targets: BmcTarget[],
  configFile: string,
): { tool: string; argv: string[]; deadlineMs: number } {
  const spec = freeipmiCommand(
    command,
    command === 'sel' && SEL_ENTRIES > 0 ? { fromRecordId: SEL_ENTRIES } : {},
  );
  const first = targets[0] as BmcTarget;
  const hosts = targets.map((t) => `${t.host}:${t.port}`).join(',');
  const fanout = Math.max(1, Math.min(targets.length, FANOUT));
  return {
    tool: spec.tool,
    argv: [
      ...freeipmiCommonArgs(first, configFile, hosts),
      ...(spec.usesSdr ? sdrCacheArgs(first) : []),
      ...spec.args,
      '--always-prefix',
      `--fanout=${fanout}`,
    ],
    // As drivers/fanout.ts: a full per-host deadline per wave of `fanout` hosts.
    deadlineMs: TOOL_TIMEOUT_MS * Math.ceil(targets.length / fanout) + 1000,
  };
}

/** Hosts with error lines in a fan-out run (nothing at all on stdout counts as failed too). */
function failedHosts(out: { stdout: string; stderr: string }, targets: BmcTarget[]): number {
  const bad = new Set<string>();
  for (const t of targets) {
    const h = `${t.host}:${t.port}: `;
    if (out.stderr.includes(h)) bad.add(h);
  }
  if (out.stdout === '') return targets.length;
  return bad.size;
}

async function fanoutIteration(targets: BmcTarget[], configFile: string) {
  const t0 = performance.now();
  const s = fanoutArgv('sensors', targets, configFile);
  const sensors = await run(s.tool, s.argv, s.deadlineMs);
  const t1 = performance.now();
  const e = fanoutArgv('sel', targets, configFile);
  const sel = await run(e.tool, e.argv, e.deadlineMs);
  const t2 = performance.now();
  const failed = Math.max(failedHosts(sensors, targets), failedHosts(sel, targets));
  return { sensorsMs: t1 - t0, selMs: t2 - t1, failed, sensorsOut: sensors, selOut: sel };
}

async function legFanout(targets: BmcTarget[], configFile: string, meter: CpuMeter) {
  await fanoutIteration(targets, configFile); // warm-up
  const s0 = meter.snapshot();
  let iterations = 0;
  let failed = 0;
  const sensorsMs: number[] = [];
  const selMs: number[] = [];
  while (performance.now() - s0.at < WINDOW_MS) {
    const it = await fanoutIteration(targets, configFile);
    iterations++;
    failed += it.failed;
    sensorsMs.push(it.sensorsMs);
    selMs.push(it.selMs);
  }
  const s1 = meter.snapshot();
  return {
    polls: iterations * targets.length,
    ms: s1.at - s0.at,
    failed,
    cpu: cpuDelta(s0, s1),
    detail: `${iterations} iterations; median ipmi-sensors ${fmt(median(sensorsMs))} ms + ipmi-sel ${fmt(median(selMs))} ms wall for all ${targets.length} BMCs`,
  } satisfies LegResult;
}

// --- (c) the collector -----------------------------------------------------------------------

interface Sample {
  readonly polls: number;
  readonly rounds: number;
  readonly cpu: CpuSnapshot;
}

async function legCollector(
  seam: Seam,
  credentials: CredentialStore,
  sdrCacheDir: string,
  meter: CpuMeter,
) {
  const scheduler: SchedulerConfig = validateSchedulerConfig({
    ...DEFAULT_SCHEDULER_CONFIG,
    maxConcurrent: N,
    defaultIntervalsMs: { SENSORS: 1, SEL: 1, POWER: 0, INVENTORY: 0 },
    minIntervalMs: 1,
    initialSpreadMaxMs: 0,
  });
  const metrics = new Registry();
  const rssBefore = process.memoryUsage().rss;
  const collector = await startCollector({
    seam,
    credentials,
    logger,
    metrics,
    instanceId: 'bench',
    scheduler,
    toolTimeoutMs: TOOL_TIMEOUT_MS,
    sdrCacheDir,
    fanout: FANOUT,
    gatherMs: GATHER_MS,
  });
  const samples: Sample[] = [];
  const rss: number[] = [];
  let last = -1;
  const sampler = setInterval(() => {
    const polls = collector.stats.polls.SENSORS ?? 0;
    if (polls === last) return;
    last = polls;
    samples.push({ polls, rounds: collector.stats.rounds, cpu: meter.snapshot() });
  }, 20);
  const rssTimer = setInterval(() => rss.push(process.memoryUsage().rss), 250);
  const waitFor = async (what: string, ok: () => boolean, timeoutMs: number) => {
    const deadline = performance.now() + timeoutMs;
    while (!ok()) {
      if (performance.now() > deadline) {
        throw new Error(
          `collector: ${what} within ${timeoutMs / 1000} s (stats ${JSON.stringify(collector.stats)}; last log: ${log.last() || 'none'})`,
        );
      }
      await sleep(20);
    }
  };
  try {
    const started = performance.now();
    // Warm-up: the first round also reads SEL info and time (no cursor yet), so at least two.
    await waitFor(
      'no two poll rounds',
      () => collector.stats.rounds >= 2 && performance.now() - started >= WARMUP_MS,
      60_000 + WARMUP_MS,
    );
    const seen = samples.length;
    await waitFor('no round completion after the warm-up', () => samples.length > seen, 60_000);
    const s0 = samples[samples.length - 1] as Sample;
    await sleep(Math.max(0, s0.cpu.at + WINDOW_MS - performance.now()));
    // The last round completion inside the window (one more if a round outlasted it).
    const inWindow = samples.filter((s) => s.cpu.at <= s0.cpu.at + WINDOW_MS);
    let s1 = inWindow[inWindow.length - 1] as Sample;
    if (s1 === s0) {
      const n = samples.length;
      await waitFor('no round completion in the window', () => samples.length > n, 60_000);
      s1 = samples[samples.length - 1] as Sample;
    }
    const cpu = cpuDelta(s0.cpu, s1.cpu);
    const rounds = s1.rounds - s0.rounds;
    const outcomes = await pollOutcomes(metrics);
    const failed = Object.entries(outcomes)
      .filter(([k]) => !k.endsWith('/OK'))
      .reduce((sum, [, v]) => sum + v, 0);
    const cycle = cpu.wallMs / Math.max(1, rounds);
    return {
      polls: s1.polls - s0.polls,
      ms: cpu.wallMs,
      failed,
      cpu,
      detail:
        // Flat out every poll is overdue when its round ends, and the collector starts
        // overdue polls without the gather wait, so the cycle is tools + processing.
        `${rounds} rounds of ~${fmt((s1.polls - s0.polls) / Math.max(1, rounds))} polls, one every ${fmt(cycle)} ms; ` +
        `poll outcomes over the leg: ${Object.entries(outcomes)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      rssMb: {
        median: median(rss) / 2 ** 20,
        max: Math.max(...rss) / 2 ** 20,
        before: rssBefore / 2 ** 20,
      },
    } satisfies LegResult;
  } finally {
    clearInterval(sampler);
    clearInterval(rssTimer);
    await collector.stop();
  }
}

/** ipmi_collector_polls_total by `KIND/OUTCOME`. */
async function pollOutcomes(metrics: Registry): Promise<Record<string, number>> {
  const m = metrics.getSingleMetric('ipmi_collector_polls_total');
  if (m === undefined) return {};
  const out: Record<string, number> = {};
  for (const v of (await m.get()).values) {
    out[`${String(v.labels.kind)}/${String(v.labels.outcome)}`] = v.value;
  }
  return out;
}

// --- main ------------------------------------------------------------------------------------

console.log(
  `collector polls: ${N} simulated BMCs, one poll = sensors + SEL of one BMC (${SEL_ENTRIES} SEL entries each); ` +
    `${RUNS} runs of ${WINDOW_MS / 1000} s per leg after a warm-up, legs interleaved a, b, c`,
);
console.log(machineLine());
console.log(`tools: ${toolsLine()}`);
console.log(
  `product settings: fanout ${FANOUT}, gather ${GATHER_MS} ms, tool deadline ${TOOL_TIMEOUT_MS} ms (collector defaults unless flags say otherwise)`,
);

const work = await mkdtemp(join(tmpdir(), 'ipmi-bench-collector-'));
const sdrCacheDir = join(work, 'sdr-cache');
let fleet: Fleet | undefined;
let seam: Seam | undefined;
try {
  const t0 = performance.now();
  fleet = await startBenchFleet(N, work);
  const f = fleet;
  if (SEL_ENTRIES > 0) {
    let k = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (k < f.bmcs.length) {
          const b = f.bmcs[k++] as FleetBmc;
          await f.addSel(b.index, 'temp', SEL_ENTRIES);
        }
      }),
    );
  }
  console.log(
    `fleet of ${N} started and seeded in ${fix((performance.now() - t0) / 1000)} s (not measured)`,
  );
  const simPids = (await fleet.status()).flatMap((s) => (s.pid === null ? [] : [s.pid]));
  const meter = new CpuMeter({ ipmi_sim: simPids, kafka: stackPids(repo) });

  await mkdir(sdrCacheDir, { recursive: true, mode: 0o700 });
  const targets = fleet.bmcs.map((b) => target(b, sdrCacheDir));
  const configFile = join(work, 'freeipmi.conf');
  await writeFile(configFile, freeipmiConfigText(fleet.bmcs[0]?.password ?? ''), { mode: 0o600 });
  // Warm the SDR caches and check that every BMC answers both commands.
  const warm = await fanoutIteration(targets, configFile);
  if (warm.failed > 0) {
    throw new Error(
      `warm-up fan-out: ${warm.failed} of ${N} BMCs failed: ${(warm.sensorsOut.stderr + warm.selOut.stderr).slice(0, 500)}`,
    );
  }

  const env = stackEnv();
  seam = await connectSeam({
    brokers: env.brokers,
    registryUrl: env.registryUrl,
    clientId: 'bench-collector',
    logger,
    topicPrefix: `bench-${testPrefix()}`,
  });
  const key = generateKey();
  const credentialsFile = join(work, 'credentials.json');
  await importFleet({
    dir: work,
    bmcs: fleet.bmcs,
    // sensors and SEL: the collector's default interval (set to 1 ms above); the rest off.
    intervals: { sensors: null, sel: null, power: 'off', inventory: 'off' },
    seam,
    credentialsFile,
    key,
    logger,
  });
  const credentials = await CredentialStore.open({ file: credentialsFile, key });

  const results: Record<Leg, LegResult[]> = { a: [], b: [], c: [] };
  const errors: Partial<Record<Leg, string>> = {};
  for (let r = 1; r <= RUNS; r++) {
    const legs: [Leg, () => Promise<LegResult>][] = [
      ['a', () => legIpmitool(f, targets, meter)],
      ['b', () => legFanout(targets, configFile, meter)],
      ['c', () => legCollector(seam as Seam, credentials, sdrCacheDir, meter)],
    ];
    for (const [leg, fn] of legs) {
      if (errors[leg] !== undefined) continue;
      try {
        const res = await fn();
        results[leg].push(res);
        console.log(
          `run ${r} ${leg}: ${fix(rate(res))} polls/s (${res.polls} polls in ${fix(res.ms / 1000, 2)} s${res.failed > 0 ? `, ${res.failed} failed${leg === 'c' ? ' over the whole leg' : ''}` : ''})`,
        );
      } catch (err) {
        errors[leg] = (err as Error).message;
        console.log(`run ${r} ${leg}: FAILED: ${errors[leg]}`);
      }
    }
  }

  const med = (leg: Leg) => median(results[leg].map(rate));
  console.log(`\npolls per second (median of runs):`);
  for (const leg of ['a', 'b', 'c'] as const) {
    if (errors[leg] !== undefined && results[leg].length === 0) {
      console.log(`  ${LEG_NAMES[leg].padEnd(52)} failed: ${errors[leg]}`);
      continue;
    }
    console.log(
      `  ${LEG_NAMES[leg].padEnd(52)} ${fix(med(leg)).padStart(7)} polls/s  (runs: ${results[leg].map((x) => fix(rate(x))).join(', ')})`,
    );
  }
  console.log(`  ratio c/a = ${fix(med('c') / med('a'), 2)}  (target >= 10)`);
  console.log(`  ratio c/b = ${fix(med('c') / med('b'), 2)}  (target >= 0.8)`);

  console.log(
    `\nCPU per poll (medians of runs). "process" = this bench process plus its reaped children ` +
      `(the tools); "machine" = busy time of all ${CORES} cores from /proc/stat, which also ` +
      `counts the ${N} ipmi_sim simulators and Kafka + registry running on the same cores, ` +
      `and anything else on the machine ("rest": other processes, the kernel):`,
  );
  for (const leg of ['a', 'b', 'c'] as const) {
    const rs = results[leg];
    if (rs.length === 0) continue;
    const per = (f: (x: LegResult) => number) => median(rs.map((x) => f(x) / x.polls));
    const self = per((x) => x.cpu.selfMs);
    const machine = per((x) => x.cpu.machineBusyMs);
    const sim = per((x) => x.cpu.groups.ipmi_sim ?? 0);
    const kafka = per((x) => x.cpu.groups.kafka ?? 0);
    console.log(
      `  ${leg}: process ${fix(self, 2)} ms, machine ${fix(machine, 2)} ms ` +
        `(of which ipmi_sim ${fix(sim, 2)} ms, Kafka + registry ${fix(kafka, 2)} ms, ` +
        `rest ${fix(machine - self - sim - kafka, 2)} ms)`,
    );
  }

  console.log(`\nwhat limits throughput (medians of runs; busy = share of all ${CORES} cores):`);
  for (const leg of ['a', 'b', 'c'] as const) {
    const rs = results[leg];
    if (rs.length === 0) continue;
    const share = (f: (x: LegResult) => number) =>
      median(rs.map((x) => (100 * f(x)) / x.cpu.machineTotalMs));
    const busy = share((x) => x.cpu.machineBusyMs);
    const self = share((x) => x.cpu.selfMs);
    const sim = share((x) => x.cpu.groups.ipmi_sim ?? 0);
    const kafka = share((x) => x.cpu.groups.kafka ?? 0);
    const verdict =
      busy >= 90
        ? 'CPU-saturated'
        : busy >= 70
          ? 'CPU mostly busy'
          : 'not CPU-bound (waits: IPMI round trips, fan-out width, scheduling)';
    console.log(
      `  ${leg}: machine ${fix(busy, 0)}% busy: ${verdict}; process ${fix(self, 0)}%, ipmi_sim ${fix(sim, 0)}%, ` +
        `Kafka + registry ${fix(kafka, 0)}%, rest (other processes, kernel) ${fix(busy - self - sim - kafka, 0)}%`,
    );
    const last = rs[rs.length - 1] as LegResult;
    console.log(`     last run: ${last.detail}`);
  }

  const rc = results.c;
  if (rc.length > 0) {
    console.log(
      `\nRSS of the bench process while the collector runs (it also hosts the baselines' ` +
        `bookkeeping, the Kafka client and the fleet handle): median ${fix(median(rc.map((x) => x.rssMb?.median ?? NaN)), 0)} MB, ` +
        `max ${fix(Math.max(...rc.map((x) => x.rssMb?.max ?? NaN)), 0)} MB; before the collector started ${fix(median(rc.map((x) => x.rssMb?.before ?? NaN)), 0)} MB`,
    );
  }
  const kafkajs = log.kafkajsSummary();
  if (kafkajs.length > 0) {
    console.log(`\nkafkajs log lines (retried by the client; not failures of the run):`);
    for (const l of kafkajs) console.log(`  ${l}`);
  }
} finally {
  if (seam !== undefined) {
    await seam.deleteTopics([...COLLECTOR_TOPICS]).catch(() => undefined);
    await seam.close();
  }
  if (fleet !== undefined) await fleet.stopAll();
  await rm(work, { recursive: true, force: true });
}
