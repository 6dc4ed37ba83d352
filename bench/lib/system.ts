/**
 * What the machine did during a measurement, from /proc (Linux only): CPU of this process
 * (and of its reaped children), of given other processes (the ipmi_sim simulators, the
 * Kafka stack) and of the whole machine; plus the machine and tool versions to print with
 * the figures.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';

const TICKS_PER_SECOND = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isInteger(n) && n > 0 ? n : 100;
})();
const MS_PER_TICK = 1000 / TICKS_PER_SECOND;

/** Fields of /proc/<pid>/stat after the command name (field 3, state, is index 0). */
function statFields(pid: number | 'self'): string[] | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // the process is gone
  }
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/**
 * CPU ms of this process: utime + stime + cutime + cstime. Children count once they have
 * been reaped (Node reaps them as they exit), so a tool still running is not in it yet.
 */
export function selfCpuMs(): number {
  const f = statFields('self');
  if (f === null) return NaN;
  // utime, stime, cutime, cstime are fields 14-17, i.e. indexes 11-14 here.
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * MS_PER_TICK;
}

/** CPU ms (utime + stime) of another process; 0 when it is gone. */
export function pidCpuMs(pid: number): number {
  const f = statFields(pid);
  return f === null ? 0 : (Number(f[11]) + Number(f[12])) * MS_PER_TICK;
}

/** Whole-machine CPU time from /proc/stat, in CPU-ms summed over all cores. */
export function machineCpuMs(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user).
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, soft = 0, steal = 0] = v;
  const busy = user + nice + system + irq + soft + steal;
  return { busy: busy * MS_PER_TICK, total: (busy + idle + iowait) * MS_PER_TICK };
}

export interface CpuSnapshot {
  readonly at: number;
  readonly self: number;
  readonly machineBusy: number;
  readonly machineTotal: number;
  /** Per group of other processes (e.g. `ipmi_sim`, `kafka+registry`): CPU ms. */
  readonly groups: Readonly<Record<string, number>>;
}

export interface CpuDelta {
  readonly wallMs: number;
  /** This process and its reaped children. */
  readonly selfMs: number;
  readonly machineBusyMs: number;
  readonly machineTotalMs: number;
  readonly groups: Readonly<Record<string, number>>;
}

export class CpuMeter {
  readonly #groups: Record<string, readonly number[]>;
  constructor(groups: Record<string, readonly number[]> = {}) {
    this.#groups = groups;
  }
  snapshot(): CpuSnapshot {
    const m = machineCpuMs();
    const groups: Record<string, number> = {};
    for (const [name, pids] of Object.entries(this.#groups)) {
      groups[name] = pids.reduce((sum, pid) => sum + pidCpuMs(pid), 0);
    }
    return {
      at: performance.now(),
      self: selfCpuMs(),
      machineBusy: m.busy,
      machineTotal: m.total,
      groups,
    };
  }
}

export function cpuDelta(a: CpuSnapshot, b: CpuSnapshot): CpuDelta {
  const groups: Record<string, number> = {};
  for (const k of Object.keys(b.groups)) groups[k] = (b.groups[k] ?? 0) - (a.groups[k] ?? 0);
  return {
    wallMs: b.at - a.at,
    selfMs: b.self - a.self,
    machineBusyMs: b.machineBusy - a.machineBusy,
    machineTotalMs: b.machineTotal - a.machineTotal,
    groups,
  };
}

/** Pids of the local stack's processes, from `infra/local/stack.sh status`. */
export function stackPids(repo: string): number[] {
  const r = spawnSync('bash', [`${repo}/infra/local/stack.sh`, 'status'], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  return [...(r.stdout ?? '').matchAll(/^\S+\s+up\s+pid\s+(\d+)/gm)].map((m) => Number(m[1]));
}

function firstLineMatching(cmd: string, args: string[], re: RegExp): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 5000 });
  const text = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  return (
    text
      .split('\n')
      .find((l) => re.test(l))
      ?.trim() ?? `${cmd}: not found`
  );
}

/** One line: cores, CPU model, load average now. */
export function machineLine(): string {
  const [l1 = 0, l5 = 0, l15 = 0] = loadavg();
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `machine: ${availableParallelism()} cores (${model}), load average at start ${l1.toFixed(2)} ${l5.toFixed(2)} ${l15.toFixed(2)}`;
}

/** Versions of the IPMI tools and the simulator, one line. */
export function toolsLine(): string {
  return [
    firstLineMatching('ipmitool', ['-V'], /version/i),
    firstLineMatching('ipmi-sensors', ['--version'], /\d+\.\d+/),
    firstLineMatching('ipmi_sim', ['--version'], /version/i),
    `node ${process.version}`,
  ].join('; ');
}
