/**
 * The projections through the `pg` adapter, the one production uses with DATABASE_URL:
 *
 * - against the embedded TimescaleDB served on its socket (one connection: the socket shares
 *   one session), with readings written by INSERT from arrays (`bulk: 'insert'`), since COPY
 *   through that socket crashes the engine. Every table must equal what the embedded adapter
 *   writes from the same log with COPY;
 * - the COPY path (staging table, INSERT ... ON CONFLICT) through `pg` against Debian's
 *   PostgreSQL 15 (no TimescaleDB: plain tables with the same columns and keys).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import {
  defaultMigrationsDir,
  migrate,
  openDatabase,
  serveSocket,
  type Database,
} from '@ipmi-monitor/db';
import { connectSeam, type ConsumedEvent, type Seam } from '@ipmi-monitor/runtime';
import { stackEnv, testLogger, testPrefix } from '@ipmi-monitor/runtime/testing';
import { topicNames } from '@ipmi-monitor/schemas';
// Test helpers and internals of a sibling package, by path: not part of its API.
// eslint-disable-next-line no-restricted-imports
import { openTempDb, type TestDb } from '../../db/src/testing/temp-db.js';
// eslint-disable-next-line no-restricted-imports
import { startPlainPostgres, type PlainPostgres } from '../../db/src/testing/plain-postgres.js';
// eslint-disable-next-line no-restricted-imports
import { types, wrapClient } from '../../db/src/postgres.js';
import { projectionNamed, projections } from './projections.js';
import { startProjections } from './runner.js';
import { byTopic, knownFeed, readings } from './testing/feed.js';
import { dumpTables, waitCaughtUp } from './testing/db.js';

const logger = testLogger('projections-pg');

describe('projections through the pg adapter on the embedded database socket', () => {
  const prefix = testPrefix();
  let seam: Seam;
  let served: TestDb;
  let reference: TestDb;
  let socket: Awaited<ReturnType<typeof serveSocket>>;
  let pgdb: Database;

  before(async () => {
    seam = await connectSeam({
      ...stackEnv(),
      clientId: 'prj-pg-test',
      logger,
      topicPrefix: prefix,
    });
    await seam.ensureTopics(topicNames);
    const producer = await seam.producer();
    for (const [topic, events] of byTopic(knownFeed().events))
      await producer.sendRaw(topic, events);
    served = await openTempDb();
    socket = await serveSocket(served.db, { port: 0 });
    pgdb = await openDatabase({ url: socket.url, maxConnections: 1, logger });
    reference = await openTempDb();
  });
  after(async () => {
    await pgdb?.close();
    await socket?.close();
    await served?.dispose();
    await reference?.dispose();
    await seam?.deleteTopics(topicNames).catch(() => undefined);
    await seam?.close();
  });

  test('migrate, project the known stream, and match the embedded adapter table for table', async () => {
    assert.equal(pgdb.kind, 'postgres');
    await migrate(pgdb, { logger });
    await migrate(reference.db, { logger });
    const viaPg = await startProjections({
      seam,
      db: pgdb,
      logger,
      projections,
      groupId: 'via-pg',
      apply: { bulk: 'insert' },
    });
    const embedded = await startProjections({
      seam,
      db: reference.db,
      logger,
      projections,
      groupId: 'embedded',
      apply: { bulk: 'copy' },
    });
    try {
      await waitCaughtUp(pgdb, seam, projections, 90_000);
      await waitCaughtUp(reference.db, seam, projections, 90_000);
    } finally {
      await viaPg.stop();
      await embedded.stop();
    }
    const tables = projections.flatMap((p) => p.tables);
    const got = await dumpTables(pgdb, tables);
    const want = await dumpTables(reference.db, tables);
    for (const t of tables) {
      assert.ok((want[t]?.length ?? 0) > 0, `${t} is empty`);
      assert.deepEqual(got[t], want[t], `${t} differs between the adapters`);
    }
  });
});

describe('the readings COPY path through pg, against PostgreSQL 15', () => {
  let server: PlainPostgres;
  let pool: pg.Pool;
  before(async () => {
    server = startPlainPostgres();
    pool = new pg.Pool({ connectionString: server.url, types, max: 1 });
    // The same columns and keys as the migrations, without TimescaleDB.
    const ddl = readFileSync(
      new URL('0002_projections.sql', `file://${defaultMigrationsDir}/`),
      'utf8',
    );
    const sensors = /CREATE TABLE sensors \([\s\S]*?\n\);/.exec(ddl)?.[0];
    assert.ok(sensors, 'sensors DDL found in 0002');
    await pool.query(`CREATE TABLE readings (time timestamptz NOT NULL, server_id text NOT NULL,
      sensor_id text NOT NULL, value double precision, state text)`);
    await pool.query(
      `CREATE UNIQUE INDEX readings_key ON readings (server_id, sensor_id, time DESC)`,
    );
    await pool.query(sensors);
  });
  after(async () => {
    await pool?.end();
    server?.stop();
  });

  test('batches with duplicates and a replayed batch: each reading once, sensors at their newest', async () => {
    const projection = projectionNamed('readings');
    assert.ok(projection);
    const all = [...readings({ servers: 10, sensors: 20, polls: 30 })];
    const wrap = (xs: typeof all) =>
      xs.map(
        (value) =>
          ({ event: { type: 'SensorReadingRecorded', value } }) as unknown as ConsumedEvent,
      );
    // Three overlapping batches (the second repeats part of the first), then the first again.
    const batches = [
      all.slice(0, 2500),
      all.slice(2000, 4500),
      all.slice(4500),
      all.slice(0, 2500),
    ];
    const client = await pool.connect();
    try {
      for (const b of batches) {
        await client.query('BEGIN');
        await projection.apply(wrapClient(client), wrap(b), { bulk: 'copy' });
        await client.query('COMMIT');
      }
    } finally {
      client.release();
    }
    const { rows } = await pool.query<{ n: number; d: number; sensors: number; newest: Date }>(
      `SELECT (SELECT count(*)::int FROM readings) AS n,
              (SELECT count(DISTINCT (server_id, sensor_id, time))::int FROM readings) AS d,
              (SELECT count(*)::int FROM sensors) AS sensors,
              (SELECT min(time) FROM sensors) AS newest`,
    );
    assert.equal(rows[0]?.n, all.length);
    assert.equal(rows[0]?.d, all.length);
    assert.equal(rows[0]?.sensors, 200);
    assert.equal(rows[0]?.newest.getTime(), Math.max(...all.map((r) => r.occurredAt)));
  });
});
