/**
 * An exclusive lock on the embedded data directory. PGlite does not lock its directory,
 * and two processes on one directory silently lose writes, so we do: a lock file created
 * with O_EXCL, holding who owns it. A lock whose owner is provably gone (same host, pid
 * dead or reused, or the machine rebooted) is stale and taken over; anything else refuses
 * the open with DB_LOCKED, naming the owner and the file.
 *
 * The verdict (`judgeLock`) is a pure function of the lock's content and a probe of the
 * host, so it is unit-tested without processes.
 */
import { randomUUID } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import type { Logger } from '@ipmi-monitor/runtime';
import { dbErrors } from './errors.js';

export interface LockInfo {
  pid: number;
  hostname: string;
  /** Unique per acquisition, so a release never deletes someone else's lock. */
  token: string;
  createdAt: string;
  /** Linux boot id: a different one means the machine rebooted since. */
  bootId?: string | undefined;
  /** Start time of the owning process (/proc/<pid>/stat field 22): detects pid reuse. */
  procStart?: string | undefined;
}

/** What the current host can tell about processes. */
export interface HostProbe {
  hostname: string;
  pid: number;
  bootId: string | undefined;
  isAlive(pid: number): boolean;
  procStart(pid: number): string | undefined;
}

export interface LockVerdict {
  state: 'held' | 'stale';
  reason: string;
}

/** A lock file being written right now is not yet parseable; give its writer this long. */
export const UNREADABLE_GRACE_MS = 10_000;

export function formatLockFile(info: LockInfo): string {
  return `${JSON.stringify(info)}\n`;
}

export function parseLockFile(text: string): LockInfo | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (!Number.isSafeInteger(o.pid) || (o.pid as number) <= 0) return undefined;
  if (typeof o.hostname !== 'string' || o.hostname === '') return undefined;
  if (typeof o.token !== 'string' || typeof o.createdAt !== 'string') return undefined;
  return {
    pid: o.pid as number,
    hostname: o.hostname,
    token: o.token,
    createdAt: o.createdAt,
    bootId: typeof o.bootId === 'string' ? o.bootId : undefined,
    procStart: typeof o.procStart === 'string' ? o.procStart : undefined,
  };
}

/**
 * Whether an existing lock still stands. `info` is undefined when the file did not parse;
 * `ageMs` is how old the file is.
 */
export function judgeLock(
  info: LockInfo | undefined,
  ageMs: number,
  probe: HostProbe,
): LockVerdict {
  if (!info) {
    return ageMs > UNREADABLE_GRACE_MS
      ? { state: 'stale', reason: 'the lock file is unreadable and old (its writer died)' }
      : { state: 'held', reason: 'the lock file is being written by another process' };
  }
  if (info.hostname !== probe.hostname) {
    return {
      state: 'held',
      reason: `held by pid ${info.pid} on another host (${info.hostname}), which cannot be checked from here`,
    };
  }
  if (info.bootId && probe.bootId && info.bootId !== probe.bootId) {
    return { state: 'stale', reason: `pid ${info.pid} ran before the last reboot` };
  }
  if (info.pid === probe.pid) {
    // Our own pid, yet this process does not hold the lock (that is checked first): a
    // previous run with the same pid, typical for pid 1 in a restarted container.
    return { state: 'stale', reason: `pid ${info.pid} is this process, left by an earlier run` };
  }
  if (!probe.isAlive(info.pid)) {
    return { state: 'stale', reason: `pid ${info.pid} is not running` };
  }
  const start = probe.procStart(info.pid);
  if (info.procStart && start && start !== info.procStart) {
    return { state: 'stale', reason: `pid ${info.pid} now belongs to another process` };
  }
  return {
    state: 'held',
    reason: `held by pid ${info.pid} on ${info.hostname} since ${info.createdAt}`,
  };
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** /proc/<pid>/stat field 22 (starttime, clock ticks since boot); Linux only. */
function readProcStart(pid: number): string | undefined {
  const stat = readOptional(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // The command name (field 2) is in parentheses and may hold spaces: split after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19]; // field 22 overall = index 19 after "pid (comm)"
}

export function localProbe(): HostProbe {
  return {
    hostname: hostname(),
    pid: process.pid,
    bootId: readOptional('/proc/sys/kernel/random/boot_id'),
    isAlive(pid) {
      try {
        process.kill(pid, 0);
        return true;
      } catch (err) {
        // EPERM: it exists but belongs to another user.
        return (err as NodeJS.ErrnoException).code === 'EPERM';
      }
    },
    procStart: readProcStart,
  };
}

export interface HeldLock {
  readonly path: string;
  readonly info: LockInfo;
  /** Deletes the lock file if it is still ours. Idempotent. */
  release(): void;
}

// Locks this process holds: a second open in the same process is refused too, and an
// unexpected exit removes them (a crash leaves them for the stale check instead).
const held = new Map<string, LockInfo>();
let exitHookInstalled = false;

function removeIfOurs(path: string, info: LockInfo): void {
  const current = parseLockFile(readOptional(path) ?? '');
  if (current?.token === info.token) {
    try {
      unlinkSync(path);
    } catch {
      // Already gone.
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [path, info] of held) removeIfOurs(path, info);
  });
}

function locked(path: string, reason: string) {
  return dbErrors.error(
    'DB_LOCKED',
    `the data directory is locked: ${reason}. Lock file: ${path}. Stop that process, or delete the lock file if it is gone.`,
  );
}

/**
 * Creates the lock file or throws DB_LOCKED. A stale lock is taken over (logged). Two
 * processes racing for the same stale lock serialize on a `.takeover` guard file, so only
 * one of them deletes it.
 */
export function acquireLock(
  path: string,
  logger: Logger,
  probe: HostProbe = localProbe(),
): HeldLock {
  if (held.has(path)) throw locked(path, `already open in this process (pid ${probe.pid})`);
  for (let attempt = 0; attempt < 5; attempt++) {
    const info: LockInfo = {
      pid: probe.pid,
      hostname: probe.hostname,
      token: randomUUID(),
      createdAt: new Date().toISOString(),
      bootId: probe.bootId,
      procStart: probe.procStart(probe.pid),
    };
    let fd: number | undefined;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw dbErrors.error('DB_DATA_DIR_INVALID', `cannot create the lock file ${path}`, err);
      }
    }
    if (fd !== undefined) {
      try {
        writeSync(fd, formatLockFile(info));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      held.set(path, info);
      installExitHook();
      return {
        path,
        info,
        release() {
          if (held.get(path)?.token !== info.token) return;
          held.delete(path);
          removeIfOurs(path, info);
        },
      };
    }
    // Someone has it: judge whether they still do.
    const text = readOptional(path);
    if (text === undefined) continue; // released meanwhile: retry
    let ageMs = 0;
    try {
      ageMs = Date.now() - statSync(path).mtimeMs;
    } catch {
      continue;
    }
    const verdict = judgeLock(parseLockFile(text), ageMs, probe);
    if (verdict.state === 'held') throw locked(path, verdict.reason);
    takeOver(path, text, verdict.reason, logger);
  }
  throw locked(path, 'other processes keep taking it (contention)');
}

function takeOver(path: string, staleText: string, reason: string, logger: Logger): void {
  const guard = `${path}.takeover`;
  let fd: number;
  try {
    fd = openSync(guard, 'wx', 0o644);
  } catch {
    // Another process is taking over. A guard left by a crash mid-takeover expires.
    try {
      if (Date.now() - statSync(guard).mtimeMs > UNREADABLE_GRACE_MS) unlinkSync(guard);
    } catch {
      // Gone already.
    }
    return;
  }
  try {
    closeSync(fd);
    // Delete only the lock we judged: if it changed meanwhile, judge again.
    if (readOptional(path) === staleText) {
      logger.warn({ lockFile: path, reason }, 'taking over a stale data directory lock');
      unlinkSync(path);
    }
  } finally {
    try {
      unlinkSync(guard);
    } catch {
      // Gone already.
    }
  }
}
