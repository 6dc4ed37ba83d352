/**
 * Every SQL query of the provisioned Grafana dashboards against the real schema, filled by the
 * projections' own writes: each panel and template-variable query, expanded as Grafana would
 * expand it, must run and return rows over a 1-hour, a 2-day and a 7-day range. The sensor
 * panel reads a different source by range length (raw readings, the per-minute aggregate,
 * the hourly one); that it picks the right one, and that the three agree, is checked too.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { migrate, type Database } from '@ipmi-monitor/db';
import type { ConsumedEvent } from '@ipmi-monitor/runtime';
import { testLogger } from '@ipmi-monitor/runtime/testing';
import {
  sampleEvents,
  type BmcReachabilityChanged,
  type SilenceSet,
  type TopicName,
} from '@ipmi-monitor/schemas';
// Test helpers of a sibling package, by path: they are not part of its API.
// eslint-disable-next-line no-restricted-imports
import { openTempDb, type TestDb } from '../../db/src/testing/temp-db.js';
import { projectionFor } from './projections.js';
import { FEED_T0, knownFeed, readings, sensorName, serverName } from './testing/feed.js';
import {
  dashboardQueries,
  fillMacros,
  variableValues,
  type DashboardQuery,
} from './testing/grafana.js';

const logger = testLogger('grafana');
const DASHBOARDS = fileURLToPath(
  new URL('../../infra/compose/grafana/dashboards/', import.meta.url),
);

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// 10 servers × 8 sensors every 5 minutes for 8 days, ending 2 days after FEED_T0 (the rest
// of the known feed happens in the minutes after FEED_T0). Each reading is 17 s past a minute, so a row that comes
// out of the sensor panel at :17 was read from the raw table, one at :00 from an aggregate.
const READINGS = {
  servers: 10,
  sensors: 8,
  stepMs: 5 * MINUTE,
  from: FEED_T0 - 6 * DAY + 17 * SECOND,
  polls: (8 * DAY) / (5 * MINUTE),
};

/** The ranges every query runs over, each with an interval of the size Grafana would use. */
const WINDOWS = [
  {
    name: '1 hour',
    from: FEED_T0 - 30 * MINUTE,
    to: FEED_T0 + 30 * MINUTE,
    intervalMs: 30 * SECOND,
  },
  { name: '2 days', from: FEED_T0 - DAY, to: FEED_T0 + DAY, intervalMs: 2 * MINUTE },
  { name: '7 days', from: FEED_T0 - 5 * DAY, to: FEED_T0 + 2 * DAY, intervalMs: 10 * MINUTE },
] as const;

const SERVER = serverName(0);
const SENSORS = [sensorName(1), sensorName(2)];

/** Values for a query's variables: one server where it takes one, two where it takes several. */
const valuesFor = (q: DashboardQuery, sensors: readonly string[] = SENSORS) =>
  variableValues(q.variables, {
    server: q.variables.find((v) => v.name === 'server')?.quoted
      ? [SERVER, serverName(1)]
      : [SERVER],
    sensor: sensors,
  });

interface PlainEvent {
  topic: TopicName;
  type: string;
  value: unknown;
}

/** Writes events through their projection's own `apply`, as the runner would, in batches. */
async function project(db: Database, events: Iterable<PlainEvent>, batch = 5000): Promise<void> {
  let pending: PlainEvent[] = [];
  const flush = async () => {
    const byTopic = new Map<TopicName, PlainEvent[]>();
    for (const e of pending) byTopic.set(e.topic, [...(byTopic.get(e.topic) ?? []), e]);
    for (const [topic, list] of byTopic) {
      const projection = projectionFor(topic);
      assert.ok(projection, `no projection reads ${topic}`);
      // Only the type and value of a consumed event are read by the projections.
      const consumed = list.map(
        (e) => ({ event: { type: e.type, value: e.value } }) as ConsumedEvent,
      );
      await db.transaction((tx) => projection.apply(tx, consumed, { bulk: 'copy' }));
    }
    pending = [];
  };
  for (const e of events) {
    pending.push(e);
    if (pending.length >= batch) await flush();
  }
  await flush();
}

function* readingEvents(): Generator<PlainEvent> {
  for (const value of readings(READINGS)) {
    yield { topic: 'ipmi.readings.v1', type: 'SensorReadingRecorded', value };
  }
}

/**
 * What the known feed lacks for every panel to have rows in every range: a silence in force
 * across all three ranges (the feed's is in 2025), and a server whose BMC stopped answering.
 */
function extraEvents(): PlainEvent[] {
  const silences = [0, 2].map((i) => {
    const value: SilenceSet = {
      ...sampleEvents.SilenceSet,
      eventId: `silence-dash-${serverName(i)}`,
      silenceId: 'silence-dash',
      serverId: serverName(i),
      occurredAt: FEED_T0 - 2 * HOUR,
      observedAt: FEED_T0 - 2 * HOUR,
      startsAt: FEED_T0 - 2 * HOUR,
      endsAt: FEED_T0 + 3 * DAY,
    };
    return { topic: 'ipmi.silences.v1' as const, type: 'SilenceSet', value };
  });
  const down: BmcReachabilityChanged = {
    ...sampleEvents.BmcReachabilityChanged,
    eventId: `reach-${serverName(4)}-down`,
    serverId: serverName(4),
    occurredAt: FEED_T0 + 5 * MINUTE,
    observedAt: FEED_T0 + 5 * MINUTE,
  };
  return [...silences, { topic: 'ipmi.polls.v1', type: 'BmcReachabilityChanged', value: down }];
}

const queries = dashboardQueries(DASHBOARDS);
const sensorPanel = queries.find(
  (q) =>
    q.dashboard === 'ipmi-server-sensors' && q.panel === 'Sensors over time' && q.refId === 'A',
);

describe('Grafana dashboards: every query on a projected database', () => {
  let t: TestDb;
  let db: Database;

  before(async () => {
    t = await openTempDb();
    db = t.db;
    await migrate(db, { logger });
    await project(db, readingEvents());
    // The feed's own readings are left out: the readings above cover its servers and sensors.
    await project(
      db,
      knownFeed().events.filter((e) => e.topic !== 'ipmi.readings.v1'),
    );
    await project(db, extraEvents());
    // Refreshing cannot run in a transaction; the hourly aggregate is built on the minute one.
    await db.exec(`CALL refresh_continuous_aggregate('readings_1m', NULL, NULL)`);
    await db.exec(`CALL refresh_continuous_aggregate('readings_1h', NULL, NULL)`);
  });

  after(async () => {
    await t?.dispose();
  });

  const run = async <T = Record<string, unknown>>(
    q: DashboardQuery,
    w: { from: number; to: number; intervalMs: number },
    sensors?: readonly string[],
  ): Promise<T[]> => {
    const sql = fillMacros(q.rawSql, {
      from: new Date(w.from),
      to: new Date(w.to),
      intervalMs: w.intervalMs,
      vars: valuesFor(q, sensors),
    });
    try {
      return (await db.query<T>(sql)).rows;
    } catch (err) {
      throw new Error(`${q.file} "${q.panel}" ${q.refId}: ${(err as Error).message}\n${sql}`, {
        cause: err,
      });
    }
  };

  test('the dashboards hold the expected queries', () => {
    const uids = new Set(queries.map((q) => q.dashboard));
    assert.deepEqual([...uids].sort(), [
      'ipmi-alerts-insights',
      'ipmi-fleet-overview',
      'ipmi-sel-events',
      'ipmi-server-sensors',
    ]);
    assert.ok(sensorPanel, 'the sensor panel');
  });

  for (const w of WINDOWS) {
    for (const q of queries) {
      test(`${w.name}: ${q.dashboard} / ${q.panel} / ${q.refId}`, async (ctx) => {
        const started = performance.now();
        const rows = await run(q, w);
        ctx.diagnostic(`${rows.length} rows in ${Math.round(performance.now() - started)} ms`);
        assert.ok(rows.length > 0, 'no rows');
        if (q.format === 'time_series') {
          // Grafana names each series by `metric` only when the result is exactly these three
          // columns, and turns a long result into series only when it is sorted by time.
          assert.deepEqual(Object.keys(rows[0] ?? {}), ['time', 'metric', 'value']);
          const times = rows.map((r) => (r.time as Date).getTime());
          assert.ok(
            times.every((x, i) => i === 0 || (times[i - 1] ?? x) <= x),
            'rows not sorted by time',
          );
        }
      });
    }
  }

  test('servers needing attention come first: critical, then unreachable', async () => {
    const q = queries.find((x) => x.panel === 'Servers, those needing attention first');
    assert.ok(q);
    const rows = await run<{ health: string; server_id: string }>(q, WINDOWS[0]);
    assert.deepEqual(
      rows.map((r) => `${r.health} ${r.server_id}`),
      [
        'CRITICAL srv-001',
        'CRITICAL srv-003',
        'UNREACHABLE srv-004',
        'UNKNOWN srv-000',
        'UNKNOWN srv-002',
      ],
    );
  });

  test('a server without threshold sensors: the sensor panel is empty, not an error', async () => {
    const panels = queries.filter((q) => q.rawSql.includes('sensor:sqlstring'));
    assert.ok(panels.length >= 2);
    for (const q of panels) assert.deepEqual(await run(q, WINDOWS[0], []), []);
  });

  // Which source answered shows in the row times at a 1 s interval: raw rows keep their
  // :17 seconds, per-minute buckets start on the minute, hourly ones on the hour.
  const sourceOf = (times: Date[]): string => {
    if (times.length === 0) return 'nothing';
    if (times.every((d) => d.getUTCSeconds() === 17)) return 'raw';
    if (times.every((d) => d.getTime() % HOUR === 0)) return '1h';
    if (times.every((d) => d.getTime() % MINUTE === 0)) return '1m';
    return 'mixed';
  };
  const T = FEED_T0;
  const ranges: [string, number, number, string][] = [
    ['1 hour', T - 30 * MINUTE, T + 30 * MINUTE, 'raw'],
    ['exactly 6 hours', T - 3 * HOUR, T + 3 * HOUR, 'raw'],
    ['6 hours and a second', T - 3 * HOUR, T + 3 * HOUR + SECOND, '1m'],
    ['2 days', T - DAY, T + DAY, '1m'],
    ['exactly 3 days', T - 2 * DAY, T + DAY, '1m'],
    ['3 days and a second', T - 2 * DAY, T + DAY + SECOND, '1h'],
    ['7 days', T - 5 * DAY, T + 2 * DAY, '1h'],
  ];
  for (const [name, from, to, source] of ranges) {
    test(`sensor panel over ${name} reads ${source === 'raw' ? 'raw readings' : `readings_${source}`}`, async () => {
      assert.ok(sensorPanel);
      const rows = await run<{ time: Date; metric: string }>(sensorPanel, {
        from,
        to,
        intervalMs: SECOND,
      });
      assert.equal(sourceOf(rows.map((r) => r.time)), source);
      assert.deepEqual([...new Set(rows.map((r) => r.metric))].sort(), SENSORS);
    });
  }

  test('raw, per-minute and hourly sources agree on an hour average', async () => {
    assert.ok(sensorPanel);
    const hour = FEED_T0 - 12 * HOUR;
    const { rows: truth } = await db.query<{ avg: number; n: number }>(
      `SELECT avg(value) AS avg, count(value)::int AS n FROM readings
        WHERE server_id = $1 AND sensor_id = $2 AND time >= $3 AND time < $4`,
      [SERVER, SENSORS[0], new Date(hour), new Date(hour + HOUR)],
    );
    assert.equal(truth[0]?.n, 12, 'readings in the hour');
    const expected = truth[0]?.avg ?? NaN;
    const averages: Record<string, number> = {};
    for (const [source, from, to] of [
      ['raw', hour, hour + HOUR],
      ['1m', FEED_T0 - DAY, FEED_T0 + DAY],
      ['1h', FEED_T0 - 5 * DAY, FEED_T0 + 2 * DAY],
    ] as const) {
      const rows = await run<{ time: Date; metric: string; value: number }>(sensorPanel, {
        from,
        to,
        intervalMs: HOUR,
      });
      const row = rows.find((r) => r.time.getTime() === hour && r.metric === SENSORS[0]);
      assert.ok(row, `${source}: no row for the hour`);
      averages[source] = row.value;
    }
    for (const [source, value] of Object.entries(averages)) {
      assert.ok(
        Math.abs(value - expected) <= 1e-9 * Math.abs(expected),
        `${source}: ${value} vs ${expected}`,
      );
    }
  });
});
