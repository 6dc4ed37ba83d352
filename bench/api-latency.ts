/**
 * The API's latency and throughput on the dashboard's three endpoints, against the same SQL
 * run directly on the database (the API's overhead):
 *
 *   summary  GET /api/v1/fleet/summary
 *   sensors  GET /api/v1/servers/<id>/sensors
 *   series   GET /api/v1/servers/<id>/readings?from=<now − --days>&to=<now> (every sensor of
 *            the server; 7 days reads the hourly aggregate, `source` printed)
 *
 * Data: --days (7) of --servers (100) × --sensors (30) readings at --step-min (10) minutes
 * (3M raw rows for the defaults), written through the readings projection with COPY as
 * bench/projections-throughput.ts's query phase does, aggregates refreshed and older chunks
 * compressed by the job runner (plus a refresh of the oldest day, which the policies' 6-day
 * window leaves out of a fresh load); the other tables (servers, status, SEL, alerts, insights,
 * silences) from the projections' known feed for the same servers, through the projections.
 * The API is the real one (buildApp: auth, rate limit set out of reach, validation, response
 * schemas) over that database, the real Kafka seam (connected; the read routes never use it,
 * so no topic is created) and a real credential store, listening on 127.0.0.1 in this
 * process, called with a read-only token. The per-server endpoints take the live servers in
 * turn (srv-000, srv-001, …; the known feed removes the last one), in every leg alike.
 *
 * Per rep (--reps, 3) and endpoint, legs in alternating order (reversed on odd reps):
 *   API c=N   autocannon in a separate process (node_modules/.bin/autocannon --json, requests
 *             from a HAR file so each connection walks the servers), --duration s per
 *             --connections value (default 1,10); before the first rep, a 3 s warm-up.
 *             Latency percentiles are autocannon's, client side: p50, p97.5 and p99 (it has
 *             no p95, so the table's columns are p97.5 everywhere, the SQL legs included), in
 *             whole ms (its histogram truncates); "srv p50/p95/p99" are the same requests
 *             timed in this process from the request event to the response's finish, at full
 *             resolution, and each SQL leg prints its p95 too. The in-process times leave out
 *             the wait under load: PGlite answers within the same turn of the event loop, so
 *             a request runs to completion before the next one is read off its socket.
 *   SQL       the route's own statements (SUMMARY_SQL's three, SENSORS_SQL, the series
 *             statement of seriesPlan's source) with the route's parameters, through db.query
 *             in this process, back to back (concurrency 1), for --sql-duration s.
 *   all SQL   every SELECT one request issues, the licence count included (the token check
 *             is cached for 5 s, so a probe request issues it only when it is not) (recorded from a probe request, replayed with the server
 *             swapped), likewise. The difference to "SQL" is database work the API adds;
 *             the difference of the API to "all SQL" is HTTP, fastify, JSON and the event loop.
 * Printed per endpoint: medians over the reps of each leg's p50/p97.5/p99 and rate, and of
 * the per-rep figures overhead = API p50 − SQL p50 (ms; at the lowest connection count,
 * client and in-process) and API req/s ÷ SQL q/s (one "q" is the route's statements for one
 * request, so summary's q is three statements). Those two, taken within a rep, are the
 * figures: absolute latencies on a shared 2-core machine swing from run to run.
 *
 * The embedded database (PGlite) runs one statement at a time in this process's thread, so
 * the API's throughput is bounded by the SQL's q/s whatever the connection count; more
 * connections only queue (latency ≈ connections × service time). The load generator shares
 * the machine's cores with the server: CPU of both is printed per API leg.
 *
 *   npm run bench:api                                                    # stack running
 *   npm run bench:api -- --servers 20 --duration 5 --reps 1
 *   npm run bench:api -- --endpoints series --connections 1,4,10 --reps 5
 *   npm run bench:api -- --servers 20 --reps 0 --explain     # the route statements' plans
 *
 * Prints figures; asserts nothing. Deletes its database and state directory on the way out.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AuthStore, buildApp, DEFAULT_SETTINGS, LiveFeed, type ApiDeps } from '@ipmi-monitor/api';
import { CredentialStore, generateKey } from '@ipmi-monitor/collector';
import { migrate, openDatabase, startJobRunner, type Database } from '@ipmi-monitor/db';
import { projectionNamed } from '@ipmi-monitor/projections';
import {
  connectSeam,
  createMetricsRegistry,
  type ConsumedEvent,
  type Seam,
} from '@ipmi-monitor/runtime';
import { stackEnv, testPrefix } from '@ipmi-monitor/runtime/testing';
import type { SensorReadingRecorded } from '@ipmi-monitor/schemas';
import type { FastifyInstance } from 'fastify';

import { SENSORS_SQL, SERIES_SQL, SUMMARY_SQL, seriesPlan } from '../api/src/routes/fleet.js';
import { collectorProbe } from '../api/src/service/probe.js';
import { project } from '../api/src/testing/seed.js';
import { tempDir } from '../db/src/testing/temp-db.js';
import { knownFeed, readings, serverName } from '../projections/src/testing/feed.js';
import { benchLogger } from './lib/log.js';
import { fix, fmt, median, percentile } from './lib/stats.js';
import { machineCpuMs, machineLine, selfCpuMs } from './lib/system.js';

process.removeAllListeners('warning');

const { values: args } = parseArgs({
  options: {
    servers: { type: 'string', default: '100' },
    sensors: { type: 'string', default: '30' },
    days: { type: 'string', default: '7' },
    'step-min': { type: 'string', default: '10' },
    duration: { type: 'string', default: '10' },
    'sql-duration': { type: 'string', default: '5' },
    connections: { type: 'string', default: '1,10' },
    reps: { type: 'string', default: '3' },
    endpoints: { type: 'string', default: 'summary,sensors,series' },
    explain: { type: 'boolean', default: false },
  },
});
const SERVERS = Number(args.servers);
const SENSORS = Number(args.sensors);
const DAYS = Number(args.days);
const STEP_MS = Number(args['step-min']) * 60_000;
const DURATION_S = Number(args.duration);
const SQL_DURATION_S = Number(args['sql-duration']);
const CONNECTIONS = String(args.connections)
  .split(',')
  .map(Number)
  .sort((a, b) => a - b);
const REPS = Number(args.reps);
const WARMUP_S = 3;
const DAY = 86_400_000;
const AUTOCANNON = new URL('../node_modules/.bin/autocannon', import.meta.url).pathname;

const log = benchLogger();
const logger = log.logger;
const readingsProjection = projectionNamed('readings');
if (!readingsProjection) throw new Error('no readings projection');

// ---------------------------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------------------------

/** The known feed's small tables, then --days of readings ending at `now`, then the jobs. */
async function load(db: Database, now: number): Promise<void> {
  const t0 = performance.now();
  await project(
    db,
    knownFeed(SERVERS).events.filter((e) => e.topic !== 'ipmi.readings.v1'),
  );
  const polls = Math.floor((DAYS * DAY) / STEP_MS);
  let rows = 0;
  let chunk: SensorReadingRecorded[] = [];
  const flush = async () => {
    const events = chunk.map(
      (value) => ({ event: { type: 'SensorReadingRecorded', value } }) as unknown as ConsumedEvent,
    );
    await db.transaction((tx) =>
      (readingsProjection as NonNullable<typeof readingsProjection>).apply(tx, events, {
        bulk: 'copy',
      }),
    );
    rows += chunk.length;
    chunk = [];
  };
  for (const r of readings({
    servers: SERVERS,
    sensors: SENSORS,
    polls,
    from: now - (polls - 1) * STEP_MS,
    stepMs: STEP_MS,
  })) {
    chunk.push(r);
    if (chunk.length === 50_000) await flush();
  }
  await flush();
  const loadS = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const jobs = startJobRunner(db, { logger, initialDelayMs: 1e9 });
  await jobs.runAllOnce();
  await jobs.stop();
  const jobsS = (performance.now() - t1) / 1000;
  const t2 = performance.now();
  // The refresh policies start 6 days back, so one round leaves the oldest day out of the
  // aggregates (and real-time aggregation only covers what follows the newest refresh); a
  // running system refreshed it while it was younger. Refreshed here, oldest first.
  const before = new Date(now - 5 * DAY).toISOString();
  for (const view of ['readings_1m', 'readings_1h']) {
    await db.query(`CALL refresh_continuous_aggregate('${view}', NULL, '${before}')`);
  }
  console.log(
    `data: ${fmt(rows)} readings (${SERVERS} servers × ${SENSORS} sensors, ${DAYS} days, ${args['step-min']} min step) ` +
      `and the known feed's other tables loaded in ${fix(loadS)} s; one job round (aggregates refreshed, chunks compressed) in ${fix(jobsS)} s, the oldest day's refresh in ${fix((performance.now() - t2) / 1000)} s`,
  );
}

// ---------------------------------------------------------------------------------------------
// Statements a request issues
// ---------------------------------------------------------------------------------------------

interface Statement {
  sql: string;
  params: readonly unknown[];
}

/** While non-null, every db.query of the API (routes and auth) lands here. */
let recording: Statement[] | null = null;

/** The database as the API sees it: the same, with db.query recorded when asked. */
function recorded(db: Database): Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'query') {
        return (sql: string, params: readonly unknown[] = []) => {
          recording?.push({ sql, params });
          return target.query(sql, params);
        };
      }
      // The engine's methods use private fields: call them on the engine, not the proxy.
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

const oneLine = (sql: string) => sql.replace(/\s+/g, ' ').trim();
const isRead = (sql: string) => /^(SELECT|WITH)\b/i.test(oneLine(sql));

// ---------------------------------------------------------------------------------------------
// Endpoints
// ---------------------------------------------------------------------------------------------

interface Endpoint {
  name: string;
  route: string;
  perServer: boolean;
  path(server: string): string;
  /** The route's own statements, by name, among those a request issued. */
  routeSql(sql: string): string | null;
  /** What a response holds, one line. */
  describe(body: unknown): string;
}

function endpoints(now: number): Endpoint[] {
  const from = new Date(now - DAYS * DAY).toISOString();
  const to = new Date(now).toISOString();
  const plan = seriesPlan(Date.parse(from), Date.parse(to));
  const summaryNames = new Map<string, string>([
    [SUMMARY_SQL.health, 'SUMMARY_SQL.health'],
    [SUMMARY_SQL.alerts, 'SUMMARY_SQL.alerts'],
    [SUMMARY_SQL.attention, 'SUMMARY_SQL.attention'],
  ]);
  return [
    {
      name: 'summary',
      route: 'GET /api/v1/fleet/summary',
      perServer: false,
      path: () => '/api/v1/fleet/summary',
      routeSql: (sql) => summaryNames.get(sql) ?? null,
      describe: (b) => {
        const s = b as { servers: number; attention: unknown[] };
        return `${s.servers} servers, ${s.attention.length} needing attention`;
      },
    },
    {
      name: 'sensors',
      route: 'GET /api/v1/servers/<id>/sensors',
      perServer: true,
      path: (id) => `/api/v1/servers/${id}/sensors`,
      routeSql: (sql) => (sql === SENSORS_SQL ? 'SENSORS_SQL' : null),
      describe: (b) => `${(b as { items: unknown[] }).items.length} sensors`,
    },
    {
      name: 'series',
      route: `GET /api/v1/servers/<id>/readings?from=<now − ${DAYS} d>&to=<now>`,
      perServer: true,
      path: (id) =>
        `/api/v1/servers/${id}/readings?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
      routeSql: (sql) => (sql === SERIES_SQL[plan.source] ? `SERIES_SQL.${plan.source}` : null),
      describe: (b) => {
        const s = b as { source: string; stepSeconds: number; series: { points: unknown[] }[] };
        const points = s.series.reduce((n, x) => n + x.points.length, 0);
        return `source ${s.source}, step ${s.stepSeconds} s, ${s.series.length} series, ${fmt(points)} points`;
      },
    },
  ];
}

interface Probed {
  endpoint: Endpoint;
  /** The route's own statements (text and parameters as the route passed them). */
  route: Statement[];
  /** Every read a request issued. */
  all: Statement[];
}

/** One request through the listening server, its statements recorded. */
async function probe(base: string, token: string, e: Endpoint, server: string): Promise<Probed> {
  recording = [];
  const res = await fetch(base + e.path(server), { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  const stmts = recording;
  recording = null;
  if (res.status !== 200) throw new Error(`${e.route}: ${res.status} ${text.slice(0, 300)}`);
  const route = stmts.filter((s) => e.routeSql(s.sql) !== null);
  const expected = e.name === 'summary' ? 3 : 1;
  if (route.length !== expected) {
    throw new Error(
      `${e.route} ran ${route.length} of its ${expected} known statements: the baseline would not be its SQL`,
    );
  }
  const all = stmts.filter((s) => isRead(s.sql));
  const names = stmts.map((s) => {
    const n = e.routeSql(s.sql) ?? oneLine(s.sql).slice(0, 48) + '…';
    return isRead(s.sql) ? n : `${n} (a write, not replayed)`;
  });
  console.log(
    `${e.name}: ${e.route} → 200, ${fmt(text.length)} bytes, ${e.describe(JSON.parse(text))}\n` +
      `  a request issues ${stmts.length} statements: ${names.join('; ')}`,
  );
  return { endpoint: e, route, all };
}

// ---------------------------------------------------------------------------------------------
// Legs
// ---------------------------------------------------------------------------------------------

interface Figures {
  p50: number;
  p975: number;
  p99: number;
  /** Requests (API) or statement sets (SQL) per second. */
  rate: number;
  /** API legs only. */
  non2xx?: number;
  /** In-process request times (full resolution; autocannon has no p95). */
  serverP50?: number;
  serverP95?: number;
  serverP99?: number;
  /** SQL legs: p95 of the statements' time. */
  p95?: number;
  cpu?: string;
}

/** The statements back to back, the servers in turn, for `seconds`. */
async function sqlLeg(
  db: Database,
  stmts: readonly Statement[],
  probeServer: string,
  servers: readonly string[],
  seconds: number,
): Promise<Figures> {
  const ms: number[] = [];
  const own0 = process.cpuUsage();
  const m0 = machineCpuMs();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  for (let i = 0; performance.now() < end || ms.length < 20; i++) {
    const server = servers[i % servers.length] as string;
    const params = stmts.map((s) => s.params.map((p) => (p === probeServer ? server : p)));
    const t = performance.now();
    for (const [k, s] of stmts.entries()) await db.query(s.sql, params[k]);
    ms.push(performance.now() - t);
  }
  const s = (performance.now() - t0) / 1000;
  const own = process.cpuUsage(own0);
  const m1 = machineCpuMs();
  return {
    p50: median(ms),
    p95: percentile(ms, 0.95),
    p975: percentile(ms, 0.975),
    p99: percentile(ms, 0.99),
    rate: ms.length / s,
    cpu: `this process ${fix((own.user + own.system) / 1000 / s / 10, 0)}%, machine ${fix(((m1.busy - m0.busy) / (m1.total - m0.total)) * 100, 0)}% busy`,
  };
}

interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  latency: { p50: number; p97_5: number; p99: number };
  requests: { total: number };
}

function autocannon(argv: string[]): Promise<AutocannonResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(AUTOCANNON, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || line === '') {
        reject(new Error(`autocannon exited ${code}: ${err.trim().slice(0, 500)}`));
        return;
      }
      resolve(JSON.parse(line) as AutocannonResult);
    });
  });
}

/** In-process time of each request, from the request event to the response's end. */
let serverMs: number[] = [];

async function apiLeg(
  base: string,
  har: string,
  connections: number,
  seconds: number,
): Promise<Figures> {
  serverMs = [];
  const own0 = process.cpuUsage();
  const all0 = selfCpuMs();
  const m0 = machineCpuMs();
  const t0 = performance.now();
  const r = await autocannon([
    '--json',
    '-c',
    String(connections),
    '-d',
    String(seconds),
    '--har',
    har,
    base,
  ]);
  const own = process.cpuUsage(own0);
  const ownMs = (own.user + own.system) / 1000;
  // selfCpuMs counts reaped children too: what it gained beyond this process is autocannon.
  const childMs = selfCpuMs() - all0 - ownMs;
  const m1 = machineCpuMs();
  const wall = performance.now() - t0;
  const machine = (m1.busy - m0.busy) / (m1.total - m0.total);
  return {
    p50: r.latency.p50,
    p975: r.latency.p97_5,
    p99: r.latency.p99,
    rate: r['2xx'] / r.duration,
    non2xx: r.non2xx + r.errors + r.timeouts,
    serverP50: median(serverMs),
    serverP95: percentile(serverMs, 0.95),
    serverP99: percentile(serverMs, 0.99),
    cpu: `this process (server) ${fix((ownMs / wall) * 100, 0)}%, autocannon ${fix((childMs / wall) * 100, 0)}%, machine ${fix(machine * 100, 0)}% busy`,
  };
}

// ---------------------------------------------------------------------------------------------
// Run
// ---------------------------------------------------------------------------------------------

interface Api {
  app: FastifyInstance;
  base: string;
  token: string;
  db: Database;
  close(): Promise<void>;
}

/** The API as service/main.ts builds it, over this run's database, on 127.0.0.1:<any>. */
async function startApi(db: Database, stateDir: string): Promise<Api> {
  const metrics = createMetricsRegistry({ service: 'bench-api' });
  let seam: Seam | undefined;
  let app: FastifyInstance | undefined;
  try {
    seam = await connectSeam({
      ...stackEnv(),
      clientId: 'bench-api',
      logger,
      metrics,
      topicPrefix: testPrefix(),
    });
    const credentials = await CredentialStore.open({
      file: join(stateDir, 'credentials.json'),
      key: generateKey(),
      logger,
    });
    const seen = recorded(db);
    const auth = new AuthStore(seen);
    const deps: ApiDeps = {
      db: seen,
      seam,
      credentials,
      auth,
      live: new LiveFeed(),
      logger,
      metrics,
      // Out of reach: past the limit every request would be a 429.
      settings: {
        ...DEFAULT_SETTINGS,
        rateLimit: 10_000_000,
        serversLimit: Math.max(DEFAULT_SETTINGS.serversLimit, SERVERS),
      },
      probe: collectorProbe(join(stateDir, 'sdr-cache'), 8_000),
      source: 'api@bench',
    };
    const { token } = await auth.issue({
      kind: 'api',
      name: 'bench',
      role: 'read-only',
      createdBy: 'bench',
    });
    app = await buildApp(deps);
    await app.listen({ host: '127.0.0.1', port: 0 });
    app.server.prependListener('request', (_req, res) => {
      const t = performance.now();
      res.once('finish', () => serverMs.push(performance.now() - t));
    });
    const { port } = app.server.address() as AddressInfo;
    const opened = { app, seam };
    return {
      app,
      base: `http://127.0.0.1:${port}`,
      token,
      db,
      async close() {
        await opened.app.close();
        await opened.seam.close();
      },
    };
  } catch (err) {
    await app?.close();
    await seam?.close();
    throw err;
  }
}

const LEG_NAMES = ['SQL', 'all SQL', ...CONNECTIONS.map((c) => `API c=${c}`)];

async function run(api: Api, stateDir: string, now: number): Promise<void> {
  const live = Array.from({ length: SERVERS - 1 }, (_, i) => serverName(i));
  const probeServer = live[0] as string;
  const wanted = new Set(String(args.endpoints).split(','));
  const chosen = endpoints(now).filter((e) => wanted.has(e.name));
  const probed: Probed[] = [];
  for (const e of chosen) probed.push(await probe(api.base, api.token, e, probeServer));
  if (args.explain) {
    for (const p of probed) {
      for (const st of p.route) {
        const { rows } = await api.db.query<{ 'QUERY PLAN': string }>(
          `EXPLAIN (ANALYZE, BUFFERS) ${st.sql}`,
          st.params,
        );
        console.log(`${p.endpoint.name}: ${p.endpoint.routeSql(st.sql)} (${probeServer})`);
        for (const r of rows) console.log(`  ${r['QUERY PLAN']}`);
      }
    }
  }
  if (REPS === 0) return;
  console.log(
    `per-server endpoints take the ${live.length} live servers in turn (${live[0]} … ${live.at(-1)}), in every leg`,
  );

  const hars = new Map<string, string>();
  for (const p of probed) {
    const file = join(stateDir, `${p.endpoint.name}.har`);
    const entries = (p.endpoint.perServer ? live : [probeServer]).map((id) => ({
      request: {
        method: 'GET',
        url: api.base + p.endpoint.path(id),
        headers: [{ name: 'authorization', value: `Bearer ${api.token}` }],
      },
    }));
    await writeFile(file, JSON.stringify({ log: { entries } }));
    hars.set(p.endpoint.name, file);
  }
  const legOf = (p: Probed, leg: string): Promise<Figures> => {
    const servers = p.endpoint.perServer ? live : [probeServer];
    if (leg === 'SQL') return sqlLeg(api.db, p.route, probeServer, servers, SQL_DURATION_S);
    if (leg === 'all SQL') return sqlLeg(api.db, p.all, probeServer, servers, SQL_DURATION_S);
    const c = Number(leg.replace('API c=', ''));
    return apiLeg(api.base, hars.get(p.endpoint.name) as string, c, DURATION_S);
  };

  // Warm-up: the JIT, the database's buffers and both code paths, per endpoint.
  for (const p of probed) {
    await legOf(p, 'SQL');
    await apiLeg(api.base, hars.get(p.endpoint.name) as string, CONNECTIONS.at(-1) ?? 10, WARMUP_S);
  }

  const results = new Map<string, Map<string, Figures[]>>();
  for (let rep = 0; rep < REPS; rep++) {
    for (const p of probed) {
      const legs = rep % 2 === 0 ? LEG_NAMES : [...LEG_NAMES].reverse();
      const byLeg = results.get(p.endpoint.name) ?? new Map<string, Figures[]>();
      results.set(p.endpoint.name, byLeg);
      for (const leg of legs) {
        const f = await legOf(p, leg);
        byLeg.set(leg, [...(byLeg.get(leg) ?? []), f]);
        console.log(
          `  rep ${rep + 1} ${p.endpoint.name.padEnd(7)} ${leg.padEnd(9)} ${line(f)}` +
            (f.cpu !== undefined ? `; CPU ${f.cpu}` : ''),
        );
      }
    }
  }

  console.log(
    `\nmedians over ${REPS} rep(s); latency in ms (API: client side, autocannon, whole ms; srv: in process); ` +
      `API legs ${DURATION_S} s, SQL legs ${SQL_DURATION_S} s`,
  );
  for (const p of probed) {
    const byLeg = results.get(p.endpoint.name) as Map<string, Figures[]>;
    const get = (leg: string) => byLeg.get(leg) ?? [];
    console.log(`${p.endpoint.name}: ${p.endpoint.route}`);
    console.log(
      `  ${'leg'.padEnd(9)} ${'p50'.padStart(8)} ${'p97.5'.padStart(8)} ${'p99'.padStart(8)} ${'per s'.padStart(8)}`,
    );
    for (const leg of LEG_NAMES) {
      const fs = get(leg);
      const m = (k: keyof Figures) => median(fs.map((f) => f[k] as number));
      const api = leg.startsWith('API');
      console.log(
        `  ${leg.padEnd(9)} ${fix(m('p50'), api ? 0 : 2).padStart(8)} ${fix(m('p975'), api ? 0 : 2).padStart(8)} ` +
          `${fix(m('p99'), api ? 0 : 2).padStart(8)} ${fmt(m('rate')).padStart(8)}` +
          (api
            ? `   non-2xx ${fs.reduce((n, f) => n + (f.non2xx ?? 0), 0)}, srv p50/p95/p99 ${fix(m('serverP50'), 2)}/${fix(m('serverP95'), 2)}/${fix(m('serverP99'), 2)}`
            : leg === 'SQL'
              ? `   q/s (q = ${p.route.length} statement${p.route.length > 1 ? 's' : ''}), p95 ${fix(m('p95'), 2)}`
              : `   (${p.all.length} statement${p.all.length > 1 ? 's' : ''}), p95 ${fix(m('p95'), 2)}`),
      );
    }
    const sql = get('SQL');
    const all = get('all SQL');
    const low = get(`API c=${CONNECTIONS[0]}`);
    const perRep = (f: (i: number) => number) => median(sql.map((_, i) => f(i)));
    console.log(
      `  overhead at c=${CONNECTIONS[0]}: API p50 − SQL p50 = ${fix(
        perRep((i) => (low[i]?.p50 ?? NaN) - (sql[i]?.p50 ?? NaN)),
        2,
      )} ms ` +
        `(in process: ${fix(
          perRep((i) => (low[i]?.serverP50 ?? NaN) - (sql[i]?.p50 ?? NaN)),
          2,
        )} ms; ` +
        `all SQL − SQL: ${fix(
          perRep((i) => (all[i]?.p50 ?? NaN) - (sql[i]?.p50 ?? NaN)),
          2,
        )} ms)`,
    );
    console.log(
      `  API req/s ÷ SQL q/s: ` +
        CONNECTIONS.map((c) => {
          const a = get(`API c=${c}`);
          return `c=${c} ${fix(
            perRep((i) => (a[i]?.rate ?? NaN) / (sql[i]?.rate ?? NaN)),
            2,
          )}`;
        }).join(', ') +
        `; ÷ all-SQL req/s: ` +
        CONNECTIONS.map((c) => {
          const a = get(`API c=${c}`);
          return `c=${c} ${fix(
            perRep((i) => (a[i]?.rate ?? NaN) / (all[i]?.rate ?? NaN)),
            2,
          )}`;
        }).join(', '),
    );
  }
}

function line(f: Figures): string {
  const d = f.non2xx === undefined ? 2 : 0;
  return (
    `p50 ${fix(f.p50, d)} ms, p97.5 ${fix(f.p975, d)} ms, p99 ${fix(f.p99, d)} ms, ${fmt(f.rate)}/s` +
    (f.non2xx !== undefined
      ? `, non-2xx ${f.non2xx}, srv p50/p95/p99 ${fix(f.serverP50 ?? NaN, 2)}/${fix(f.serverP95 ?? NaN, 2)}/${fix(f.serverP99 ?? NaN, 2)} ms`
      : `, p95 ${fix(f.p95 ?? NaN, 2)} ms`)
  );
}

async function main() {
  console.log(machineLine());
  console.log(`node ${process.version}, autocannon 8 (separate process), API on 127.0.0.1`);
  if (SERVERS < 2)
    throw new Error('--servers must be at least 2 (the known feed removes the last)');
  const now = Math.floor(Date.now() / 60_000) * 60_000;
  const dir = await tempDir('ipmi-bench-api-');
  const stateDir = await mkdtemp(join(tmpdir(), 'ipmi-bench-api-state-'));
  let db: Database | undefined;
  let api: Api | undefined;
  try {
    db = await openDatabase({ dataDir: dir.dir, logger });
    await migrate(db, { logger });
    await load(db, now);
    api = await startApi(db, stateDir);
    await run(api, stateDir, now);
  } finally {
    await api?.close();
    await db?.close();
    await dir.remove();
    await rm(stateDir, { recursive: true, force: true });
  }
  for (const l of log.kafkajsSummary()) console.log(`kafkajs: ${l}`);
}

await main();
process.exit(0);
