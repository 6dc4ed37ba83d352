/**
 * Credential directories: 0700 directory, 0600 file, gone afterwards whatever happens,
 * stale ones of dead processes swept.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CREDENTIAL_DIR_PREFIX,
  cleanupStaleCredentialDirs,
  defaultCredentialBaseDir,
  withCredentialDir,
} from './credentials.js';

async function withBase(fn: (base: string) => Promise<void>): Promise<void> {
  const base = await mkdtemp(join(tmpdir(), 'drivers-cred-'));
  try {
    await fn(base);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

describe('withCredentialDir', () => {
  test('a 0700 directory, a 0600 file, both gone afterwards', () =>
    withBase(async (base) => {
      let seen = '';
      await withCredentialDir(async (dir) => {
        const file = await dir.writeFile('freeipmi.conf', 'password "x"\n');
        seen = dir.path;
        assert.ok(dir.path.startsWith(join(base, `${CREDENTIAL_DIR_PREFIX}${process.pid}-`)));
        assert.equal((await stat(dir.path)).mode & 0o777, 0o700);
        assert.equal((await stat(file)).mode & 0o777, 0o600);
        assert.equal(await readFile(file, 'utf8'), 'password "x"\n');
      }, base);
      assert.notEqual(seen, '');
      assert.deepEqual(await readdir(base), []);
    }));

  test('removed when the work throws', () =>
    withBase(async (base) => {
      await assert.rejects(
        withCredentialDir(async (dir) => {
          await dir.writeFile('ipmitool.pw', 'pw\n');
          throw new Error('tool blew up');
        }, base),
        /tool blew up/,
      );
      assert.deepEqual(await readdir(base), []);
    }));

  test('never reuses or follows an existing file (O_EXCL)', () =>
    withBase(async (base) => {
      await withCredentialDir(async (dir) => {
        await dir.writeFile('f', 'a');
        await assert.rejects(dir.writeFile('f', 'b'), { code: 'EEXIST' });
      }, base);
    }));

  test('concurrent runs get distinct directories', () =>
    withBase(async (base) => {
      const paths = await Promise.all(
        Array.from({ length: 20 }, () =>
          withCredentialDir((dir) => Promise.resolve(dir.path), base),
        ),
      );
      assert.equal(new Set(paths).size, 20);
      assert.deepEqual(await readdir(base), []);
    }));
});

describe('cleanupStaleCredentialDirs', () => {
  test('removes directories of dead processes and old ones, keeps live and foreign ones', () =>
    withBase(async (base) => {
      // pid 2^22+1 is above Linux's pid_max limit: never a live process.
      const dead = join(base, `${CREDENTIAL_DIR_PREFIX}4194305-aaaaaa`);
      const live = join(base, `${CREDENTIAL_DIR_PREFIX}${process.pid}-bbbbbb`);
      const oldOfLiveParent = join(base, `${CREDENTIAL_DIR_PREFIX}${process.ppid}-cccccc`);
      const foreign = join(base, 'something-else');
      for (const d of [dead, live, oldOfLiveParent, foreign]) await mkdir(d, { mode: 0o700 });
      const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
      await utimes(oldOfLiveParent, twoHoursAgo, twoHoursAgo);
      assert.equal(await cleanupStaleCredentialDirs(base), 2);
      assert.deepEqual((await readdir(base)).sort(), [
        `${CREDENTIAL_DIR_PREFIX}${process.pid}-bbbbbb`,
        'something-else',
      ]);
    }));

  test('a missing base directory is not an error', async () => {
    assert.equal(await cleanupStaleCredentialDirs('/nonexistent/base'), 0);
  });
});

test('the default base is RAM-backed /dev/shm when there is one', () => {
  const base = defaultCredentialBaseDir();
  assert.ok(base === '/dev/shm' || base === tmpdir());
});
