import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  defaultMigrationsDir,
  loadMigrationFiles,
  migrationChecksum,
  parseMigrationFilename,
  planMigrations,
  readMigrationDir,
  type AppliedMigration,
} from './migrate.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('migration file names', () => {
  test('parses NNNN_name.sql', () => {
    assert.deepEqual(parseMigrationFilename('0001_init.sql'), { version: 1, name: 'init' });
    assert.deepEqual(parseMigrationFilename('0042_sel_events_2.sql'), {
      version: 42,
      name: 'sel_events_2',
    });
  });
  for (const bad of [
    '1_init.sql',
    '0001-init.sql',
    '0001_Init.sql',
    '0000_zero.sql',
    '0001_.sql',
    '0001_init.SQL',
    '00001_init.sql',
  ]) {
    test(`rejects ${bad}`, () => assert.equal(parseMigrationFilename(bad), undefined));
  }
});

describe('loadMigrationFiles', () => {
  test('orders by version, ignores non-SQL files', () => {
    const files = loadMigrationFiles([
      { filename: '0010_ten.sql', sql: 'select 10' },
      { filename: 'README.md', sql: '' },
      { filename: '0002_two.sql', sql: 'select 2' },
      { filename: '0001_one.sql', sql: 'select 1' },
    ]);
    assert.deepEqual(
      files.map((f) => f.filename),
      ['0001_one.sql', '0002_two.sql', '0010_ten.sql'],
    );
    assert.equal(files[0]?.checksum, migrationChecksum('select 1'));
  });

  test('a badly named .sql file is an error, not silently skipped', () => {
    assert.equal(
      code(() => loadMigrationFiles([{ filename: '001_init.sql', sql: '' }])),
      'DB_MIGRATION_INVALID',
    );
  });

  test('duplicate versions are an error', () => {
    assert.equal(
      code(() =>
        loadMigrationFiles([
          { filename: '0003_a.sql', sql: '' },
          { filename: '0003_b.sql', sql: '' },
        ]),
      ),
      'DB_MIGRATION_INVALID',
    );
  });

  test('no-transaction directive only in the leading comments', () => {
    const [a, b, c] = loadMigrationFiles([
      {
        filename: '0001_a.sql',
        sql: '-- about this file\n-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY x ON t (a);',
      },
      { filename: '0002_b.sql', sql: 'SELECT 1;\n-- migrate:no-transaction\n' },
      { filename: '0003_c.sql', sql: 'SELECT 1;' },
    ]);
    assert.equal(a?.transactional, false);
    assert.equal(b?.transactional, true);
    assert.equal(c?.transactional, true);
  });
});

describe('checksums', () => {
  test('line endings do not matter, content does', () => {
    assert.equal(migrationChecksum('a;\nb;\n'), migrationChecksum('a;\r\nb;\r\n'));
    assert.notEqual(migrationChecksum('a;\nb;\n'), migrationChecksum('a;\nb; \n'));
    assert.match(migrationChecksum(''), /^[0-9a-f]{64}$/);
  });
});

describe('planMigrations', () => {
  const files = loadMigrationFiles([
    { filename: '0001_one.sql', sql: 'select 1' },
    { filename: '0002_two.sql', sql: 'select 2' },
    { filename: '0003_three.sql', sql: 'select 3' },
  ]);
  const applied = (n: number): AppliedMigration[] =>
    files.slice(0, n).map((f) => ({ version: f.version, name: f.name, checksum: f.checksum }));

  test('fresh database: everything, in order', () => {
    assert.deepEqual(
      planMigrations(files, []).map((f) => f.version),
      [1, 2, 3],
    );
  });
  test('partly migrated: the rest', () => {
    assert.deepEqual(
      planMigrations(files, applied(2)).map((f) => f.version),
      [3],
    );
  });
  test('up to date: nothing', () => {
    assert.deepEqual(planMigrations(files, applied(3)), []);
  });
  test('an edited applied migration is detected', () => {
    const edited = applied(2).map((a) =>
      a.version === 2 ? { ...a, checksum: migrationChecksum('select 22') } : a,
    );
    assert.equal(
      code(() => planMigrations(files, edited)),
      'DB_MIGRATION_CHECKSUM',
    );
  });
  test('a database ahead of this build is refused', () => {
    const ahead = [...applied(3), { version: 4, name: 'four', checksum: 'x' }];
    assert.equal(
      code(() => planMigrations(files, ahead)),
      'DB_MIGRATION_UNKNOWN',
    );
  });
  test('a new migration numbered below an applied one is refused', () => {
    const gap = loadMigrationFiles([
      { filename: '0001_one.sql', sql: 'select 1' },
      { filename: '0002_late.sql', sql: 'select 2' },
      { filename: '0003_three.sql', sql: 'select 3' },
    ]);
    const done = [gap[0], gap[2]].map((f) => ({
      version: f!.version,
      name: f!.name,
      checksum: f!.checksum,
    }));
    assert.equal(
      code(() => planMigrations(gap, done)),
      'DB_MIGRATION_INVALID',
    );
  });
});

test('the shipped migrations folder is valid and starts at 0001_init.sql', async () => {
  const files = await readMigrationDir(defaultMigrationsDir);
  assert.equal(files[0]?.filename, '0001_init.sql');
  files.forEach((f, i) => assert.equal(f.version, i + 1, 'versions are contiguous'));
});
