import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { migrate } from './migrate.js';
import { openDatabase } from './open.js';
import {
  generateReadings,
  logger,
  openTempDb,
  READING_COLUMNS,
  type TestDb,
} from './testing/temp-db.js';

describe('copyRows on the embedded engine', () => {
  let t: TestDb;
  before(async () => {
    t = await openTempDb();
    await migrate(t.db, { logger });
  });
  after(() => t.dispose());

  test('bulk-inserts N rows, all of them', async () => {
    const rows = [
      ...generateReadings({
        from: Date.now() - 3_600_000,
        to: Date.now(),
        stepMs: 1_000,
        servers: 5,
        sensors: 3,
      }),
    ];
    assert.equal(await t.db.copyRows('readings', READING_COLUMNS, rows), rows.length);
    const { rows: got } = await t.db.query<{ n: number; total: number; servers: number }>(
      `SELECT count(*) AS n, sum(value) AS total, count(DISTINCT server_id) AS servers FROM readings`,
    );
    assert.equal(got[0]?.n, rows.length);
    assert.equal(got[0]?.servers, 5);
    const sum = rows.reduce((s, r) => s + r[3], 0);
    assert.ok(Math.abs((got[0]?.total ?? 0) - sum) < 1e-6);
  });

  test('awkward values survive the trip: NULL, tabs, newlines, backslashes, \\N text, unicode', async () => {
    const at = new Date('2026-01-01T00:00:00.123Z');
    const awkward = [
      [at, 'srv\t1', 'line1\nline2', null, null],
      [at, 'back\\slash', '\\N', Number.NaN, 'état ✓'],
      [at, 'cr\rlf', '"quoted", comma', -0.5, ''],
    ];
    await t.db.copyRows('readings', READING_COLUMNS, awkward);
    const { rows } = await t.db.query<{
      time: Date;
      server_id: string;
      sensor_id: string;
      value: number | null;
      state: string | null;
    }>(
      `SELECT time, server_id, sensor_id, value, state FROM readings WHERE time = $1 ORDER BY value NULLS FIRST`,
      [at],
    );
    assert.deepEqual(
      rows.map((r) => [r.time.toISOString(), r.server_id, r.sensor_id, r.value, r.state]),
      [
        [at.toISOString(), 'srv\t1', 'line1\nline2', null, null],
        [at.toISOString(), 'cr\rlf', '"quoted", comma', -0.5, ''],
        [at.toISOString(), 'back\\slash', '\\N', Number.NaN, 'état ✓'],
      ],
    );
  });

  test('a failing copy inserts nothing (all or nothing across batches)', async () => {
    const before = await t.db.query<{ n: number }>('SELECT count(*) AS n FROM readings');
    const rows: unknown[][] = [
      ...generateReadings({ from: 0, to: 150_000 * 1000, stepMs: 1000, servers: 1, sensors: 1 }),
    ];
    rows.push([new Date(), null, 'x', 1, 'ok']); // server_id NOT NULL, in the second batch
    await assert.rejects(
      t.db.copyRows('readings', READING_COLUMNS, rows),
      (err: { code?: string }) => err.code === 'DB_QUERY_FAILED',
    );
    const afterCount = await t.db.query<{ n: number }>('SELECT count(*) AS n FROM readings');
    assert.deepEqual(afterCount.rows, before.rows);
  });

  test('inside a transaction: rolled back with it', async () => {
    const before = await t.db.query<{ n: number }>('SELECT count(*) AS n FROM readings');
    await assert.rejects(
      t.db.transaction(async (tx) => {
        await tx.copyRows('readings', READING_COLUMNS, [[new Date(), 'srv-tx', 's', 1, 'ok']]);
        const { rows } = await tx.query<{ n: number }>(
          `SELECT count(*) AS n FROM readings WHERE server_id = 'srv-tx'`,
        );
        assert.deepEqual(rows, [{ n: 1 }]);
        throw new Error('abort');
      }),
      /abort/,
    );
    const afterCount = await t.db.query<{ n: number }>('SELECT count(*) AS n FROM readings');
    assert.deepEqual(afterCount.rows, before.rows);
  });
});

describe('measure (printed, not asserted)', () => {
  test('open times, and copyRows of 100k readings into the readings hypertable', async (ctx) => {
    const t = await openTempDb();
    try {
      ctx.diagnostic(`fresh data dir: opened in ${t.openMs} ms`);
      await migrate(t.db, { logger });
      // A realistic batch: 50 servers x 40 sensors, 50 readings each, in one or two chunks.
      const now = Date.now();
      const rows = [
        ...generateReadings({
          from: now - 50 * 30_000,
          to: now,
          stepMs: 30_000,
          servers: 50,
          sensors: 40,
        }),
      ];
      const started = performance.now();
      assert.equal(await t.db.copyRows('readings', READING_COLUMNS, rows), rows.length);
      const ms = performance.now() - started;
      ctx.diagnostic(
        `copyRows: ${rows.length} rows in ${Math.round(ms)} ms = ${Math.round(rows.length / (ms / 1000))} rows/s (hypertable with 2 indexes and an aggregate)`,
      );
      await t.db.close();
      const reopen = performance.now();
      t.db = await openDatabase({ dataDir: t.dir, logger });
      ctx.diagnostic(`existing data dir: opened in ${Math.round(performance.now() - reopen)} ms`);
    } finally {
      await t.dispose();
    }
  });
});
