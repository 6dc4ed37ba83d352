/**
 * The soak test with faults: the whole product (collector, stream processors, API with its
 * embedded TimescaleDB and the projections, web UI) as processes on the real local stack,
 * polling a fleet of simulated BMCs while a fault plan (plan.ts) runs: temperatures drifting
 * over thresholds and back, SEL bursts, a SEL clear, BMCs stopped, hung and given a wrong
 * password, the broker and the registry restarted, every service killed with SIGKILL and
 * restarted. At the end it compares the truth kept here with what the product stored
 * (verify.ts), prints the counts and exits 1 on any mismatch.
 *
 *   npm run soak                  # long form: 50 BMCs, 10 min of faults, 3 kills per service
 *   npm run soak -- --short       # CI's short form: 10 BMCs, 3 min, 1 kill per service
 *   npm run soak -- --bmcs 20 --minutes 5 --poll-ms 5000 --kills 2
 *
 * Needs the local stack (`npm run stack start`): it restarts its broker and registry.
 * Logs and the JSON report go to .state/soak/.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connectSeam, createLogger, createMetricsRegistry, type Seam } from '@ipmi-monitor/runtime';
import { eventually, stackEnv, testLogger } from '@ipmi-monitor/runtime/testing';
import { FLEET_SCRIPT, fleetServersYaml } from '@ipmi-monitor/collector/fleet';
import { openDatabase } from '@ipmi-monitor/db';
import { startProduct, type Product } from '../../web/browser-tests/product.js';
import { makePlan, type BmcFault, type GlobalAction } from './plan.js';
import {
  checkMemory,
  compareAlerts,
  compareSel,
  findGaps,
  passed,
  type AlertEvent,
  type CheckResult,
  type MemorySample,
  type SelKey,
  type Window,
} from './verify.js';

const { values: args } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    bmcs: { type: 'string' },
    minutes: { type: 'string' },
    'poll-ms': { type: 'string' },
    kills: { type: 'string' },
  },
});
const short = args.short ?? false;
const BMCS = Number(args.bmcs ?? (short ? 10 : 50));
const DURATION_MS = Number(args.minutes ?? (short ? 3 : 10)) * 60_000;
const POLL_MS = Number(args['poll-ms'] ?? (short ? 5000 : 10_000));
const KILLS = Number(args.kills ?? (short ? 1 : 3));
for (const [name, v, min] of [
  ['--bmcs', BMCS, 7],
  ['--minutes', DURATION_MS / 60_000, 1],
  ['--poll-ms', POLL_MS, 5000],
  ['--kills', KILLS, 0],
] as const) {
  if (!Number.isInteger(v) || v < min) {
    console.error(`soak: ${name} must be a whole number of at least ${min} (got ${v})`);
    process.exit(2);
  }
}
// Built before anything starts, so a plan that cannot be made leaves nothing running.
const plan = makePlan({ bmcs: BMCS, durationMs: DURATION_MS, killsPerService: KILLS });
// The collector's retry backoff is capped low so a healed BMC is read again within seconds;
// the default (10 min) is right for a real fleet and would only stretch this run.
const BACKOFF_MAX_MS = 20_000;
// The collector's deadline for one tool run (its default, set explicitly here). FreeIPMI
// polls several BMCs in one process: when a BMC stops answering, the BMCs polled with it
// wait for this deadline once, before the dead one is probed on its own.
const TOOL_DEADLINE_MS = 15_000;
// Readings further apart than three poll intervals are a gap, unless an injected outage
// explains it; an outage window runs on for the backoff cap and three polls after it heals.
const GAP_MS = 3 * POLL_MS;
const GRACE_MS = BACKOFF_MAX_MS + 3 * POLL_MS;

const repo = new URL('../../', import.meta.url).pathname;
const outDir = join(repo, '.state', 'soak');
// Each run's logs start empty: a reader of them must not mix two runs.
rmSync(join(outDir, 'logs'), { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const run = promisify(execFile);
const serverId = (i: number) => `soak-${i}`;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const t = () => new Date().toISOString().slice(11, 19);
const say = (msg: string) => console.log(`[soak ${t()}] ${msg}`);

/**
 * `eventually` that gives up without throwing: a wait that runs out is a finding the verdict
 * reports (a missing alert, say), not a reason to abandon the run. Calls that fail meanwhile
 * (the API is killed on purpose) are retried; the last failure is printed if it gives up.
 */
async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 2000,
): Promise<T | undefined> {
  try {
    return await eventually(check, { timeoutMs, intervalMs, what });
  } catch (err) {
    const cause: unknown = (err as Error).cause;
    const why = cause instanceof Error ? ` (last error: ${cause.message})` : '';
    say(`gave up waiting for ${what} after ${timeoutMs / 1000} s${why}`);
    return undefined;
  }
}

// ---- the product and the fleet ------------------------------------------------------------

say(
  `${BMCS} BMCs, ${DURATION_MS / 60_000} min of faults, polls every ${POLL_MS / 1000} s, ${KILLS} SIGKILL(s) per service`,
);
const stackHome = process.env.IPMI_STACK_HOME ?? join(repo, '.state', 'stack');
// Asynchronous, so faults, waits and memory samples go on while the broker restarts.
const stack = async (...a: string[]) => {
  await run('bash', [join(repo, 'infra/local/stack.sh'), ...a]).catch((err: unknown) => {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`stack.sh ${a.join(' ')}: ${e.stdout ?? ''}${e.stderr ?? String(err)}`);
  });
};
await stack('status');

const coldStartAt = Date.now();
const product: Product = await startProduct({
  bmcs: BMCS,
  pollMs: POLL_MS,
  fleetBasePort: 20_000,
  logDir: join(outDir, 'logs'),
  env: {
    IPMI_POLL_BACKOFF_MAX_MS: String(BACKOFF_MAX_MS),
    IPMI_TOOL_TIMEOUT_MS: String(TOOL_DEADLINE_MS),
    IPMI_POLL_POWER_MS: String(POLL_MS),
    IPMI_POLL_INVENTORY_MS: '0',
  },
});
// Interrupted (Ctrl-C, a CI timeout), the run still stops every process it started.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`${signal}: stopping the product`);
    void product.stop().finally(() => process.exit(130));
  });
}

let report: Record<string, unknown> = {};
let failed = true;
let seam: Seam | undefined;
const events: string[] = [];
const windows: { serverId: string | null; w: Window }[] = [];
try {
  const fleet = product.fleet;
  if (!fleet) throw new Error('the product started without its fleet');
  seam = await connectSeam({
    ...stackEnv(),
    clientId: 'soak',
    logger: testLogger('soak'),
    metrics: createMetricsRegistry({ service: 'soak' }),
    topicPrefix: product.prefix,
  });
  const kafka = seam;
  const interval = `${POLL_MS / 1000}s`;
  const yaml = fleetServersYaml(fleet.bmcs, {
    serverId: (b) => serverId(b.index),
    intervals: { sensors: interval, sel: interval, power: interval, inventory: 'off' },
  });
  await product.api('/api/v1/servers/import', {
    method: 'POST',
    body: yaml,
    contentType: 'application/yaml',
  });

  // Cold start: from the first process spawned to every server's first poll projected.
  const allPolled = await until(
    'every server polled once',
    async () => {
      const page = await product.api<{ items: { lastPollAt: string | null }[] }>(
        '/api/v1/servers?limit=200',
      );
      return page.items.length === BMCS && page.items.every((s) => s.lastPollAt !== null)
        ? true
        : undefined;
    },
    180_000,
  );
  if (!allPolled) throw new Error('not every server was polled within 3 min');
  const coldStartMs = Date.now() - coldStartAt;
  say(
    `cold start (processes spawned → every server's first poll in the database): ${(coldStartMs / 1000).toFixed(1)} s`,
  );

  // ---- memory sampling --------------------------------------------------------------------

  const stackPid = (part: string) => {
    try {
      return Number(readFileSync(join(stackHome, 'run', `${part}.pid`), 'utf8').trim());
    } catch {
      return null;
    }
  };
  const rssKb = (pid: number | null): number | null => {
    if (!pid) return null;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m?.[1] ? Number(m[1]) : null;
    } catch {
      return null;
    }
  };
  type Proc = { name: string; pid: () => number | null };
  const procs: Proc[] = [
    ...(['collector', 'streams', 'api', 'web'] as const).map((s) => ({
      name: s,
      pid: () => product.pid(s),
    })),
    { name: 'kafka', pid: () => stackPid('kafka') },
    { name: 'registry', pid: () => stackPid('registry') },
  ];
  // Per process: the pid it has now, when that pid was first seen, and its samples.
  const seen = new Map<string, { pid: number; since: number; samples: [number, number][] }>();
  const fleetKb: [number, number][] = [];
  const sampleMemory = async () => {
    const now = Date.now();
    for (const p of procs) {
      const pid = p.pid();
      const kb = rssKb(pid);
      if (pid === null || kb === null) continue;
      const cur = seen.get(p.name);
      if (!cur || cur.pid !== pid) seen.set(p.name, { pid, since: now, samples: [[now, kb]] });
      else cur.samples.push([now, kb]);
    }
    const st = await fleet.status();
    fleetKb.push([now, st.reduce((a, b) => a + (b.rssKb ?? 0), 0)]);
  };
  await sampleMemory();
  const totalKb = () =>
    [...seen.values()].reduce((a, s) => a + (s.samples.at(-1)?.[1] ?? 0), 0) +
    (fleetKb.at(-1)?.[1] ?? 0);
  const startTotalKb = totalKb();
  say(
    `total memory after the cold start: ${(startTotalKb / 1024).toFixed(0)} MiB (services, Kafka, registry, ${BMCS} BMCs)`,
  );
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await sleep(10_000);
      await sampleMemory().catch(() => undefined);
    }
  })();

  // ---- the faults -------------------------------------------------------------------------

  const T0 = Date.now();
  const selTruth: SelKey[] = [];
  const log = (m: string) => {
    events.push(`${t()} ${m}`);
    say(m);
  };

  const activeAlert = async (index: number, condition: string) => {
    const page = await product.api<{ items: { condition: string }[] }>(
      `/api/v1/alerts?serverId=${serverId(index)}&state=active&limit=100`,
    );
    return page.items.some((a) => a.condition === condition) ? true : undefined;
  };
  // What the BMC holds, read with ipmitool (not the product's driver): the independent truth.
  const selList = async (index: number): Promise<SelKey[]> => {
    const { stdout } = await run('bash', [FLEET_SCRIPT, 'ipmitool', String(index), 'sel', 'list'], {
      env: { ...process.env, IPMI_FLEET_HOME: fleet.home, TZ: 'UTC' },
    });
    // "   1a | 11/29/26 | 08:09:24 UTC | Memory #0x0c | Correctable ECC | Asserted"
    return stdout
      .split('\n')
      .map((l) => /^\s*([0-9a-f]+)\s*\|/i.exec(l)?.[1])
      .filter((id): id is string => id !== undefined)
      .map((id) => ({ serverId: serverId(index), recordId: parseInt(id, 16) }));
  };
  const storedRecordIds = async (index: number) => {
    const page = await product.api<{ items: { recordId: number }[] }>(
      `/api/v1/events?serverId=${serverId(index)}&limit=1000`,
    );
    return new Set(page.items.map((e) => e.recordId));
  };
  const outage = async (
    index: number,
    what: string,
    down: () => Promise<void>,
    up: () => Promise<void>,
  ) => {
    const from = Date.now();
    await down();
    windows.push({
      serverId: null,
      w: {
        from,
        to: from + TOOL_DEADLINE_MS + POLL_MS,
        why: `polled in one tool run with BMC ${index}, which stopped answering`,
      },
    });
    log(`BMC ${index}: ${what}`);
    const raised = await until(
      `BMC ${index}'s unreachable alert`,
      () => activeAlert(index, 'BMC_UNREACHABLE'),
      180_000,
    );
    log(`BMC ${index}: alert ${raised ? 'active' : 'NOT raised'}; healing`);
    await up();
    windows.push({ serverId: serverId(index), w: { from, to: Date.now() + GRACE_MS, why: what } });
  };

  const runFault = async (f: BmcFault) => {
    const i = f.index;
    switch (f.role) {
      case 'drift': {
        log(`BMC ${i}: CPU Temp drifts up`);
        for (const v of [60, 75, 85, 95]) {
          await fleet.setSensor(i, 'CPU Temp', v);
          await sleep(POLL_MS / 2);
        }
        await until(
          `BMC ${i}'s temperature alert`,
          () => activeAlert(i, 'SENSOR_THRESHOLD'),
          120_000,
        );
        await sleep(2 * POLL_MS);
        for (const v of [85, 60, 45]) {
          await fleet.setSensor(i, 'CPU Temp', v);
          await sleep(POLL_MS / 2);
        }
        log(`BMC ${i}: CPU Temp back to 45`);
        return;
      }
      case 'selBurst':
        log(`BMC ${i}: SEL bursts (8 ECC, 5 OEM, 4 ECC)`);
        await fleet.addSel(i, 'ecc', 8);
        await sleep(2 * POLL_MS);
        await fleet.addSel(i, 'oem', 5);
        await sleep(2 * POLL_MS);
        await fleet.addSel(i, 'ecc', 4);
        return;
      case 'selClear': {
        log(`BMC ${i}: 6 ECC entries, then a SEL clear`);
        await fleet.addSel(i, 'ecc', 6);
        const before = await selList(i);
        // Clearing entries the collector never read would lose them by design: wait until the
        // database holds them, whatever is being killed meanwhile.
        await until(
          `BMC ${i}'s entries in the database before the clear`,
          async () => {
            const stored = await storedRecordIds(i);
            return before.every((k) => stored.has(k.recordId)) ? true : undefined;
          },
          240_000,
        );
        selTruth.push(...before);
        await fleet.clearSel(i, { marker: true });
        log(`BMC ${i}: SEL cleared (${before.length} entries held before)`);
        await sleep(3 * POLL_MS);
        await fleet.addSel(i, 'ecc', 6);
        log(`BMC ${i}: 6 ECC entries after the clear`);
        return;
      }
      case 'stop':
        return outage(
          i,
          'stopped',
          () => fleet.stop(i),
          () => fleet.restart(i),
        );
      case 'hang':
        return outage(
          i,
          'hung (SIGSTOP)',
          () => fleet.hang(i),
          () => fleet.resume(i),
        );
      case 'wrongPassword': {
        const original = fleet.bmc(i).password;
        return outage(
          i,
          'password changed under the collector',
          () => fleet.setPassword(i, `wrong${i}x${Date.now() % 100_000}`),
          () => fleet.setPassword(i, original),
        );
      }
      case 'quiet':
        return;
    }
  };

  const runGlobal = async (a: GlobalAction) => {
    const from = Date.now();
    if (a.kind === 'kill') {
      await product.restart(a.service, 'SIGKILL');
      log(`${a.service} killed (SIGKILL) and restarted`);
      // Readings stop only while the collector is down (and until its first rounds).
      if (a.service === 'collector') {
        windows.push({
          serverId: null,
          w: { from, to: Date.now() + GRACE_MS, why: 'collector killed' },
        });
      }
    } else {
      const part = a.kind === 'restart-broker' ? 'kafka' : 'registry';
      await stack('restart', part);
      log(`${part} restarted (${((Date.now() - from) / 1000).toFixed(0)} s)`);
      if (part === 'kafka') {
        windows.push({
          serverId: null,
          w: { from, to: Date.now() + GRACE_MS, why: 'broker restart' },
        });
      }
    }
  };

  const jobs: Promise<void>[] = [];
  const at = (ms: number, job: () => Promise<void>, what: string) =>
    jobs.push(
      sleep(Math.max(0, T0 + ms - Date.now()))
        .then(job)
        .catch((err: unknown) => {
          log(`FAULT RUNNER ERROR in ${what}: ${String(err)}`);
          throw err;
        }),
    );
  for (const f of plan.faults) at(f.at, () => runFault(f), `BMC ${f.index} ${f.role}`);
  // Global disruptions one at a time, in order.
  let chain = Promise.resolve();
  let globalErrors = 0;
  for (const g of plan.globals) {
    const prev = chain;
    chain = prev.then(async () => {
      await sleep(Math.max(0, T0 + g.at - Date.now()));
      await runGlobal(g.action).catch((err: unknown) => {
        // Logged and counted; the disruptions after it still run.
        log(`FAULT RUNNER ERROR in ${g.action.kind}: ${String(err)}`);
        globalErrors++;
      });
    });
  }
  jobs.push(chain);
  const results = await Promise.allSettled(jobs);
  const runnerErrors = results.filter((r) => r.status === 'rejected').length + globalErrors;
  const left = T0 + DURATION_MS - Date.now();
  if (left > 0) await sleep(left);
  log(`faults done (${runnerErrors} runner errors); settling`);

  // ---- settle: the expected lifecycle complete, or 3 minutes ------------------------------

  const alertEvents = async (): Promise<AlertEvent[]> =>
    (await kafka.readAll('ipmi.alerts.v1')).map((m) => {
      const v = m.event.value as {
        alertId: string;
        serverId: string;
        condition: string;
        component: string;
      };
      return {
        alertId: v.alertId,
        type: m.event.type,
        serverId: v.serverId,
        condition: v.condition,
        component: v.component,
      };
    });
  await until(
    'every expected alert raised and resolved',
    async () => {
      const r = compareAlerts(plan.expected, serverId, await alertEvents());
      return r.raised.counts.missing === 0 && r.resolved.counts.missing === 0 ? true : undefined;
    },
    180_000,
    5000,
  );
  // Late duplicates, if any, get the time to show up.
  await sleep(3 * POLL_MS);

  // ---- the truth at the end, then the product stops ---------------------------------------

  // Every service must still be up and healthy after all that (a crash nobody caused counts).
  const unhealthy: string[] = [];
  for (const name of ['collector', 'streams', 'api', 'web'] as const) {
    const port = product.port(name);
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (!ok) unhealthy.push(name);
  }

  // The order matters: no new readings (collector), no new alerts (streams), then the
  // projections drain what is left, and only then the log and the database are compared.
  const collectorHaltAt = Date.now();
  await product.halt('collector');
  for (const b of fleet.bmcs) selTruth.push(...(await selList(b.index)));
  await product.halt('streams');
  await until(
    'the projections caught up',
    async () => {
      const p = await product.api<{ projections: { lag: number } }>('/api/v1/pipeline');
      return p.projections.lag === 0 ? true : undefined;
    },
    120_000,
  );
  await sleep(5000);
  sampling = false;
  await sampler;
  await sampleMemory();
  const endTotalKb = totalKb();
  const alertLog = await alertEvents();
  // One event id per SEL entry on the topic: a re-read entry may be re-sent (at least once)
  // but must keep its id; a second id for the same entry would be a second fact.
  const selIds = new Map<string, Set<string>>();
  for (const m of await kafka.readAll('ipmi.sel.v1')) {
    if (m.event.type !== 'SelEntryRecorded') continue;
    const v = m.event.value as { serverId: string; recordId: number; eventId: string };
    const k = `${v.serverId}#${v.recordId}`;
    selIds.set(k, (selIds.get(k) ?? new Set()).add(v.eventId));
  }
  for (const s of ['web', 'api'] as const) await product.halt(s);

  const db = await openDatabase({
    dataDir: join(product.work, 'db'),
    logger: createLogger({ name: 'soak', level: 'warn' }),
  });
  const sel = await db.query<{ server_id: string; record_id: number }>(
    'SELECT server_id, record_id FROM sel_events',
  );
  const readings = await db.query<{ server_id: string; t: Date }>(
    'SELECT DISTINCT server_id, time AS t FROM readings',
  );
  const stateRows = await db.query<{ alert_id: string; status: string }>(
    'SELECT alert_id, status FROM alerts',
  );
  await db.close();

  // ---- the verdict ------------------------------------------------------------------------

  const checks: CheckResult[] = [];
  checks.push(
    compareSel(
      selTruth,
      sel.rows.map((r) => ({ serverId: r.server_id, recordId: r.record_id })),
    ),
  );
  // The topic: one event id per SEL entry (re-sends keep it).
  const twoIds = [...selIds].filter(([, ids]) => ids.size > 1);
  checks.push({
    name: 'SEL entries on the topic with one event id each',
    counts: {
      expected: new Set(selTruth.map((k) => `${k.serverId}#${k.recordId}`)).size,
      found: selIds.size - twoIds.length,
      duplicated: twoIds.reduce((n, [, ids]) => n + ids.size - 1, 0),
      missing: 0,
      unexpected: 0,
    },
    problems: twoIds.map(([k, ids]) => `${k} was published under ${ids.size} event ids`),
  });
  // Every service alive at the end, and none died on its own during the run.
  const exits = product.unplannedExits();
  checks.push({
    name: 'services healthy at the end, no crash nobody caused',
    counts: {
      expected: 4,
      found: 4 - unhealthy.length,
      duplicated: 0,
      missing: unhealthy.length,
      unexpected: exits.length,
    },
    problems: [
      ...unhealthy.map((n) => `${n} did not answer /health at the end`),
      ...exits.map(
        (e) =>
          `${e.name} exited on its own at ${new Date(e.at).toISOString()} (code ${e.code}, signal ${e.signal})`,
      ),
    ],
  });
  const alerts = compareAlerts(plan.expected, serverId, alertLog);
  checks.push(alerts.raised, alerts.resolved);

  // The database's alert table agrees with the log: one row per alert, in the state of its
  // last lifecycle event.
  const lastType = new Map<string, string>();
  for (const e of alertLog) lastType.set(e.alertId, e.type);
  const dbState = new Map(stateRows.rows.map((r) => [r.alert_id, r.status]));
  const stateProblems: string[] = [];
  let stateFound = 0;
  let stateMissing = 0;
  for (const [id, type] of lastType) {
    const want = type === 'AlertResolved' ? 'RESOLVED' : 'ACTIVE';
    const got = dbState.get(id);
    if (got === undefined) {
      stateMissing++;
      stateProblems.push(`alert ${id} is in the log but not in the database`);
    } else if (got !== want) {
      stateProblems.push(`alert ${id}: ${got} in the database, ${want} in the log`);
    } else stateFound++;
  }
  const stateUnexpected = [...dbState.keys()].filter((id) => !lastType.has(id));
  for (const id of stateUnexpected) stateProblems.push(`alert ${id} is in the database only`);
  checks.push({
    name: 'alerts in the database in the state of their last event',
    counts: {
      expected: lastType.size,
      found: stateFound,
      duplicated: 0,
      missing: stateMissing,
      unexpected: stateUnexpected.length,
    },
    problems: stateProblems,
  });

  const times = new Map<string, number[]>();
  for (const r of readings.rows) {
    const list = times.get(r.server_id) ?? [];
    list.push(new Date(r.t).getTime());
    times.set(r.server_id, list);
  }
  checks.push(
    findGaps(
      times,
      fleet.bmcs.map((b) => serverId(b.index)),
      (s) => windows.filter((w) => w.serverId === null || w.serverId === s).map((w) => w.w),
      // From the faults' start to the moment the collector was stopped.
      { from: T0, to: collectorHaltAt, maxGapMs: GAP_MS },
    ),
  );

  const steady = (name: string): MemorySample => {
    const s = seen.get(name);
    // The first sample of the process that ran at the end, 30 s after it started.
    const first = s?.samples.find(([at]) => at - s.since >= 30_000);
    return { name, startKb: first?.[1] ?? null, endKb: s?.samples.at(-1)?.[1] ?? null };
  };
  const memory = [
    ...procs.map((p) => steady(p.name)),
    {
      name: `${BMCS} BMCs (ipmi_sim)`,
      startKb: fleetKb[0]?.[1] ?? null,
      endKb: fleetKb.at(-1)?.[1] ?? null,
    },
  ];
  checks.push(checkMemory(memory));

  // ---- the report -------------------------------------------------------------------------

  const pad = (s: string | number, n: number) => String(s).padStart(n);
  console.log('\nsoak verdict');
  console.log(
    `${'check'.padEnd(84)}${pad('expected', 9)}${pad('found', 7)}${pad('dup', 5)}${pad('missing', 8)}${pad('unexp', 6)}  ok`,
  );
  for (const c of checks) {
    const k = c.counts;
    console.log(
      `${c.name.padEnd(84)}${pad(k.expected, 9)}${pad(k.found, 7)}${pad(k.duplicated, 5)}${pad(k.missing, 8)}${pad(k.unexpected, 6)}  ${passed(c) ? 'yes' : 'NO'}`,
    );
  }
  console.log('\nmemory (RSS, MiB): first steady sample → last');
  for (const m of memory) {
    const f = (kb: number | null) => (kb === null ? '-' : (kb / 1024).toFixed(0));
    console.log(`  ${m.name.padEnd(22)} ${pad(f(m.startKb), 6)} → ${pad(f(m.endKb), 6)}`);
  }
  console.log(
    `  total after the cold start ${(startTotalKb / 1024).toFixed(0)} MiB, at the end ${(endTotalKb / 1024).toFixed(0)} MiB`,
  );
  const restarts = plan.globals.map((g) =>
    g.action.kind === 'kill' ? `kill ${g.action.service}` : g.action.kind,
  );
  console.log(`\nfaults: ${plan.faults.map((f) => `${f.index}:${f.role}`).join(' ')}`);
  console.log(`disruptions: ${restarts.join(', ')}`);
  console.log(
    `cold start ${(coldStartMs / 1000).toFixed(1)} s; readings rows ${readings.rows.length} distinct (server, time); SEL rows ${sel.rows.length}; alert events ${alertLog.length}`,
  );
  const problems = checks.flatMap((c) => c.problems.map((p) => `${c.name}: ${p}`));
  if (runnerErrors > 0) problems.push(`${runnerErrors} fault runner errors (see the log above)`);
  for (const p of problems.slice(0, 60)) console.log(`  MISMATCH ${p}`);
  if (problems.length > 60) console.log(`  ... and ${problems.length - 60} more`);
  failed = problems.length > 0;
  report = {
    bmcs: BMCS,
    durationMs: DURATION_MS,
    pollMs: POLL_MS,
    killsPerService: KILLS,
    coldStartMs,
    memory,
    startTotalKb,
    endTotalKb,
    checks,
    events,
    windows,
  };
  console.log(failed ? '\nsoak FAILED' : '\nsoak passed');
} catch (err) {
  console.error(`soak aborted: ${String((err as Error).stack ?? err)}`);
  console.error(product.output());
  report = { aborted: String(err), events, windows };
} finally {
  writeFileSync(join(outDir, 'report.json'), JSON.stringify(report, null, 2));
  await seam?.close().catch(() => undefined);
  await product.stop();
}
process.exit(failed ? 1 : 0);
