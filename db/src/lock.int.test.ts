import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, describe, test } from 'node:test';
import { LOCK_FILE } from './embedded.js';
import { formatLockFile, localProbe, parseLockFile } from './lock-file.js';
import { openDatabase } from './open.js';
import { logger, repoRoot, tempDir } from './testing/temp-db.js';

const childScript = fileURLToPath(new URL('./testing/open-child.ts', import.meta.url));

interface ChildReport {
  opened: boolean;
  pid?: number;
  code?: string;
  message?: string;
}

/** Starts open-child.ts on `dir` and resolves with its first report line. */
async function startChild(
  dir: string,
  mode?: 'hold',
): Promise<{ child: ChildProcess; report: ChildReport }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=ipmi-source', childScript, dir, ...(mode ? [mode] : [])],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout });
  const [line] = (await once(lines, 'line')) as [string];
  lines.close();
  return { child, report: JSON.parse(line) as ChildReport };
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await once(child, 'exit');
}

/** A pid that is certainly not running: a process that has already exited. */
async function deadPid(): Promise<number> {
  const p = spawn(process.execPath, ['-e', '']);
  await once(p, 'exit');
  return p.pid!;
}

describe('data directory lock', () => {
  let dir: { dir: string; remove: () => Promise<void> };
  const children: ChildProcess[] = [];
  before(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    for (const c of children.splice(0)) {
      c.kill('SIGKILL');
      await exited(c);
    }
  });
  after(() => dir.remove());

  test('a second process is refused with DB_LOCKED while the first holds it', async () => {
    const db = await openDatabase({ dataDir: dir.dir, logger });
    try {
      const lock = parseLockFile(readFileSync(join(dir.dir, LOCK_FILE), 'utf8'));
      assert.equal(lock?.pid, process.pid);
      assert.equal(lock?.hostname, hostname());
      const { child, report } = await startChild(dir.dir);
      children.push(child);
      assert.equal(report.opened, false);
      assert.equal(report.code, 'DB_LOCKED');
      assert.match(report.message ?? '', new RegExp(`pid ${process.pid}`));
      await exited(child);
    } finally {
      await db.close();
    }
    assert.equal(existsSync(join(dir.dir, LOCK_FILE)), false, 'close() removes the lock file');
  });

  test('a second open in the same process is refused too', async () => {
    const db = await openDatabase({ dataDir: dir.dir, logger });
    try {
      await assert.rejects(
        openDatabase({ dataDir: dir.dir, logger }),
        (err: { code?: string }) => err.code === 'DB_LOCKED',
      );
    } finally {
      await db.close();
    }
  });

  test('a stale lock (dead pid) is taken over', async () => {
    const pid = await deadPid();
    const probe = localProbe();
    writeFileSync(
      join(dir.dir, LOCK_FILE),
      formatLockFile({
        pid,
        hostname: hostname(),
        token: 'stale',
        createdAt: '2026-01-01T00:00:00Z',
        bootId: probe.bootId,
      }),
    );
    const db = await openDatabase({ dataDir: dir.dir, logger });
    try {
      const lock = parseLockFile(readFileSync(join(dir.dir, LOCK_FILE), 'utf8'));
      assert.equal(lock?.pid, process.pid);
      assert.notEqual(lock?.token, 'stale');
    } finally {
      await db.close();
    }
  });

  test('a lock held from another host is not second-guessed', async () => {
    const other = await tempDir();
    try {
      mkdirSync(other.dir, { recursive: true });
      writeFileSync(
        join(other.dir, LOCK_FILE),
        formatLockFile({
          pid: 1,
          hostname: 'some-other-host',
          token: 'x',
          createdAt: '2026-01-01T00:00:00Z',
        }),
      );
      await assert.rejects(
        openDatabase({ dataDir: other.dir, logger }),
        (err: { code?: string; message?: string }) =>
          err.code === 'DB_LOCKED' && /some-other-host/.test(err.message ?? ''),
      );
    } finally {
      await other.remove();
    }
  });

  test('a killed owner: refused while it lives, taken over after, its committed data kept', async () => {
    const { child, report } = await startChild(dir.dir, 'hold');
    children.push(child);
    assert.equal(report.opened, true, report.message);
    await assert.rejects(
      openDatabase({ dataDir: dir.dir, logger }),
      (err: { code?: string }) => err.code === 'DB_LOCKED',
    );
    child.kill('SIGKILL');
    await exited(child);
    // The lock file is left behind by the crash: the next open judges it stale.
    assert.equal(existsSync(join(dir.dir, LOCK_FILE)), true);
    const db = await openDatabase({ dataDir: dir.dir, logger });
    try {
      const { rows } = await db.query<{ next_offset: number }>(
        `SELECT next_offset FROM projection_offsets WHERE consumer = 'child'`,
      );
      assert.deepEqual(rows, [{ next_offset: 42 }]);
    } finally {
      await db.close();
    }
  });
});
