/**
 * The `pg` adapter's COPY path (pg-copy-streams, COPY FROM STDIN) against a real PostgreSQL
 * server: Debian's PostgreSQL 15, started for this test. The embedded engine cannot test it
 * (COPY through its socket crashes it) and no TimescaleDB server runs here, so this is where
 * the production bulk path is exercised; the tables are plain ones.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { copyThrough, types, wrapClient } from './postgres.js';
import { startPlainPostgres, type PlainPostgres } from './testing/plain-postgres.js';

describe('pg adapter COPY against PostgreSQL 15', () => {
  let server: PlainPostgres;
  let pool: pg.Pool;
  let client: pg.PoolClient;
  before(async () => {
    server = startPlainPostgres();
    pool = new pg.Pool({ connectionString: server.url, types, max: 1 });
    client = await pool.connect();
    await client.query(
      `CREATE TABLE t (id int PRIMARY KEY, txt text, num double precision, at timestamptz, doc jsonb)`,
    );
  });
  after(async () => {
    client?.release();
    await pool?.end();
    server?.stop();
  });

  test('100,000 rows in one COPY, all of them', async () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => [
      i,
      `row ${i}`,
      i / 7,
      new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      JSON.stringify({ i }),
    ]);
    assert.equal(await copyThrough(client, 't', ['id', 'txt', 'num', 'at', 'doc'], rows), 100_000);
    const { rows: got } = await client.query<{ n: number; s: number }>(
      `SELECT count(*)::int AS n, sum(num) AS s FROM t`,
    );
    assert.equal(got[0]?.n, 100_000);
    assert.ok(Math.abs((got[0]?.s ?? 0) - rows.reduce((s, r) => s + (r[2] as number), 0)) < 1e-6);
    await client.query('TRUNCATE t');
  });

  test('awkward values survive: NULL, tab, newline, backslash, \\N as text, unicode', async () => {
    const awkward = ['a\tb', 'line1\nline2', 'back\\slash', '\\N', 'ünïcødé ✓', '', null];
    const rows = awkward.map((txt, i) => [i, txt, null, null, null]);
    await copyThrough(client, 't', ['id', 'txt', 'num', 'at', 'doc'], rows);
    const { rows: got } = await client.query<{ txt: string | null }>(
      `SELECT txt FROM t ORDER BY id`,
    );
    assert.deepEqual(
      got.map((r) => r.txt),
      awkward,
    );
    await client.query('TRUNCATE t');
  });

  test('a failing COPY inserts nothing, and a COPY in a rolled-back transaction neither', async () => {
    await assert.rejects(
      copyThrough(
        client,
        't',
        ['id', 'txt'],
        [
          [1, 'one'],
          [1, 'duplicate key'],
        ],
      ),
      (err: { code?: string; message?: string }) =>
        err.code === 'DB_QUERY_FAILED' && /^23505 /.test(err.message ?? ''),
    );
    const tx = wrapClient(client);
    await client.query('BEGIN');
    assert.equal(await tx.copyRows('t', ['id', 'txt'], [[2, 'two']]), 1);
    await client.query('ROLLBACK');
    const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM t`);
    assert.equal(rows[0]?.n, 0);
  });
});
