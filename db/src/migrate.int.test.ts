import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { defaultMigrationsDir, migrate } from './migrate.js';
import { logger, openTempDb, tempDir, type TestDb } from './testing/temp-db.js';

/** Every migration file, in order: what a fresh database gets. */
const ALL_MIGRATIONS = readdirSync(defaultMigrationsDir)
  .filter((f) => /^\d{4}_.*\.sql$/.test(f))
  .sort();

async function rejectsWith(p: Promise<unknown>, code: string): Promise<Error> {
  try {
    await p;
  } catch (err) {
    assert.equal((err as { code?: string }).code, code, (err as Error).message);
    return err as Error;
  }
  assert.fail(`expected ${code}, but it resolved`);
}

describe('migration 0001 on the embedded database', () => {
  let t: TestDb;
  before(async () => {
    t = await openTempDb();
  });
  after(() => t.dispose());

  test('applies 0001 (and the later files) and records them', async (ctx) => {
    ctx.diagnostic(`fresh data dir opened in ${t.openMs} ms`);
    assert.deepEqual(await migrate(t.db, { logger }), ALL_MIGRATIONS);
    const { rows } = await t.db.query<{ version: number; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM schema_migrations',
    );
    assert.equal(rows.length, ALL_MIGRATIONS.length);
    assert.equal(rows[0]?.name, 'init');
    assert.match(rows[0]?.checksum ?? '', /^[0-9a-f]{64}$/);
  });

  test('readings is a hypertable with 1-day chunks on time', async () => {
    const { rows } = await t.db.query<{ column_name: string; secs: number }>(
      `SELECT d.column_name, extract(epoch FROM d.time_interval)::float8 AS secs
         FROM timescaledb_information.hypertables h
         JOIN timescaledb_information.dimensions d USING (hypertable_schema, hypertable_name)
        WHERE h.hypertable_name = 'readings'`,
    );
    assert.deepEqual(rows, [{ column_name: 'time', secs: 86_400 }]);
  });

  test('readings_1m is a real-time continuous aggregate over readings', async () => {
    const { rows } = await t.db.query<{ hypertable_name: string; materialized_only: boolean }>(
      `SELECT hypertable_name, materialized_only FROM timescaledb_information.continuous_aggregates
        WHERE view_name = 'readings_1m'`,
    );
    assert.deepEqual(rows, [{ hypertable_name: 'readings', materialized_only: false }]);
  });

  test('compression is segmented by server_id', async () => {
    const { rows } = await t.db.query<{ attname: string; segmentby_column_index: number | null }>(
      `SELECT attname, segmentby_column_index FROM timescaledb_information.compression_settings
        WHERE hypertable_name = 'readings' AND segmentby_column_index IS NOT NULL`,
    );
    assert.deepEqual(rows, [{ attname: 'server_id', segmentby_column_index: 1 }]);
  });

  test('refresh, compression and retention policies exist with their settings', async () => {
    // The raw table's and the per-minute aggregate's policies (0002 adds more of each kind).
    const jobs = (await t.db.jobs()).filter(
      (j) =>
        j.jobId >= 1000 && (j.hypertableName === 'readings' || j.hypertableName === 'readings_1m'),
    );
    const byProc = new Map(
      jobs
        .filter((j) => j.procName !== 'policy_retention' || j.hypertableName === 'readings')
        .map((j) => [j.procName, j]),
    );
    assert.deepEqual([...byProc.keys()].sort(), [
      'policy_compression',
      'policy_refresh_continuous_aggregate',
      'policy_retention',
    ]);
    assert.equal(byProc.get('policy_compression')?.hypertableName, 'readings');
    assert.equal(
      (byProc.get('policy_compression')?.config as { compress_after?: string }).compress_after,
      '1 day',
    );
    assert.equal(byProc.get('policy_retention')?.hypertableName, 'readings');
    assert.equal(
      (byProc.get('policy_retention')?.config as { drop_after?: string }).drop_after,
      '7 days',
    );
    const refresh = byProc.get('policy_refresh_continuous_aggregate');
    assert.equal(refresh?.hypertableName, 'readings_1m');
    assert.equal(refresh?.scheduleIntervalSeconds, 60);
  });

  test('projection_offsets has its primary key and a bigint offset', async () => {
    await t.db.query(
      `INSERT INTO projection_offsets (consumer, topic, partition, next_offset) VALUES ('c', 't', 0, $1)`,
      [2 ** 40],
    );
    const { rows } = await t.db.query<{ next_offset: number }>(
      'SELECT next_offset FROM projection_offsets',
    );
    assert.deepEqual(rows, [{ next_offset: 2 ** 40 }]);
    const err = await rejectsWith(
      t.db.query(
        `INSERT INTO projection_offsets (consumer, topic, partition, next_offset) VALUES ('c', 't', 0, 1)`,
      ),
      'DB_QUERY_FAILED',
    );
    assert.match(err.message, /^23505 /);
  });

  test('running migrate again is a no-op', async () => {
    assert.deepEqual(await migrate(t.db, { logger }), []);
    const { rows } = await t.db.query<{ n: number }>('SELECT count(*) AS n FROM schema_migrations');
    assert.deepEqual(rows, [{ n: ALL_MIGRATIONS.length }]);
  });
});

describe('migration bookkeeping', () => {
  let t: TestDb;
  let dir: { dir: string; remove: () => Promise<void> };
  before(async () => {
    t = await openTempDb();
    dir = await tempDir('ipmi-db-migrations-');
    await cp(defaultMigrationsDir, dir.dir, { recursive: true });
    await migrate(t.db, { dir: dir.dir, logger });
  });
  after(async () => {
    await t.dispose();
    await dir.remove();
  });

  test('a failing migration is rolled back and not recorded', async () => {
    await writeFile(
      join(dir.dir, '9999_broken.sql'),
      'CREATE TABLE half_done (id int);\nSELECT no_such_function();\n',
    );
    await rejectsWith(migrate(t.db, { dir: dir.dir, logger }), 'DB_MIGRATION_FAILED');
    const { rows } = await t.db.query<{ tables: number; recorded: number }>(
      `SELECT (SELECT count(*) FROM pg_tables WHERE tablename = 'half_done') AS tables,
              (SELECT count(*) FROM schema_migrations WHERE version = 9999) AS recorded`,
    );
    assert.deepEqual(rows, [{ tables: 0, recorded: 0 }]);
  });

  test('a fixed migration then applies', async () => {
    await writeFile(join(dir.dir, '9999_broken.sql'), 'CREATE TABLE half_done (id int);\n');
    assert.deepEqual(await migrate(t.db, { dir: dir.dir, logger }), ['9999_broken.sql']);
  });

  test('editing an applied migration is detected by its checksum', async () => {
    const file = join(dir.dir, '0001_init.sql');
    await writeFile(file, `${await readFile(file, 'utf8')}\n-- an innocent-looking edit\n`);
    await rejectsWith(migrate(t.db, { dir: dir.dir, logger }), 'DB_MIGRATION_CHECKSUM');
  });
});
