/**
 * ipmitool driver, for BMCs FreeIPMI handles badly. `-I lanplus` (IPMI 2.0), the password
 * through `-f FILE` (not `-E`: the environment of a process is readable in
 * /proc/PID/environ), and explicit `-R`/`-N` so that a silent BMC fails inside the deadline.
 *
 * Set `cipherSuite` for BMCs that ignore Get Channel Cipher Suites (ipmi_sim does, and so
 * do some real ones): without `-C`, ipmitool 1.8.19 spends about 10 s probing per call.
 * ipmitool has no SEL range read; `sel elist` always returns the whole SEL.
 */
import { ipmitoolPasswordText } from './credentials.js';
import { invalidResult, runInvocation, toResult, validateTarget, type Invocation } from './exec.js';
import type {
  BmcInfoOptions,
  BmcTarget,
  Driver,
  DriverCommand,
  DriverOptions,
  DriverResult,
  IpmiFormat,
  Privilege,
} from './types.js';

const PRIVILEGE_NAMES: Record<Privilege, string> = {
  USER: 'USER',
  OPERATOR: 'OPERATOR',
  ADMIN: 'ADMINISTRATOR',
};

export interface IpmitoolTimeouts {
  readonly retries: number;
  readonly timeoutSeconds: number;
}

/**
 * ipmitool's own give-up time for a silent BMC was measured at about
 * 2·(R·N + R(R−1)/2) s (ipmi_sim, lanplus); with R = 1 that is 2·N, so N is chosen to keep
 * 2·N at or under 80% of the deadline where possible (N ≥ 1).
 */
export function ipmitoolTimeouts(deadlineMs: number): IpmitoolTimeouts {
  return { retries: 1, timeoutSeconds: Math.max(1, Math.floor((deadlineMs * 0.4) / 1000)) };
}

interface CommandSpec {
  readonly format: IpmiFormat;
  readonly args: readonly string[];
}

export function ipmitoolCommand(command: DriverCommand): CommandSpec {
  switch (command) {
    case 'sensors':
      return { format: 'ipmitool-sensor', args: ['sensor'] };
    case 'sel':
      return { format: 'ipmitool-sel-elist', args: ['sel', 'elist'] };
    case 'selInfo':
      return { format: 'ipmitool-sel-info', args: ['sel', 'info'] };
    case 'selTime':
      return { format: 'ipmitool-sel-time', args: ['sel', 'time', 'get'] };
    case 'dcmiPower':
      return { format: 'ipmitool-dcmi', args: ['dcmi', 'power', 'reading'] };
    case 'chassisStatus':
      return { format: 'ipmitool-chassis-status', args: ['chassis', 'status'] };
    case 'bmcInfo':
      return { format: 'ipmitool-mc-info', args: ['mc', 'info'] };
    case 'fru':
      return { format: 'ipmitool-fru', args: ['fru'] };
  }
}

export function ipmitoolArgs(
  command: DriverCommand,
  target: BmcTarget,
  passwordFile: string | null,
  options: { diagnose?: boolean | undefined } = {},
): string[] {
  const { retries, timeoutSeconds } = ipmitoolTimeouts(target.timeoutMs);
  const args: string[] = [];
  // -v also changes the stdout layout of some subcommands, so only for diagnosis.
  if (options.diagnose === true) args.push('-v');
  args.push('-I', 'lanplus', '-H', target.host, '-p', String(target.port), '-U', target.username);
  // An empty password cannot go through -f (ipmitool keeps the bare newline as the
  // password); -P '' reveals only that there is none. stdin is /dev/null, so the
  // "Password:" prompt ipmitool falls back to can never block.
  if (passwordFile !== null) args.push('-f', passwordFile);
  else args.push('-P', '');
  if (target.privilege !== undefined) args.push('-L', PRIVILEGE_NAMES[target.privilege]);
  if (target.cipherSuite !== undefined) args.push('-C', String(target.cipherSuite));
  args.push('-R', String(retries), '-N', String(timeoutSeconds));
  args.push(...ipmitoolCommand(command).args);
  return args;
}

export function ipmitoolInvocation(
  command: DriverCommand,
  target: BmcTarget,
  options: { diagnose?: boolean | undefined } = {},
): Invocation {
  const spec = ipmitoolCommand(command);
  const credential =
    target.password === ''
      ? null
      : { name: 'ipmitool.pw', content: ipmitoolPasswordText(target.password) };
  return {
    command,
    tool: 'ipmitool',
    format: spec.format,
    args: (file) => ipmitoolArgs(command, target, file, options),
    credential,
    deadlineMs: target.timeoutMs,
    toolTimeoutMs: ipmitoolTimeouts(target.timeoutMs).timeoutSeconds * 1000,
  };
}

export async function runIpmitool(
  command: DriverCommand,
  target: BmcTarget,
  options: DriverOptions,
  extra: { diagnose?: boolean | undefined } = {},
): Promise<DriverResult> {
  const spec = ipmitoolCommand(command);
  let inv: Invocation;
  try {
    validateTarget(target);
    inv = ipmitoolInvocation(command, target, extra);
  } catch (err) {
    return invalidResult(command, 'ipmitool', spec.format, target, err);
  }
  try {
    return toResult(inv, target, await runInvocation(inv, target.password, options));
  } catch (err) {
    return invalidResult(command, 'ipmitool', spec.format, target, err);
  }
}

export function createIpmitoolDriver(options: DriverOptions = {}): Driver {
  return {
    kind: 'ipmitool',
    sensors: (t) => runIpmitool('sensors', t, options),
    // No range read in ipmitool: the caller filters by record id.
    sel: (t) => runIpmitool('sel', t, options),
    selInfo: (t) => runIpmitool('selInfo', t, options),
    selTime: (t) => runIpmitool('selTime', t, options),
    dcmiPower: (t) => runIpmitool('dcmiPower', t, options),
    chassisStatus: (t) => runIpmitool('chassisStatus', t, options),
    bmcInfo: (t, o?: BmcInfoOptions) =>
      runIpmitool('bmcInfo', t, options, { diagnose: o?.diagnose }),
    fru: (t) => runIpmitool('fru', t, options),
  };
}
