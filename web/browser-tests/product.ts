/**
 * The whole product as processes, for the UI's end-to-end tests and benchmarks: collector,
 * stream processors, API (with its embedded database and the projections) and the web UI,
 * each `ipmi-monitor <command>` configured by environment only, on their own topic prefix,
 * state directory and free ports, against the real broker and registry. Optionally a
 * simulated BMC fleet (ipmi_sim) on ports of its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, testPrefix } from '@ipmi-monitor/runtime/testing';
import { startFleet, type Fleet } from '@ipmi-monitor/collector/fleet';

// The CLI's TypeScript entry, run directly (not through bin/ipmi-monitor.js, whose wrapper
// process would stand between a SIGKILL and the service: the soak test kills the service).
const main = new URL('../../cli/src/main.ts', import.meta.url).pathname;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export interface ProductOptions {
  /** Simulated BMCs to start (not configured: the test decides which to add). */
  bmcs?: number;
  fleetBasePort?: number;
  /** Poll intervals (ms) of the collector. */
  pollMs?: number;
  /** Which processes to run (default all). */
  services?: readonly ('collector' | 'streams' | 'api' | 'web')[];
  /** Extra environment for every process. */
  env?: Record<string, string>;
  /** An API already running elsewhere (e.g. in a benchmark's process): the UI uses it. */
  apiUrl?: string;
  /** Also append each process's output to `<logDir>/<name>.log` (kept after stop). */
  logDir?: string;
}

export type ServiceName = 'collector' | 'streams' | 'api' | 'web';

/** A service process that exited without being stopped by the launcher. */
export interface UnplannedExit {
  readonly name: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly at: number;
}

export interface Product {
  work: string;
  prefix: string;
  apiUrl: string;
  webUrl: string;
  adminPassword: string;
  fleet: Fleet | null;
  /** Everything the processes printed (for failure messages). */
  output(name?: string): string;
  /** The HTTP port of a service (its /health and /metrics). */
  port(name: ServiceName): number;
  /** The pid of a service's current process (null when it is not running). */
  pid(name: ServiceName): number | null;
  /**
   * Kills a service with `signal` (SIGKILL by default), waits for it to exit and starts it
   * again with the same environment, the way a supervisor would.
   */
  restart(name: ServiceName, signal?: NodeJS.Signals): Promise<void>;
  /** Stops one service gracefully (SIGTERM) and leaves it stopped. */
  halt(name: ServiceName): Promise<void>;
  /** Service processes that exited on their own (crashed, or stopped themselves). */
  unplannedExits(): readonly UnplannedExit[];
  /** An admin API token (logged in once). */
  adminToken(): Promise<string>;
  /** A JSON call to the API with the admin token. */
  api<T>(
    path: string,
    init?: { method?: string; json?: unknown; body?: string; contentType?: string },
  ): Promise<T>;
  stop(): Promise<void>;
}

export async function startProduct(o: ProductOptions = {}): Promise<Product> {
  const work = await mkdtemp(join(tmpdir(), 'ui-e2e-'));
  const prefix = testPrefix();
  const services = o.services ?? ['collector', 'streams', 'api', 'web'];
  const ports = {
    collector: await freePort(),
    streams: await freePort(),
    api: await freePort(),
    web: await freePort(),
  };
  const apiUrl = o.apiUrl ?? `http://127.0.0.1:${ports.api}`;
  const webUrl = `http://127.0.0.1:${ports.web}`;
  const children = new Map<string, ChildProcess>();
  const closed = new WeakMap<ChildProcess, Promise<void>>();
  // Processes this launcher stopped on purpose; any other exit is a crash worth reporting.
  const stopping = new WeakSet<ChildProcess>();
  const unplanned: UnplannedExit[] = [];
  const outputs = new Map<string, string>();
  const logs = new Map<string, WriteStream>();
  if (o.logDir) mkdirSync(o.logDir, { recursive: true });
  const pollMs = String(o.pollMs ?? 5000);

  const fleet =
    o.bmcs && o.bmcs > 0
      ? await startFleet({
          count: o.bmcs,
          basePort: o.fleetBasePort ?? 18_600,
          consoleBase: (o.fleetBasePort ?? 18_600) + 1000,
          home: join(work, 'fleet'),
        })
      : null;

  const start = (name: keyof typeof ports) => {
    const child = spawn(
      process.execPath,
      ['--conditions=ipmi-source', '--import', 'tsx', main, name],
      {
        env: {
          ...process.env,
          IPMI_TOPIC_PREFIX: prefix,
          IPMI_STATE_DIR: work,
          IPMI_DATA_DIR: join(work, 'db'),
          IPMI_COLLECTOR_ID: `ui-e2e-${prefix}`,
          IPMI_POLL_SENSORS_MS: pollMs,
          IPMI_POLL_SEL_MS: pollMs,
          HTTP_PORT: String(ports[name]),
          API_URL: apiUrl,
          LOG_LEVEL: 'info',
          ...o.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    if (o.logDir && !logs.has(name)) {
      const log = createWriteStream(join(o.logDir, `${name}.log`));
      // A log file that fails must not take the test down with it.
      log.on('error', () => undefined);
      logs.set(name, log);
    }
    // Only the tail is kept in memory (a soak run's processes talk for many minutes), and it
    // runs on across restarts so a killed process's last words stay visible.
    const add = (c: Buffer) => {
      outputs.set(name, ((outputs.get(name) ?? '') + c.toString()).slice(-64_000));
      const log = logs.get(name);
      if (log && !log.writableEnded) log.write(c);
    };
    child.stdout?.on('data', add);
    child.stderr?.on('data', add);
    closed.set(child, new Promise((r) => child.once('close', () => r())));
    child.once('exit', (code, signal) => {
      if (!stopping.has(child)) unplanned.push({ name, code, signal, at: Date.now() });
    });
    children.set(name, child);
  };
  const output = (name?: string) =>
    name
      ? (outputs.get(name) ?? '').slice(-4000)
      : [...outputs].map(([n, t]) => `--- ${n}\n${t.slice(-2500)}`).join('\n');

  // Resolves once the process has exited AND its output pipes are drained ('close'), so no
  // late chunk reaches a log file after it was ended.
  const ended = async (c: ChildProcess, signal: NodeJS.Signals) => {
    stopping.add(c);
    if (c.exitCode === null && c.signalCode === null) {
      const t = setTimeout(() => c.kill('SIGKILL'), 15_000);
      c.kill(signal);
      await new Promise((r) => c.once('exit', r));
      clearTimeout(t);
    }
    await closed.get(c);
  };
  const pid = (name: ServiceName) => {
    const c = children.get(name);
    return c && c.exitCode === null && c.signalCode === null ? (c.pid ?? null) : null;
  };
  const restart = async (name: ServiceName, signal: NodeJS.Signals = 'SIGKILL') => {
    const c = children.get(name);
    if (c) await ended(c, signal);
    start(name);
  };

  const halt = async (name: ServiceName) => {
    const c = children.get(name);
    if (c) await ended(c, 'SIGTERM');
  };

  const stop = async () => {
    await Promise.all([...children.values()].map((c) => ended(c, 'SIGTERM')));
    await Promise.all([...logs.values()].map((l) => new Promise((r) => l.end(r))));
    await fleet?.stopAll();
    if (!process.env.IPMI_KEEP_TEST_STATE) await rm(work, { recursive: true, force: true });
  };

  try {
    // The API first: it creates the topics and the database, and the first admin.
    if (services.includes('api')) {
      start('api');
      await eventually(() => (outputs.get('api')?.includes('"api listening"') ? true : undefined), {
        timeoutMs: 120_000,
        what: 'the api listening',
      });
    }
    for (const s of services) if (s !== 'api') start(s);
    if (services.includes('web')) {
      await eventually(async () => ((await fetch(`${webUrl}/health`)).ok ? true : undefined), {
        timeoutMs: 60_000,
        what: 'the web UI listening',
      });
    }
  } catch (err) {
    const out = output();
    await stop();
    throw new Error(`${String(err)}\n${out}`);
  }

  const adminPassword = services.includes('api')
    ? (/^password=(.+)$/m.exec(
        await readFile(join(work, 'api', 'admin-credentials'), 'utf8'),
      )?.[1] ?? '')
    : '';
  let token: string | null = null;
  const adminToken = async () => {
    if (token) return token;
    const res = await fetch(`${apiUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: adminPassword }),
    });
    if (!res.ok) throw new Error(`login: ${res.status} ${await res.text()}`);
    token = ((await res.json()) as { token: string }).token;
    return token;
  };
  const api = async <T>(
    path: string,
    init: { method?: string; json?: unknown; body?: string; contentType?: string } = {},
  ): Promise<T> => {
    const headers: Record<string, string> = { authorization: `Bearer ${await adminToken()}` };
    let body = init.body;
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers['content-type'] = 'application/json';
    } else if (init.contentType) headers['content-type'] = init.contentType;
    const res = await fetch(`${apiUrl}${path}`, { method: init.method ?? 'GET', headers, body });
    if (!res.ok)
      throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
    return (res.status === 204 ? undefined : await res.json()) as T;
  };

  return {
    work,
    prefix,
    apiUrl,
    webUrl,
    adminPassword,
    fleet,
    output,
    port: (name: ServiceName) => ports[name],
    pid,
    restart,
    halt,
    unplannedExits: () => unplanned,
    adminToken,
    api,
    stop,
  };
}
