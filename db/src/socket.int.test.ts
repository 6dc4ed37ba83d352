/**
 * The `pg` adapter against the embedded engine served by serveSocket, over ONE connection
 * (pglite-socket shares one session between connections). copyRows is not exercised
 * here: COPY through the socket crashes the embedded engine (docs ENVIRONMENT.md); the pg
 * adapter's COPY path is tested against PostgreSQL 15 in pg-copy.int.test.ts.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Database } from './database.js';
import { defaultMigrationsDir, migrate } from './migrate.js';
import { openDatabase } from './open.js';
import { serveSocket, type SocketHandle } from './socket.js';
import { logger, openTempDb, type TestDb } from './testing/temp-db.js';

/** Every migration file, in order: what a fresh database gets. */
const ALL_MIGRATIONS = readdirSync(defaultMigrationsDir)
  .filter((f) => /^\d{4}_.*\.sql$/.test(f))
  .sort();

describe('pg adapter through serveSocket', () => {
  let t: TestDb;
  let socket: SocketHandle;
  let pgdb: Database;
  before(async () => {
    t = await openTempDb();
    socket = await serveSocket(t.db, { port: 0 });
    pgdb = await openDatabase({ url: socket.url, maxConnections: 1, logger });
  });
  after(async () => {
    await pgdb?.close();
    await socket?.close();
    await t.dispose();
  });

  test('connects as the postgres kind; no background workers behind the socket', () => {
    assert.match(socket.url, /^postgresql:\/\/postgres@127\.0\.0\.1:\d+\//);
    assert.equal(pgdb.kind, 'postgres');
    assert.equal(pgdb.hasBackgroundWorkers, false);
    assert.equal(pgdb.timescaleVersion, t.db.timescaleVersion);
  });

  test('migrate works through it', async () => {
    assert.deepEqual(await migrate(pgdb, { logger }), ALL_MIGRATIONS);
    assert.deepEqual(await migrate(pgdb, { logger }), []);
    // The embedded side sees the same database.
    const { rows } = await t.db.query<{ n: number }>(
      `SELECT count(*) AS n FROM timescaledb_information.hypertables WHERE hypertable_name = 'readings'`,
    );
    assert.deepEqual(rows, [{ n: 1 }]);
  });

  test('query with parameters', async () => {
    const at = new Date('2026-03-01T12:00:00.000Z');
    await pgdb.query(`INSERT INTO readings VALUES ($1, $2, $3, $4, $5)`, [
      at,
      'srv-1',
      'fan-1',
      4200,
      'ok',
    ]);
    const { rows } = await pgdb.query<{ time: Date; value: number }>(
      `SELECT time, value FROM readings WHERE server_id = $1`,
      ['srv-1'],
    );
    assert.deepEqual(rows, [{ time: at, value: 4200 }]);
  });

  test('transaction commits, and rolls back on error', async () => {
    const put = (offset: number) =>
      `INSERT INTO projection_offsets (consumer, topic, partition, next_offset) VALUES ('c', 't', 0, ${offset})
       ON CONFLICT (consumer, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset`;
    const result = await pgdb.transaction(async (tx) => {
      await tx.exec(put(10));
      return (await tx.query<{ next_offset: number }>('SELECT next_offset FROM projection_offsets'))
        .rows;
    });
    assert.deepEqual(result, [{ next_offset: 10 }]);
    await assert.rejects(
      pgdb.transaction(async (tx) => {
        await tx.exec(put(20));
        throw new Error('projection failed');
      }),
      /projection failed/,
    );
    const { rows } = await pgdb.query<{ next_offset: number }>(
      'SELECT next_offset FROM projection_offsets',
    );
    assert.deepEqual(rows, [{ next_offset: 10 }]);
  });

  test('a failing statement is a coded error with its SQLSTATE, and the session survives', async () => {
    await assert.rejects(
      pgdb.query('SELECT * FROM no_such_table'),
      (err: { code?: string; message?: string }) =>
        err.code === 'DB_QUERY_FAILED' && /^42P01 /.test(err.message ?? ''),
    );
    assert.deepEqual((await pgdb.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
  });

  test('both adapters return the same JS values for the same query', async () => {
    const sql = `SELECT 9007199254740991::int8 AS safe_int8, 9007199254740993::int8 AS big_int8,
                        count(*) AS a_count, 42::int4 AS int4, 1.5::float8 AS float8, 1.50::numeric AS numeric,
                        true AS bool, DATE '2026-03-01' AS date,
                        TIMESTAMPTZ '2026-03-01 12:34:56.789+02' AS timestamptz,
                        INTERVAL '1 day 2 hours' AS interval, '{"a":[1,2]}'::jsonb AS jsonb,
                        ARRAY[1, NULL, 3]::int8[] AS int8_array, ARRAY['x', NULL]::text[] AS text_array,
                        NULL::text AS nothing, 'text' AS text
                   FROM (VALUES (1), (2)) v(x)`;
    const viaPg = (await pgdb.query(sql)).rows;
    const embedded = (await t.db.query(sql)).rows;
    assert.deepEqual(viaPg, embedded);
    assert.deepEqual(embedded, [
      {
        safe_int8: 9007199254740991,
        big_int8: 9007199254740993n,
        a_count: 2,
        int4: 42,
        float8: 1.5,
        numeric: '1.50',
        bool: true,
        date: '2026-03-01',
        timestamptz: new Date('2026-03-01T10:34:56.789Z'),
        interval: '1 day 02:00:00',
        jsonb: { a: [1, 2] },
        int8_array: [1, null, 3],
        text_array: ['x', null],
        nothing: null,
        text: 'text',
      },
    ]);
  });

  test('jobs() lists the same policies on both sides', async () => {
    assert.deepEqual(await pgdb.jobs(), await t.db.jobs());
  });
});

test('an unreachable server is DB_UNAVAILABLE, retriable', async () => {
  await assert.rejects(
    openDatabase({ url: 'postgresql://postgres@127.0.0.1:1/postgres', logger }),
    (err: { code?: string; retriable?: boolean }) =>
      err.code === 'DB_UNAVAILABLE' && err.retriable === true,
  );
});

test('no URL and no data directory is DB_CONFIG_INVALID', async () => {
  await assert.rejects(
    openDatabase({ logger }),
    (err: { code?: string }) => err.code === 'DB_CONFIG_INVALID',
  );
});
