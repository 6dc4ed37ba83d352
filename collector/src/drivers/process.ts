/**
 * Runs one tool as a child process: argv only (no shell), a hard deadline that kills the
 * whole process tree, capped output, and a minimal environment.
 *
 * The child is spawned `detached`, which on POSIX makes it the leader of a new session and
 * process group (pgid = pid). Killing `-pgid` then reaches every process it started, even
 * ones that re-parented to init when the tool itself died. Never throws: every way a run
 * can end is a `termination` in the result.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export type Termination =
  /** The tool exited (any exit code). */
  | 'exit'
  /** The hard deadline passed; the process group got SIGTERM, then SIGKILL. */
  | 'timeout'
  /** stdout or stderr passed its cap; the process group was killed. */
  | 'output-limit'
  /** The caller's AbortSignal fired; the process group was killed. */
  | 'aborted'
  /** The executable could not be started (`spawnErrorCode`: ENOENT, EACCES, ...). */
  | 'spawn-error';

export interface RunSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly timeoutMs: number;
  /** SIGTERM → SIGKILL grace. Default 500 ms. */
  readonly killGraceMs?: number | undefined;
  /** Default 16 MiB (a 2,000-entry SEL is about 300 KB). */
  readonly maxStdoutBytes?: number | undefined;
  /** Default 1 MiB. */
  readonly maxStderrBytes?: number | undefined;
  /** The child's whole environment; `minimalEnv()` when absent. Never the parent's. */
  readonly env?: Readonly<Record<string, string>> | undefined;
  readonly cwd?: string | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface RunResult {
  readonly command: string;
  readonly args: readonly string[];
  readonly pid: number | null;
  readonly exitCode: number | null;
  readonly exitSignal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
  readonly termination: Termination;
  readonly spawnErrorCode: string | null;
}

export const DEFAULT_KILL_GRACE_MS = 500;
export const DEFAULT_MAX_STDOUT_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_STDERR_BYTES = 1024 * 1024;

/**
 * The environment every tool gets: a PATH that includes sbin (FreeIPMI installs there),
 * the C locale (decimal points, English messages: the parsers and `classify` rely on
 * both), and UTC (ipmitool renders SEL times through the local zone; UTC keeps the BMC's
 * raw clock value). Nothing of the collector's own environment leaks: it holds database
 * and Kafka credentials, and /proc/PID/environ is readable by the same user.
 */
export function minimalEnv(home: string): Record<string, string> {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    LC_ALL: 'C',
    LANG: 'C',
    TZ: 'UTC',
    HOME: home,
  };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

export function runProcess(spec: RunSpec): Promise<RunResult> {
  const killGraceMs = spec.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const maxStdout = spec.maxStdoutBytes ?? DEFAULT_MAX_STDOUT_BYTES;
  const maxStderr = spec.maxStderrBytes ?? DEFAULT_MAX_STDERR_BYTES;
  const started = performance.now();

  return new Promise<RunResult>((resolve) => {
    const stdoutChunks: Buffer[] = [];
    const stderrChunks: Buffer[] = [];
    let stdoutBytes = 0;
    let stderrBytes = 0;
    let termination: Termination | null = null;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];

    if (spec.signal?.aborted) {
      resolve({
        command: spec.command,
        args: spec.args,
        pid: null,
        exitCode: null,
        exitSignal: null,
        stdout: '',
        stderr: '',
        durationMs: 0,
        termination: 'aborted',
        spawnErrorCode: null,
      });
      return;
    }

    const child = spawn(spec.command, [...spec.args], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: spec.env ?? minimalEnv('/nonexistent'),
      cwd: spec.cwd,
      windowsHide: true,
    });
    const pid = child.pid ?? null;

    const finish = (spawnErrorCode: string | null = null): void => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      spec.signal?.removeEventListener('abort', onAbort);
      // Reap anything the tool left behind in its group (a helper it forked, say). The
      // kernel does not hand out a PID while it is still some group's id, so this cannot
      // hit an unrelated process group unless the group is already empty (ESRCH).
      if (pid !== null) killGroup(pid, 'SIGKILL');
      resolve({
        command: spec.command,
        args: spec.args,
        pid,
        exitCode,
        exitSignal,
        stdout: Buffer.concat(stdoutChunks).toString('utf8'),
        stderr: Buffer.concat(stderrChunks).toString('utf8'),
        durationMs: performance.now() - started,
        termination: termination ?? (spawnErrorCode === null ? 'exit' : 'spawn-error'),
        spawnErrorCode,
      });
    };

    const terminate = (why: Termination): void => {
      if (termination !== null || pid === null) return;
      termination = why;
      killGroup(pid, 'SIGTERM');
      timers.push(
        setTimeout(() => killGroup(pid, 'SIGKILL'), killGraceMs),
        // Last resort: something in the group keeps the pipes open in an uninterruptible
        // state. Give up on the output rather than hang the poll.
        setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
          finish();
        }, killGraceMs + 2000),
      );
    };

    function onAbort(): void {
      terminate('aborted');
    }

    const collect = (chunks: Buffer[], chunk: Buffer, used: number, max: number): number => {
      if (termination === 'output-limit') return used;
      if (used + chunk.length > max) {
        chunks.push(chunk.subarray(0, Math.max(0, max - used)));
        terminate('output-limit');
        return max;
      }
      chunks.push(chunk);
      return used + chunk.length;
    };

    child.stdout?.on('data', (chunk: Buffer) => {
      stdoutBytes = collect(stdoutChunks, chunk, stdoutBytes, maxStdout);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderrBytes = collect(stderrChunks, chunk, stderrBytes, maxStderr);
    });

    child.on('error', (err: NodeJS.ErrnoException) => {
      // Spawn failures (ENOENT, EACCES) arrive here with no 'close' to follow when the
      // process never started.
      if (pid === null || err.code === 'ENOENT' || err.code === 'EACCES') {
        finish(err.code ?? 'UNKNOWN');
      }
    });
    child.on('exit', (code, sig) => {
      exitCode = code;
      exitSignal = sig;
    });
    child.on('close', () => finish());

    timers.push(setTimeout(() => terminate('timeout'), spec.timeoutMs));
    spec.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
