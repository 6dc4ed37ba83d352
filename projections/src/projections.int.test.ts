/**
 * The projections against the real broker, registry and the embedded TimescaleDB: a known
 * event stream (duplicates, late readings, lifecycles, a poison message) must leave exactly
 * the expected rows; a rebuild of every projection must give the same tables row for row.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { migrate, type Database } from '@ipmi-monitor/db';
import { connectSeam, createMetricsRegistry, type Seam } from '@ipmi-monitor/runtime';
import { eventually, stackEnv, testLogger, testPrefix } from '@ipmi-monitor/runtime/testing';
import { topicNames } from '@ipmi-monitor/schemas';
// Test helpers of a sibling package, by path: they are not part of its API.
// eslint-disable-next-line no-restricted-imports
import { openTempDb, type TestDb } from '../../db/src/testing/temp-db.js';
import { projections } from './projections.js';
import { rebuild, startProjections, type ProjectionsHandle } from './runner.js';
import { byTopic, FEED_T0, knownFeed } from './testing/feed.js';
import { dumpTables, waitCaughtUp } from './testing/db.js';

const logger = testLogger('projections');

describe('projections: a known stream into the embedded database', () => {
  const prefix = testPrefix();
  const feed = knownFeed();
  let seam: Seam;
  let t: TestDb;
  let db: Database;
  let handle: ProjectionsHandle | undefined;
  const metrics = createMetricsRegistry({ service: 'projections-test' });

  before(async () => {
    t = await openTempDb();
    db = t.db;
    await migrate(db, { logger });
    seam = await connectSeam({
      ...stackEnv(),
      clientId: 'projections-test',
      logger,
      metrics,
      topicPrefix: prefix,
    });
    await seam.ensureTopics(topicNames);
    const producer = await seam.producer();
    for (const [topic, events] of byTopic(feed.events)) {
      await producer.sendRaw(topic, events);
    }
    // A poison message in the middle of the readings: not Avro at all.
    await seam.produceBytes('ipmi.readings.v1', [
      { key: 'srv-000', value: Buffer.from('definitely not avro') },
    ]);
    handle = await startProjections({
      seam,
      db,
      logger,
      projections,
      groupId: 'projections',
      apply: { bulk: 'copy' },
      metrics,
    });
    await handle.ready;
    await waitCaughtUp(db, seam, projections, 60_000);
  });

  after(async () => {
    await handle?.stop();
    await seam?.deleteTopics(topicNames).catch(() => undefined);
    await seam?.close();
    await t?.dispose();
  });

  const one = async <T>(sql: string, params: unknown[] = []): Promise<T> => {
    const { rows } = await db.query<T>(sql, params);
    assert.ok(rows[0], `no row for ${sql}`);
    return rows[0];
  };

  test('readings: every distinct reading exactly once, duplicates and late ones included', async () => {
    const r = await one<{ n: number; distinct_n: number; first: Date; last: Date }>(
      `SELECT count(*)::int AS n,
              count(DISTINCT (server_id, sensor_id, time))::int AS distinct_n,
              min(time) AS first, max(time) AS last
         FROM readings`,
    );
    assert.ok(feed.expect.readingsSent > feed.expect.readings, 'the feed has duplicates');
    assert.equal(r.n, feed.expect.readings);
    assert.equal(r.distinct_n, feed.expect.readings);
    assert.equal(r.first.getTime(), FEED_T0);
    // The late poll (3) is there with its own values.
    const late = await one<{ n: number }>(
      `SELECT count(*)::int AS n FROM readings WHERE time = $1`,
      [new Date(FEED_T0 + 3 * 30_000).toISOString()],
    );
    assert.equal(late.n, feed.expect.sensors);
  });

  test('sensors: one row per sensor holding its newest reading, not the late one', async () => {
    const { rows } = await db.query<{ server_id: string; sensor_id: string; time: Date }>(
      `SELECT server_id, sensor_id, time FROM sensors`,
    );
    assert.equal(rows.length, feed.expect.sensors);
    for (const r of rows) {
      assert.equal(r.time.getTime(), feed.expect.newest.get(`${r.server_id}\u0000${r.sensor_id}`));
    }
    const s = await one<{ ucr: number; unit: string; name: string }>(
      `SELECT ucr, unit, name FROM sensors WHERE server_id = 'srv-000' AND sensor_id = $1`,
      ['Sensor 1#0x01'],
    );
    assert.deepEqual(s, { ucr: 90, unit: 'C', name: 'Sensor 1' });
  });

  test('SEL: each entry once although every entry was sent twice; the clear recorded', async () => {
    assert.equal(
      (await one<{ n: number }>(`SELECT count(*)::int AS n FROM sel_events`)).n,
      feed.expect.selEntries,
    );
    const life = await one<{ n: number; type: string }>(
      `SELECT count(*)::int AS n, min(type) AS type FROM sel_log_events`,
    );
    assert.deepEqual(life, { n: feed.expect.selLog, type: 'SelCleared' });
  });

  test('polls: every outcome once; reachability and power are the latest', async () => {
    assert.equal(
      (await one<{ n: number }>(`SELECT count(*)::int AS n FROM poll_outcomes`)).n,
      feed.expect.polls,
    );
    const st = await one<{ reachable: boolean; power_state: string | null }>(
      `SELECT reachable, power_state FROM server_status WHERE server_id = 'srv-001'`,
    );
    assert.equal(st.reachable, true);
    const p = await one<{ power_state: string }>(
      `SELECT power_state FROM server_status WHERE server_id = 'srv-002'`,
    );
    assert.equal(p.power_state, 'ON');
  });

  test('servers: the configured fleet, the change applied, the removed one gone', async () => {
    const { rows } = await db.query<{ server_id: string; name: string; revision: number }>(
      `SELECT server_id, name, revision FROM servers ORDER BY server_id`,
    );
    assert.equal(rows.length, feed.expect.servers);
    assert.deepEqual(rows[0], { server_id: 'srv-000', name: 'Server 0 (renamed)', revision: 2 });
    assert.ok(!rows.some((r) => r.server_id === 'srv-005'));
    const inv = await one<{ v: string }>(
      `SELECT bmc_firmware_version AS v FROM server_inventory WHERE server_id = 'srv-003'`,
    );
    assert.equal(inv.v, '1.2');
  });

  test('alerts: current state by highest revision, history once per event', async () => {
    const byStatus = await db.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM alerts GROUP BY status ORDER BY status`,
    );
    assert.deepEqual(byStatus.rows, [
      { status: 'ACTIVE', n: feed.expect.alerts.active },
      { status: 'RESOLVED', n: feed.expect.alerts.resolved },
    ]);
    assert.equal(
      (await one<{ n: number }>(`SELECT count(*)::int AS n FROM alert_history`)).n,
      feed.expect.alerts.history,
    );
    const a = await one<{ revision: number; raised_at: Date; resolved_at: Date | null }>(
      `SELECT revision, raised_at, resolved_at FROM alerts WHERE alert_id = 'alert-srv-000'`,
    );
    assert.equal(a.revision, 3);
    assert.equal(a.raised_at.getTime(), FEED_T0 + 60_000);
    assert.equal(a.resolved_at?.getTime(), FEED_T0 + 3 * 60_000);
  });

  test('insights and silences', async () => {
    const ins = await db.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM insights GROUP BY status ORDER BY status`,
    );
    assert.deepEqual(ins.rows, [
      { status: 'CLOSED', n: feed.expect.insights.closed },
      { status: 'OPEN', n: feed.expect.insights.open },
    ]);
    const sil = await one<{ total: number; lifted: number }>(
      `SELECT count(*)::int AS total, count(lifted_at)::int AS lifted FROM silences`,
    );
    assert.deepEqual(sil, feed.expect.silences);
  });

  test('the poison message went to the DLQ with its error code, and nothing stopped', async () => {
    const parked: { code: string | undefined; body: string }[] = [];
    const dlq = await seam.consumeBytes(
      { groupId: 'dlq-reader', topics: ['ipmi.readings.v1.dlq'], lagIntervalMs: 0 },
      (m) => {
        parked.push({ code: m.headers['x-error-code'], body: m.raw?.toString() ?? '' });
        return Promise.resolve();
      },
    );
    try {
      await eventually(() => (parked.length > 0 ? true : undefined), { what: 'the DLQ entry' });
    } finally {
      await dlq.stop();
    }
    assert.deepEqual(parked, [{ code: 'RT_DECODE_FAILED', body: 'definitely not avro' }]);
    const text = await metrics.metrics();
    assert.match(text, /ipmi_pipeline_dlq_messages_total\{[^}]*topic="ipmi.readings.v1"[^}]*\} 1/);
  });

  test('rebuild of every projection gives the same tables, row for row', async () => {
    const before = await dumpTables(
      db,
      projections.flatMap((p) => p.tables),
    );
    await handle?.stop();
    handle = undefined;
    const lines: string[] = [];
    for (const projection of projections) {
      const r = await rebuild({
        seam,
        db,
        logger,
        projection,
        apply: { bulk: 'copy' },
        print: (l) => lines.push(l),
        progressEveryMs: 200,
      });
      assert.ok(r.events > 0, `${projection.name} replayed nothing`);
    }
    const afterRebuild = await dumpTables(
      db,
      projections.flatMap((p) => p.tables),
    );
    for (const table of Object.keys(before)) {
      assert.deepEqual(afterRebuild[table], before[table], `table ${table} differs after rebuild`);
    }
    assert.ok(
      lines.some((l) => /done, [\d,]+ events/.test(l)),
      lines.join('\n'),
    );
  });
});
