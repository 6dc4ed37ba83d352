/**
 * FreeIPMI driver (the default). One process per command, IPMI 2.0 (`-D LAN_2_0`), the
 * password in a per-run `--config-file`, everything else on argv.
 *
 * Choices worth knowing:
 * - `--sdr-cache-recreate` on every SDR-using run: it only rebuilds when the cache is out
 *   of date or invalid (a BMC reset or firmware update changes the SDR), at no cost
 *   otherwise. If a stale-cache error still comes back, the host's cache files are deleted
 *   and the run is retried once.
 * - `ipmi-sensors --ignore-not-available-sensors`: FreeIPMI 1.6.10 stops the whole listing
 *   at the first sensor whose Get Sensor Thresholds fails with a completion code other
 *   than C9h/CBh (ipmi_sim answers CCh for an SDR with no sensor), exiting 1 with nothing
 *   on stderr. In a fan-out that silent truncation cannot be pinned to a host, so N/A
 *   sensors (absent, scanning disabled) are left out rather than risk losing every row
 *   after them. ipmitool's `sensor` lists them as `na`.
 * - `ipmi-sel -v`: adds the Event Direction column (assertion/deassertion).
 * - State interpretation from built-in defaults only (`NO_INTERPRET_CONFIG`): 5x cheaper.
 * - The session timeout is half the hard deadline so the tool reports its own
 *   "connection timeout" when a BMC is silent; the deadline is the backstop.
 */
import { readdir, rm, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { freeipmiConfigText } from './credentials.js';
import { isSdrCacheStale } from './classify.js';
import { invalidResult, runInvocation, toResult, validateTarget, type Invocation } from './exec.js';
import type {
  BmcInfoOptions,
  BmcTarget,
  Driver,
  DriverCommand,
  DriverOptions,
  DriverResult,
  IpmiFormat,
  SelOptions,
} from './types.js';

/**
 * The sensor and event state interpretation files. Debian's
 * /etc/freeipmi/freeipmi_interpret_{sensor,sel}.conf are 60 KB of comments restating the
 * compiled-in defaults, which FreeIPMI reads one byte per read(2): 60,711 syscalls and about
 * 50 ms of CPU per run, four times the cost of the IPMI work itself. An empty file gives the
 * same output (checked byte for byte against ipmi_sim) and keeps an edited /etc file from
 * changing states behind the collector's back, as the own --config-file does for
 * freeipmi.conf.
 */
export const NO_INTERPRET_CONFIG = '/dev/null';

/** Highest SEL record id: FFFFh means "last entry" in Get SEL Entry, so ranges end here. */
export const MAX_SEL_RECORD_ID = 0xfffe;

export interface FreeIpmiTimeouts {
  readonly sessionTimeoutMs: number;
  readonly retransmissionTimeoutMs: number;
}

/**
 * Half the deadline: against a silent BMC, FreeIPMI 1.6.10 gave up after 1.0 to 1.5 times
 * its session timeout (measured: 1125 ms → 1144-1708 ms, 1500 → 1510-2259, 3000 → 3010),
 * and its own "connection timeout" is a better report than our kill. FreeIPMI requires
 * retransmission < session timeout ("invalid parameters" otherwise).
 */
export function freeipmiTimeouts(deadlineMs: number): FreeIpmiTimeouts {
  const session = Math.min(60_000, Math.max(1000, Math.floor(deadlineMs * 0.5)));
  const retransmission = Math.max(250, Math.floor(session / 4));
  return { sessionTimeoutMs: session, retransmissionTimeoutMs: retransmission };
}

/** Options every FreeIPMI tool takes: connection, identity, session knobs. */
export function freeipmiCommonArgs(
  target: BmcTarget,
  configFile: string | null,
  hosts: string = `${target.host}:${target.port}`,
): string[] {
  const { sessionTimeoutMs, retransmissionTimeoutMs } = freeipmiTimeouts(target.timeoutMs);
  const args: string[] = [];
  // Always a config file, even without a password: it also keeps /etc/freeipmi/freeipmi.conf
  // from silently changing defaults under us.
  if (configFile !== null) args.push('--config-file', configFile);
  args.push('-D', 'LAN_2_0', '-h', hosts);
  if (target.username !== '') args.push('-u', target.username);
  if (target.privilege !== undefined) args.push('-l', target.privilege);
  if (target.cipherSuite !== undefined) args.push('-I', String(target.cipherSuite));
  const flags = target.workaroundFlags ?? [];
  // -W given twice keeps only the last one, so all flags go in one comma list.
  if (flags.length > 0) args.push('-W', flags.join(','));
  args.push(
    `--session-timeout=${sessionTimeoutMs}`,
    `--retransmission-timeout=${retransmissionTimeoutMs}`,
  );
  return args;
}

export function sdrCacheArgs(target: BmcTarget): string[] {
  return [`--sdr-cache-directory=${target.sdrCacheDir}`, '--quiet-cache', '--sdr-cache-recreate'];
}

interface CommandSpec {
  readonly tool: string;
  readonly format: IpmiFormat;
  readonly usesSdr: boolean;
  readonly args: readonly string[];
}

/** The tool, parser format and command-specific argv of each driver command. */
export function freeipmiCommand(command: DriverCommand, sel: SelOptions = {}): CommandSpec {
  switch (command) {
    case 'sensors':
      return {
        tool: 'ipmi-sensors',
        format: 'freeipmi-sensors',
        usesSdr: true,
        args: [
          '--comma-separated-output',
          '--output-sensor-state',
          '--output-sensor-thresholds',
          '--ignore-not-available-sensors',
          `--sensor-state-config-file=${NO_INTERPRET_CONFIG}`,
        ],
      };
    case 'sel': {
      const range: string[] = [];
      if (sel.fromRecordId !== undefined) {
        const from = Math.max(1, Math.min(MAX_SEL_RECORD_ID, Math.trunc(sel.fromRecordId)));
        range.push(`--display-range=${from}-${MAX_SEL_RECORD_ID}`);
      }
      return {
        tool: 'ipmi-sel',
        format: 'freeipmi-sel',
        usesSdr: true,
        args: [
          '--comma-separated-output',
          '--output-event-state',
          `--event-state-config-file=${NO_INTERPRET_CONFIG}`,
          '-v',
          ...range,
        ],
      };
    }
    case 'selInfo':
      // --info reads no SDR; skipping the cache keeps it working when the cache is stale.
      return {
        tool: 'ipmi-sel',
        format: 'freeipmi-sel-info',
        usesSdr: false,
        args: ['--info', '--ignore-sdr-cache'],
      };
    case 'selTime':
      return {
        tool: 'bmc-device',
        format: 'freeipmi-sel-time',
        usesSdr: false,
        args: ['--get-sel-time'],
      };
    case 'dcmiPower':
      return {
        tool: 'ipmi-dcmi',
        format: 'freeipmi-dcmi',
        usesSdr: false,
        args: ['--get-system-power-statistics'],
      };
    case 'chassisStatus':
      return {
        tool: 'ipmi-chassis',
        format: 'freeipmi-chassis-status',
        usesSdr: false,
        args: ['--get-chassis-status'],
      };
    case 'bmcInfo':
      return { tool: 'bmc-info', format: 'freeipmi-bmc-info', usesSdr: false, args: [] };
    case 'fru':
      return { tool: 'ipmi-fru', format: 'freeipmi-fru', usesSdr: true, args: [] };
  }
}

/** Full argv for a single-host run (what the unit tests check for secrets). */
export function freeipmiArgs(
  command: DriverCommand,
  target: BmcTarget,
  configFile: string | null,
  sel: SelOptions = {},
): string[] {
  const spec = freeipmiCommand(command, sel);
  return [
    ...freeipmiCommonArgs(target, configFile),
    ...(spec.usesSdr ? sdrCacheArgs(target) : []),
    ...spec.args,
  ];
}

export function freeipmiInvocation(
  command: DriverCommand,
  target: BmcTarget,
  sel: SelOptions = {},
): Invocation {
  const spec = freeipmiCommand(command, sel);
  return {
    command,
    tool: spec.tool,
    format: spec.format,
    args: (file) => freeipmiArgs(command, target, file, sel),
    credential: { name: 'freeipmi.conf', content: freeipmiConfigText(target.password) },
    deadlineMs: target.timeoutMs,
  };
}

/**
 * Deletes the FreeIPMI SDR cache files of one BMC. They are named
 * `sdr-cache-<local hostname>.<host>:<port>` under `<dir>/.freeipmi/sdr-cache/`; matching
 * on the suffix avoids depending on the local host name.
 */
export async function removeSdrCache(target: BmcTarget): Promise<void> {
  const dir = join(target.sdrCacheDir, '.freeipmi', 'sdr-cache');
  const suffix = `.${target.host}:${target.port}`;
  let names: string[] = [];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  await Promise.all(
    names
      .filter((n) => n.startsWith('sdr-cache-') && n.endsWith(suffix))
      .map((n) => rm(join(dir, n), { force: true })),
  );
}

export async function ensureSdrCacheDir(target: BmcTarget): Promise<void> {
  await mkdir(target.sdrCacheDir, { recursive: true, mode: 0o700 });
}

export async function runFreeipmi(
  command: DriverCommand,
  target: BmcTarget,
  options: DriverOptions,
  sel: SelOptions = {},
): Promise<DriverResult> {
  const spec = freeipmiCommand(command, sel);
  let inv: Invocation;
  try {
    validateTarget(target);
    inv = freeipmiInvocation(command, target, sel);
    if (spec.usesSdr) await ensureSdrCacheDir(target);
  } catch (err) {
    return invalidResult(command, spec.tool, spec.format, target, err);
  }
  try {
    let raw = await runInvocation(inv, target.password, options);
    let attempts = 1;
    if (spec.usesSdr && raw.classification.code !== null && isSdrCacheStale(raw.run.stderr)) {
      await removeSdrCache(target);
      raw = await runInvocation(inv, target.password, options);
      attempts = 2;
    }
    return toResult(inv, target, raw, { attempts });
  } catch (err) {
    return invalidResult(command, spec.tool, spec.format, target, err);
  }
}

export function createFreeIpmiDriver(options: DriverOptions = {}): Driver {
  return {
    kind: 'freeipmi',
    sensors: (t) => runFreeipmi('sensors', t, options),
    sel: (t, sel?: SelOptions) => runFreeipmi('sel', t, options, sel),
    selInfo: (t) => runFreeipmi('selInfo', t, options),
    selTime: (t) => runFreeipmi('selTime', t, options),
    dcmiPower: (t) => runFreeipmi('dcmiPower', t, options),
    chassisStatus: (t) => runFreeipmi('chassisStatus', t, options),
    bmcInfo: (t, _o?: BmcInfoOptions) => runFreeipmi('bmcInfo', t, options),
    fru: (t) => runFreeipmi('fru', t, options),
  };
}
