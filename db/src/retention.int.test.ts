/**
 * Retention as configured, enforced by the job runner on its own timer (not by a direct
 * call): raw readings kept 3 days instead of 7, compression after a day, and the hourly
 * aggregate (built on the per-minute one) answering what the raw rows answer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually } from '@ipmi-monitor/runtime/testing';
import { startJobRunner, type JobRunner } from './job-runner.js';
import { migrate } from './migrate.js';
import { applyRetention, DEFAULT_RETENTION } from './retention.js';
import {
  generateReadings,
  logger,
  openTempDb,
  READING_COLUMNS,
  type TestDb,
} from './testing/temp-db.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('configured retention, run by the job runner on its schedule', () => {
  let t: TestDb;
  let runner: JobRunner | undefined;
  const now = Date.now();

  before(async () => {
    t = await openTempDb();
    await migrate(t.db, { logger });
    const rows = [
      ...generateReadings({
        from: now - 6 * DAY,
        to: now,
        stepMs: 10 * 60_000,
        servers: 4,
        sensors: 5,
      }),
    ];
    await t.db.copyRows('readings', READING_COLUMNS, rows);
  });
  after(async () => {
    await runner?.stop();
    await t.dispose();
  });

  test('the defaults are what the migrations installed: applying them changes nothing', async () => {
    assert.deepEqual(await applyRetention(t.db, DEFAULT_RETENTION), []);
  });

  test('a shorter raw retention replaces the policy and pulls the refresh windows inside it', async () => {
    const changes = await applyRetention(t.db, { ...DEFAULT_RETENTION, readings: '3 days' });
    assert.deepEqual(
      changes.map((c) => [c.table, c.to]),
      [
        ['readings', '3 days'],
        ['readings_1m refresh window', '172800 seconds'],
        ['readings_1h refresh window', '172800 seconds'],
      ],
    );
    assert.deepEqual(await applyRetention(t.db, { ...DEFAULT_RETENTION, readings: '3 days' }), []);
  });

  test('a retention that is not an interval is refused with DB_CONFIG_INVALID', async () => {
    await assert.rejects(
      applyRetention(t.db, { ...DEFAULT_RETENTION, readings: 'a week or so' }),
      (err: { code?: string }) => err.code === 'DB_CONFIG_INVALID',
    );
  });

  test('the job runner, on its timer, drops chunks past 3 days and compresses those past a day', async () => {
    runner = startJobRunner(t.db, { logger, intervalMs: 200, initialDelayMs: 100 });
    const chunks = await eventually(
      async () => {
        const { rows } = await t.db.query<{ range_end: Date; is_compressed: boolean }>(
          `SELECT range_end, is_compressed FROM timescaledb_information.chunks
            WHERE hypertable_name = 'readings' ORDER BY range_start`,
        );
        const old = rows.filter((c) => c.range_end.getTime() < now - 3 * DAY);
        const compressible = rows.filter((c) => c.range_end.getTime() < now - DAY);
        return old.length === 0 &&
          compressible.every((c) => c.is_compressed) &&
          compressible.length > 0
          ? rows
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'retention and compression by the job runner' },
    );
    assert.ok(chunks.length >= 3);
    const { rows } = await t.db.query<{ oldest: Date }>(`SELECT min(time) AS oldest FROM readings`);
    assert.ok((rows[0]?.oldest.getTime() ?? 0) >= now - 4 * DAY, 'no raw row older than its chunk');
  });

  test('the hourly aggregate answers what the raw rows answer over the same hours', async () => {
    await t.db.exec(`CALL refresh_continuous_aggregate('readings_1m', NULL, NULL)`);
    await t.db.exec(`CALL refresh_continuous_aggregate('readings_1h', NULL, NULL)`);
    const from = new Date(Math.floor((now - 2 * DAY) / HOUR) * HOUR).toISOString();
    const to = new Date(Math.floor((now - DAY) / HOUR) * HOUR).toISOString();
    const raw = await t.db.query<{ k: string; mn: number; av: number; mx: number; n: number }>(
      `SELECT server_id || '/' || sensor_id || '/' || time_bucket('1 hour', time) AS k,
              min(value) AS mn, avg(value) AS av, max(value) AS mx, count(*)::int AS n
         FROM readings WHERE time >= $1 AND time < $2 GROUP BY 1 ORDER BY 1`,
      [from, to],
    );
    const agg = await t.db.query<{ k: string; mn: number; av: number; mx: number; n: number }>(
      `SELECT server_id || '/' || sensor_id || '/' || bucket AS k,
              min_value AS mn, avg_value AS av, max_value AS mx, samples::int AS n
         FROM readings_1h WHERE bucket >= $1 AND bucket < $2 ORDER BY 1`,
      [from, to],
    );
    assert.ok(raw.rows.length > 100, `${raw.rows.length} hourly groups`);
    assert.equal(agg.rows.length, raw.rows.length);
    raw.rows.forEach((r, i) => {
      const a = agg.rows[i];
      assert.equal(a?.k, r.k);
      assert.equal(a?.mn, r.mn);
      assert.equal(a?.mx, r.mx);
      assert.equal(a?.n, r.n);
      assert.ok(
        Math.abs((a?.av ?? NaN) - r.av) <= 1e-9 * Math.abs(r.av),
        `${r.k}: ${a?.av} vs ${r.av}`,
      );
    });
  });
});
