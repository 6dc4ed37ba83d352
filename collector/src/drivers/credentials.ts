/**
 * Per-invocation credential files. A password never goes on a command line (world-readable
 * in /proc/PID/cmdline and `ps`) nor in the child's environment (/proc/PID/environ is
 * readable by the same user, and tools may log it): it goes in a 0600 file inside a fresh
 * 0700 directory that lives exactly as long as one tool run.
 *
 * - FreeIPMI reads `--config-file FILE` (freeipmi.conf(5)); only `password` goes there,
 *   every other option stays on argv, where it is visible and logged.
 * - ipmitool reads `-f FILE`: the first line, up to 20 characters, cut at CR, LF or TAB.
 *
 * The directories live on /dev/shm (RAM) when it is usable, so a password never reaches a
 * disk; a crash can leave one behind, which `cleanupStaleCredentialDirs` removes at start.
 */
import { mkdtemp, open, readdir, rm, stat } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectorErrors } from '../errors.js';

export const CREDENTIAL_DIR_PREFIX = 'ipmi-monitor-cred-';
/** IPMI 2.0 passwords are at most 20 bytes (IPMI v2.0 section 13.20). */
export const MAX_PASSWORD_BYTES = 20;

export function defaultCredentialBaseDir(): string {
  try {
    const s = statSync('/dev/shm');
    // A world-writable sticky dir, as tmpfs mounts it: mkdtemp in there is safe.
    if (s.isDirectory() && (s.mode & 0o1777) === 0o1777) return '/dev/shm';
  } catch {
    // no /dev/shm (macOS, some containers)
  }
  return tmpdir();
}

/**
 * The FreeIPMI config line for a password. freeipmi.conf's parser strips `#` comments
 * before it sees quotes, toggles quoting on every `"`, and accepts `\` only before `\`,
 * `#` or `"`; so the value is quoted (spaces survive) and those three are escaped.
 * Checked against FreeIPMI 1.6.10 with the password `a b"c#d\e`.
 */
export function freeipmiConfigText(password: string): string {
  assertPasswordUsable(password, 'freeipmi');
  return `password "${password.replace(/[\\"#]/g, (c) => `\\${c}`)}"\n`;
}

/** ipmitool's `-f` file: the password and a newline (which ipmitool strips). */
export function ipmitoolPasswordText(password: string): string {
  assertPasswordUsable(password, 'ipmitool');
  return `${password}\n`;
}

/** Throws COL_TARGET_INVALID, naming the rule but never showing the password. */
export function assertPasswordUsable(password: string, tool: 'freeipmi' | 'ipmitool'): void {
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    throw collectorErrors.error(
      'COL_TARGET_INVALID',
      `password is longer than ${MAX_PASSWORD_BYTES} bytes, the IPMI 2.0 limit`,
    );
  }
  // A line-based file cannot carry line breaks or NUL; ipmitool also cuts at TAB.
  const bad = tool === 'ipmitool' ? /[\r\n\t\0]/ : /[\r\n\0]/;
  if (bad.test(password)) {
    throw collectorErrors.error(
      'COL_TARGET_INVALID',
      `password contains a control character ${tool} cannot read from a file`,
    );
  }
}

export interface CredentialDir {
  readonly path: string;
  /** Creates `name` with mode 0600 (O_EXCL: never follows or reuses an existing file). */
  writeFile(name: string, content: string): Promise<string>;
}

const cleanedBaseDirs = new Set<string>();

/**
 * Runs `fn` with a fresh private directory and removes it afterwards, whatever `fn` does
 * (throws, times out). The first call per base directory also sweeps stale directories.
 */
export async function withCredentialDir<T>(
  fn: (dir: CredentialDir) => Promise<T>,
  baseDir: string = defaultCredentialBaseDir(),
): Promise<T> {
  if (!cleanedBaseDirs.has(baseDir)) {
    cleanedBaseDirs.add(baseDir);
    await cleanupStaleCredentialDirs(baseDir);
  }
  // mkdtemp creates the directory 0700 with an unguessable name, atomically.
  const path = await mkdtemp(join(baseDir, `${CREDENTIAL_DIR_PREFIX}${process.pid}-`));
  const dir: CredentialDir = {
    path,
    async writeFile(name, content) {
      const file = join(path, name);
      const handle = await open(file, 'wx', 0o600);
      try {
        await handle.writeFile(content, 'utf8');
      } finally {
        await handle.close();
      }
      return file;
    },
  };
  try {
    return await fn(dir);
  } finally {
    await rm(path, { recursive: true, force: true });
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes credential directories left by dead collector processes (a crash or SIGKILL
 * between write and cleanup), and any older than `maxAgeMs` whatever their owner: no tool
 * run lives that long, so an old one belongs to a recycled pid. Only directories owned by
 * this user are touched. Returns how many were removed.
 */
export async function cleanupStaleCredentialDirs(
  baseDir: string = defaultCredentialBaseDir(),
  maxAgeMs = 60 * 60 * 1000,
): Promise<number> {
  let names: string[];
  try {
    names = await readdir(baseDir);
  } catch {
    return 0;
  }
  const uid = process.getuid?.();
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(CREDENTIAL_DIR_PREFIX)) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(CREDENTIAL_DIR_PREFIX.length))?.[1]);
    const path = join(baseDir, name);
    try {
      const s = await stat(path);
      if (!s.isDirectory() || (uid !== undefined && s.uid !== uid)) continue;
      const dead = !Number.isInteger(pid) || (pid !== process.pid && !pidAlive(pid));
      const old = Date.now() - s.mtimeMs > maxAgeMs && pid !== process.pid;
      if (dead || old) {
        await rm(path, { recursive: true, force: true });
        removed++;
      }
    } catch {
      // raced with its owner's own cleanup
    }
  }
  return removed;
}
