/**
 * The project's simulated BMC fleet (infra/bmc-sim), driven from TypeScript for integration
 * tests, benchmarks and the demo.
 *
 * Every operation runs `infra/bmc-sim/fleet.sh`, which holds all of the logic (process
 * lifecycle, the ipmi_sim console protocol, the sensor table, SEL record kinds), so the shell and
 * TypeScript can never disagree. This module adds types, per-call deadlines (the whole process
 * group of a call is killed when its deadline passes) and the credentials read from the fleet's
 * 0600 files. Passwords never go on a command line: `setPassword` hands the new one to fleet.sh
 * on stdin.
 *
 * BMC indexes are 1-based, as in fleet.sh: `startFleet({ count: 3 })` starts bmc1..bmc3.
 */
import { execFileSync, spawn } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BmcTarget } from '../drivers/types.js';

/** Absolute path of fleet.sh. */
export const FLEET_SCRIPT = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../infra/bmc-sim/fleet.sh',
);
/**
 * fleet.sh retries a console port that a killed simulator left closing for up to 90 s
 * (IPMI_FLEET_BIND_WAIT); operations that start simulators get that much extra time.
 */
const BIND_WAIT_MS = 95_000;
/** Default fleet home: `<repo>/.state/fleet` (git-ignored). */
export const DEFAULT_FLEET_HOME = resolve(dirname(FLEET_SCRIPT), '../../.state/fleet');
export const DEFAULT_BASE_PORT = 16000;
export const DEFAULT_CONSOLE_BASE = 17000;

export interface FleetBmc {
  /** 1-based index: bmc<index>, UDP port basePort + index. */
  readonly index: number;
  readonly host: '127.0.0.1';
  /** IPMI over LAN (RMCP/RMCP+) UDP port. */
  readonly port: number;
  /** ipmi_sim console TCP port (no authentication; loopback only). */
  readonly consolePort: number;
  readonly username: string;
  /** Current admin password; updated by `setPassword`. */
  password: string;
  readonly name: string;
  readonly manufacturer: string;
  readonly product: string;
  readonly serial: string;
  readonly guid: string;
  /** 0600 file holding only the password (for `ipmitool -f`). */
  readonly passwordFile: string;
  /** 0600 FreeIPMI config file (driver, user, password, privilege, workaround flags). */
  readonly freeipmiConfig: string;
}

export type BmcState = 'running' | 'hung' | 'stopped' | 'dead';

export interface BmcStatus {
  readonly index: number;
  readonly name: string;
  readonly pid: number | null;
  readonly state: BmcState;
  readonly port: number;
  readonly consolePort: number;
  /** Resident set size of the simulator process in KiB; null when it does not run. */
  readonly rssKb: number | null;
}

export interface StartFleetOptions {
  /** Number of BMCs. */
  readonly count: number;
  /** Index of the first BMC (default 1). */
  readonly first?: number;
  /** Generated files and per-BMC state (default `<repo>/.state/fleet`). */
  readonly home?: string;
  /** BMC i answers on UDP basePort + i (default 16000). */
  readonly basePort?: number;
  /** BMC i has its console on TCP consoleBase + i (default 17000). */
  readonly consoleBase?: number;
  /** Admin user name (default `admin`). */
  readonly username?: string;
  /** One password for every BMC (1-16 of A-Z a-z 0-9 . _ + = @ % -); default: random per BMC. */
  readonly password?: string;
  /** SEL capacity per BMC (default 200). */
  readonly selMax?: number;
  /** Load the DCMI plug-in when it can be built (default true). */
  readonly dcmi?: boolean;
  /** Deadline of one operation in ms (default 20 000; start gets more per BMC). */
  readonly timeoutMs?: number;
  /** Stop the fleet when this Node process exits without calling stopAll (default true). */
  readonly stopOnExit?: boolean;
}

export interface SetSensorOptions {
  /** Let the BMC log SEL events for threshold / state changes (default true). */
  readonly event?: boolean;
}

export interface DriftOptions {
  readonly from: number;
  readonly to: number;
  /** Steps each way (default 5). */
  readonly steps?: number;
  /** Pause between steps in ms (default 200). */
  readonly stepMs?: number;
}

export interface Fleet {
  readonly home: string;
  readonly bmcs: readonly FleetBmc[];
  /** Whether the DCMI power-reading plug-in is loaded. */
  readonly dcmi: boolean;
  /** The BMC with this index (throws when there is none). */
  bmc(index: number): FleetBmc;
  /**
   * Sets a sensor by name (infra/bmc-sim/sensors.tsv). Threshold sensors take the value in
   * their unit (`'CPU Temp'`, 95); discrete ones a state bit mask (`'PSU1 Status'`, 0b11).
   */
  setSensor(index: number, name: string, value: number, options?: SetSensorOptions): Promise<void>;
  /** Moves a threshold sensor from `from` to `to` and back in steps, events on each crossing. */
  driftSensor(index: number, name: string, options: DriftOptions): Promise<void>;
  /** Adds `count` SEL records of a kind (`fleet.sh sel-kinds`: temp, fan, psu, ecc, oem, ...). */
  addSel(index: number, kind?: string, count?: number): Promise<void>;
  /** Clears the SEL over IPMI; `marker` then logs "Log area reset/cleared" as many BMCs do. */
  clearSel(index: number, options?: { readonly marker?: boolean }): Promise<void>;
  /** Adds records until the SEL is full (overflow flag set); returns how many were added. */
  fillSel(index: number): Promise<number>;
  /** Raw ipmi_sim console commands; returns their output. */
  console(index: number, ...commands: string[]): Promise<string>;
  /** Stops the simulator (by pid). The BMC stops answering; `restart` brings it back. */
  stop(index: number): Promise<void>;
  /** SIGSTOP: packets are no longer answered (clients time out). */
  hang(index: number): Promise<void>;
  /** SIGCONT after `hang`. */
  resume(index: number): Promise<void>;
  /** Stops and starts the BMC with the same identity, password and SEL. */
  restart(index: number): Promise<void>;
  /**
   * Changes the admin password: live over IPMI (Set User Password), or with `restart` by
   * rewriting lan.conf and restarting the BMC. Updates `bmc(index).password`.
   */
  setPassword(
    index: number,
    password: string,
    options?: { readonly restart?: boolean },
  ): Promise<void>;
  powerOff(index: number): Promise<void>;
  powerOn(index: number): Promise<void>;
  /** DCMI power reading in watts (needs the plug-in, see `dcmi`). */
  setDcmiPower(
    index: number,
    watts: number,
    stats?: { readonly min: number; readonly max: number; readonly avg: number },
  ): Promise<void>;
  status(): Promise<BmcStatus[]>;
  /** Stops every BMC of this fleet home. */
  stopAll(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export type FleetErrorCode = 'FLEET_COMMAND_FAILED' | 'FLEET_TIMEOUT' | 'FLEET_BAD_ARGUMENT';

export class FleetError extends Error {
  readonly code: FleetErrorCode;
  constructor(code: FleetErrorCode, message: string) {
    super(message);
    this.name = 'FleetError';
    this.code = code;
  }
}

interface RunOptions {
  readonly timeoutMs: number;
  readonly stdin?: string;
}

/**
 * Runs fleet.sh with the fleet's environment. The call gets its own process group, which is
 * killed as a whole when the deadline passes (simulators are not in it: they run in their own
 * sessions).
 */
function runFleetScript(env: NodeJS.ProcessEnv, args: readonly string[], options: RunOptions) {
  return new Promise<string>((resolvePromise, reject) => {
    const child = spawn('bash', [FLEET_SCRIPT, ...args], {
      env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, options.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new FleetError('FLEET_COMMAND_FAILED', `fleet.sh ${args[0] ?? ''}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const what = `fleet.sh ${args.join(' ')}`;
      if (timedOut) {
        reject(
          new FleetError('FLEET_TIMEOUT', `${what}: no result within ${options.timeoutMs} ms`),
        );
      } else if (code === 0) {
        resolvePromise(stdout);
      } else {
        const detail = stderr.trim() || stdout.trim() || `exit ${code ?? signal}`;
        reject(new FleetError('FLEET_COMMAND_FAILED', `${what}: ${detail}`));
      }
    });
    // fleet.sh may exit before reading its stdin (nothing to read, or it failed early):
    // the resulting EPIPE is not an error of the command, whose exit code says what happened.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
  });
}

function parseTsv(text: string): Record<string, string>[] {
  const lines = text.split('\n').filter((l) => l.length > 0);
  const header = lines.shift()?.split('\t') ?? [];
  return lines.map((line) => {
    const cells = line.split('\t');
    return Object.fromEntries(header.map((h, k) => [h, cells[k] ?? '']));
  });
}

function field(row: Record<string, string>, key: string): string {
  const v = row[key];
  if (v === undefined) throw new FleetError('FLEET_COMMAND_FAILED', `fleet.sh: no column ${key}`);
  return v;
}

function numOrNull(v: string): number | null {
  return /^\d+$/.test(v) ? Number(v) : null;
}

function checkIndex(i: number): string {
  if (!Number.isInteger(i) || i < 1)
    throw new FleetError('FLEET_BAD_ARGUMENT', `bad BMC index ${i}`);
  return String(i);
}

function checkNumber(v: number, what: string): string {
  if (!Number.isFinite(v)) throw new FleetError('FLEET_BAD_ARGUMENT', `${what} is not a number`);
  return String(v);
}

/** Environment for fleet.sh: the caller's, plus the fleet settings. */
function fleetEnv(options: StartFleetOptions, home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, IPMI_FLEET_HOME: home };
  // Set here or not at all: a value inherited from the caller's shell must not leak in.
  delete env.IPMI_FLEET_PASSWORD;
  delete env.IPMI_FLEET_NEW_PASSWORD;
  env.IPMI_FLEET_BASE_PORT = String(options.basePort ?? DEFAULT_BASE_PORT);
  env.IPMI_FLEET_CONSOLE_BASE = String(options.consoleBase ?? DEFAULT_CONSOLE_BASE);
  if (options.username !== undefined) env.IPMI_FLEET_USER = options.username;
  if (options.password !== undefined) env.IPMI_FLEET_PASSWORD = options.password;
  if (options.selMax !== undefined) env.IPMI_FLEET_SEL_MAX = String(options.selMax);
  if (options.dcmi === false) env.IPMI_FLEET_DCMI = '0';
  return env;
}

async function readBmcs(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<FleetBmc[]> {
  const rows = parseTsv(await runFleetScript(env, ['list'], { timeoutMs }));
  return Promise.all(
    rows.map(async (row) => {
      const passwordFile = field(row, 'password_file');
      return {
        index: Number(field(row, 'index')),
        host: '127.0.0.1' as const,
        port: Number(field(row, 'port')),
        consolePort: Number(field(row, 'console')),
        username: field(row, 'username'),
        password: (await readFile(passwordFile, 'utf8')).trim(),
        name: field(row, 'name'),
        manufacturer: field(row, 'manufacturer'),
        product: field(row, 'product'),
        serial: field(row, 'serial'),
        guid: field(row, 'guid'),
        passwordFile,
        freeipmiConfig: field(row, 'freeipmi_config'),
      };
    }),
  );
}

/** Builds (when needed) and starts a fleet; resolves once every BMC answers IPMI. */
export async function startFleet(options: StartFleetOptions): Promise<Fleet> {
  if (!Number.isInteger(options.count) || options.count < 1) {
    throw new FleetError('FLEET_BAD_ARGUMENT', `count must be a positive integer`);
  }
  const first = options.first ?? 1;
  const home = resolve(options.home ?? DEFAULT_FLEET_HOME);
  const env = fleetEnv(options, home);
  const timeoutMs = options.timeoutMs ?? 20_000;
  const run = (args: readonly string[], extra?: Partial<RunOptions>) =>
    runFleetScript(env, args, { timeoutMs, ...extra });

  let exitHook: (() => void) | undefined;
  if (options.stopOnExit !== false) {
    exitHook = () => {
      try {
        execFileSync('bash', [FLEET_SCRIPT, 'stop'], { env, stdio: 'ignore', timeout: 15_000 });
      } catch {
        // best effort at exit
      }
    };
    process.once('exit', exitHook);
  }
  const indexes = Array.from({ length: options.count }, (_, k) => String(first + k));
  try {
    await run(['start', String(options.count), String(first)], {
      timeoutMs: timeoutMs + 500 * options.count + BIND_WAIT_MS,
    });
  } catch (err) {
    await run(['stop', ...indexes]).catch(() => undefined);
    if (exitHook) process.removeListener('exit', exitHook);
    throw err;
  }
  const all = await readBmcs(env, timeoutMs);
  const bmcs = all.filter((b) => b.index >= first && b.index < first + options.count);
  const dcmi =
    options.dcmi !== false &&
    (await access(resolve(home, 'build/dcmi-power.so')).then(
      () => true,
      () => false,
    ));

  const bmc = (index: number): FleetBmc => {
    const found = bmcs.find((b) => b.index === index);
    if (!found) throw new FleetError('FLEET_BAD_ARGUMENT', `no bmc${index} in this fleet`);
    return found;
  };
  const op = async (args: readonly string[], extra?: Partial<RunOptions>) => {
    await run(args, extra);
  };

  const fleet: Fleet = {
    home,
    bmcs,
    dcmi,
    bmc,
    setSensor: (i, name, value, opts) =>
      op([
        'sensor',
        checkIndex(i),
        name,
        checkNumber(value, 'value'),
        ...(opts?.event === false ? ['--no-event'] : []),
      ]),
    driftSensor: (i, name, d) => {
      const steps = d.steps ?? 5;
      const stepMs = d.stepMs ?? 200;
      return op(
        [
          'drift',
          checkIndex(i),
          name,
          checkNumber(d.from, 'from'),
          checkNumber(d.to, 'to'),
          String(steps),
          String(stepMs),
        ],
        { timeoutMs: timeoutMs + 2 * steps * stepMs },
      );
    },
    addSel: (i, kind = 'temp', count = 1) =>
      op(['sel', checkIndex(i), 'add', kind, checkNumber(count, 'count')]),
    clearSel: (i, opts) =>
      op(['sel', checkIndex(i), 'clear', ...(opts?.marker === true ? ['--marker'] : [])]),
    fillSel: async (i) => {
      const out = await run(['sel', checkIndex(i), 'fill']);
      return Number(/after adding (\d+) entries/.exec(out)?.[1] ?? NaN);
    },
    console: (i, ...commands) => run(['cmd', checkIndex(i), ...commands]),
    stop: (i) => op(['kill', checkIndex(i)]),
    hang: (i) => op(['hang', checkIndex(i)]),
    resume: (i) => op(['resume', checkIndex(i)]),
    restart: (i) => op(['restart', checkIndex(i)], { timeoutMs: timeoutMs + BIND_WAIT_MS }),
    setPassword: async (i, password, opts) => {
      const target = bmc(i);
      await op(
        ['passwd', checkIndex(i), ...(opts?.restart === true ? ['--restart'] : [])],
        // The new password goes on stdin, never on a command line.
        { stdin: `${password}\n`, timeoutMs: timeoutMs + BIND_WAIT_MS },
      );
      target.password = (await readFile(target.passwordFile, 'utf8')).trim();
    },
    powerOff: (i) => op(['power', checkIndex(i), 'off']),
    powerOn: (i) => op(['power', checkIndex(i), 'on']),
    setDcmiPower: (i, watts, stats) =>
      op([
        'dcmi',
        checkIndex(i),
        checkNumber(watts, 'watts'),
        ...(stats
          ? [
              checkNumber(stats.min, 'min'),
              checkNumber(stats.max, 'max'),
              checkNumber(stats.avg, 'avg'),
            ]
          : []),
      ]),
    status: async () =>
      parseTsv(await run(['status'])).map((row) => ({
        index: Number(field(row, 'index')),
        name: field(row, 'name'),
        pid: numOrNull(field(row, 'pid')),
        state: field(row, 'state') as BmcState,
        port: Number(field(row, 'port')),
        consolePort: Number(field(row, 'console')),
        rssKb: numOrNull(field(row, 'rss_kb')),
      })),
    stopAll: async () => {
      await op(['stop']);
      if (exitHook) process.removeListener('exit', exitHook);
    },
    [Symbol.asyncDispose]: () => fleet.stopAll(),
  };
  return fleet;
}

/**
 * Client settings every fleet BMC needs: ipmi_sim derives the RAKP session keys from the
 * privilege of the Open Session request, which FreeIPMI's `opensesspriv` workaround accounts
 * for, and it offers cipher suite 3 (see servers.example.yaml).
 */
export const FLEET_CLIENT = {
  privilege: 'ADMIN',
  cipherSuite: 3,
  workaroundFlags: ['opensesspriv'],
} as const;

/** A driver target for a fleet BMC, for tools and benchmarks that call the drivers directly. */
export function fleetTarget(
  b: FleetBmc,
  o: { readonly timeoutMs: number; readonly sdrCacheDir: string },
): BmcTarget {
  return {
    host: b.host,
    port: b.port,
    username: b.username,
    password: b.password,
    privilege: FLEET_CLIENT.privilege,
    cipherSuite: FLEET_CLIENT.cipherSuite,
    workaroundFlags: [...FLEET_CLIENT.workaroundFlags],
    timeoutMs: o.timeoutMs,
    sdrCacheDir: o.sdrCacheDir,
  };
}

export interface FleetYamlOptions {
  /** Server id of a BMC; default: derived from its name by the importer. */
  readonly serverId?: ((b: FleetBmc) => string) | undefined;
  readonly tags?: readonly string[] | undefined;
  /** Import durations per kind (`5s`, `off`); absent kinds use the collector default. */
  readonly intervals?: Readonly<Partial<Record<'sensors' | 'sel' | 'power' | 'inventory', string>>>;
  /** Extra fields of one server, e.g. `{ driver: 'ipmitool' }`. */
  readonly extra?: ((b: FleetBmc) => Readonly<Record<string, string>>) | undefined;
}

/**
 * A servers.yaml (the `ipmi-monitor import` format) for fleet BMCs, passwords included:
 * write it 0600. Strings are JSON-quoted, which YAML reads as they are.
 */
export function fleetServersYaml(bmcs: readonly FleetBmc[], o: FleetYamlOptions = {}): string {
  const intervals = Object.entries(o.intervals ?? {}).map(([k, v]) => `    ${k}: ${v}`);
  const lines = [
    'defaults:',
    '  privilege: administrator',
    `  cipherSuite: ${FLEET_CLIENT.cipherSuite}`,
    `  workaroundFlags: [${FLEET_CLIENT.workaroundFlags.join(', ')}]`,
    ...(o.tags !== undefined ? [`  tags: [${o.tags.join(', ')}]`] : []),
    ...(intervals.length > 0 ? ['  intervals:', ...intervals] : []),
    'servers:',
  ];
  for (const b of bmcs) {
    const fields: Record<string, string | number> = {
      ...(o.serverId !== undefined ? { serverId: o.serverId(b) } : {}),
      name: b.name,
      host: b.host,
      port: b.port,
      model: `${b.manufacturer} ${b.product}`,
      username: b.username,
      password: b.password,
      ...(o.extra?.(b) ?? {}),
    };
    Object.entries(fields).forEach(([k, v], i) => {
      lines.push(`${i === 0 ? '  - ' : '    '}${k}: ${JSON.stringify(v)}`);
    });
  }
  return `${lines.join('\n')}\n`;
}
