/**
 * The two file operations the credential store and its key need, written once: an atomic
 * replace (temp file + fsync + rename + directory fsync) so a crash or a full disk leaves
 * either the old or the new file and never a truncated one, and an exclusive create (temp
 * file + hard link) so two processes starting at once cannot each write a different key.
 * Both create files 0600 from the start: there is no moment where a secret is readable by
 * others.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

function tempName(path: string): string {
  return `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

async function writeSynced(path: string, text: string): Promise<void> {
  const fh = await open(path, 'wx', 0o600);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsync of the directory makes the rename itself durable; not every platform allows it. */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Best effort (e.g. Windows, some network file systems).
  }
}

export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

export async function writeFileAtomic(path: string, text: string): Promise<void> {
  await ensurePrivateDir(dirname(path));
  const tmp = tempName(path);
  try {
    await writeSynced(tmp, text);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncDir(dirname(path));
}

/** Creates `path` with `text` unless it exists; returns false when another writer won. */
export async function createFileExclusive(path: string, text: string): Promise<boolean> {
  await ensurePrivateDir(dirname(path));
  const tmp = tempName(path);
  try {
    await writeSynced(tmp, text);
    try {
      await link(tmp, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    await syncDir(dirname(path));
    return true;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}
