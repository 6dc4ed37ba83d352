/**
 * The readings projection (Kafka → TimescaleDB, exactly once) on the embedded database:
 *
 * 1. Throughput: --events readings (--servers × 30 sensors, 30 s polls) are produced once
 *    into a fresh topic prefix. Per rep (--reps), in one fresh database:
 *      copy        the same rows, already built, COPYed straight into `readings` (the
 *                  ceiling: no Kafka, no decoding, no dedupe), then the table is emptied;
 *      projection  the projections sink reads the topic from its start (fresh consumer group,
 *                  offsets table emptied) and writes it as the service does (COPY with the
 *                  staging fallback, current-sensor upserts, offsets in the same
 *                  transaction); the readings after its first batch, over the time from that
 *                  batch's commit to the last offset stored (start-up and group join, which
 *                  the COPY leg has no equivalent of, stay outside; the first batch too).
 *    The figure is the median ratio projection / copy (legs alternate in order per rep).
 * 2. Rebuild: --rebuild-events readings (default 1,000,000) in the topic, then `rebuild`
 *    of the readings projection (truncate, replay, aggregate refresh) timed end to end.
 * 3. Queries: 7 days of --servers × 30 sensors at --step-min minutes (default 10: 3M raw rows
 *    for 100 servers; a 30 s step would be 60M, past what the embedded engine holds in its
 *    4 GB), COPYed, aggregates refreshed and older chunks compressed by the job runner, plus
 *    the other tables from the known feed. Every query of every Grafana dashboard (and every
 *    variable query) runs --runs times over the last 1 h, 24 h and 7 days: p50/p95 per
 *    window. Baseline: the sensor panel's series computed from the raw rows (no aggregate)
 *    over 7 days, and the ratio of the panel's p50 to it.
 *
 *   npm run bench:projections                               # stack running
 *   npm run bench:projections -- --events 200000 --reps 3 --rebuild-events 1000000
 *   npm run bench:projections -- --phases rebuild --rebuild-events 300000
 *
 * Prints figures; asserts nothing. Deletes its topics and database on the way out.
 */
import { parseArgs } from 'node:util';
import { migrate, openDatabase, startJobRunner, type Database } from '@ipmi-monitor/db';
import {
  connectSeam,
  createMetricsRegistry,
  type ConsumedEvent,
  type Seam,
} from '@ipmi-monitor/runtime';
import type { SensorReadingRecorded } from '@ipmi-monitor/schemas';
import { stackEnv, testPrefix } from '@ipmi-monitor/runtime/testing';
import {
  projectionFor,
  projectionNamed,
  rebuild,
  startProjections,
} from '@ipmi-monitor/projections';

import { knownFeed, readings, sensorName, serverName } from '../projections/src/testing/feed.js';

import {
  dashboardQueries,
  fillMacros,
  variableValues,
} from '../projections/src/testing/grafana.js';

import { tempDir } from '../db/src/testing/temp-db.js';
import { benchLogger } from './lib/log.js';
import { fix, fmt, median, percentile } from './lib/stats.js';
import { machineLine } from './lib/system.js';

process.removeAllListeners('warning');

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    servers: { type: 'string', default: '100' },
    reps: { type: 'string', default: '3' },
    'rebuild-events': { type: 'string', default: '1000000' },
    phases: { type: 'string', default: 'throughput,rebuild,queries' },
    'step-min': { type: 'string', default: '10' },
    runs: { type: 'string', default: '20' },
  },
});
const phases = new Set(String(args.phases).split(','));
const SENSORS = 30;
const log = benchLogger();
const logger = log.logger;
const readingsProjection = projectionNamed('readings');
if (!readingsProjection) throw new Error('no readings projection');

/** Produces `n` readings (poll by poll, 30 s apart, ending now) and returns their rows. */
async function produce(seam: Seam, n: number, servers: number) {
  const producer = await seam.producer();
  const polls = Math.ceil(n / (servers * SENSORS));
  const from = Date.now() - polls * 30_000;
  const rows: unknown[][] = [];
  let batch: { type: string; value: unknown }[] = [];
  let sent = 0;
  for (const r of readings({ servers, sensors: SENSORS, polls, from })) {
    if (sent++ >= n) break;
    batch.push({ type: 'SensorReadingRecorded', value: r });
    rows.push([new Date(r.occurredAt).toISOString(), r.serverId, r.sensorId, r.value, r.state]);
    if (batch.length === 10_000) {
      await producer.sendRaw('ipmi.readings.v1', batch);
      batch = [];
    }
  }
  if (batch.length) await producer.sendRaw('ipmi.readings.v1', batch);
  await producer.close();
  return rows;
}

async function emptyReadings(db: Database) {
  await db.exec(`TRUNCATE readings, sensors; DELETE FROM projection_offsets`);
}

async function copyLeg(db: Database, rows: unknown[][]): Promise<number> {
  const t = performance.now();
  await db.copyRows('readings', ['time', 'server_id', 'sensor_id', 'value', 'state'], rows);
  const s = (performance.now() - t) / 1000;
  await emptyReadings(db);
  return rows.length / s;
}

/** Where the projection leg's time went (the last rep's). */
let lastSplit = '';

async function projectionLeg(seam: Seam, db: Database, n: number, rep: number): Promise<number> {
  const metrics = createMetricsRegistry({ service: 'bench' });
  const ends = await seam.offsets('ipmi.readings.v1');
  const target = ends.reduce((s, e) => s + Number(e.high), 0);
  const handle = await startProjections({
    seam,
    db,
    logger,
    projections: [readingsProjection as NonNullable<typeof readingsProjection>],
    groupId: `bench-projection-${rep}`,
    apply: { bulk: 'copy' },
    metrics,
  });
  // The window opens at the first stored batch (group join and the first fetch are start-up,
  // which the COPY leg does not have) and closes when the last offset is stored.
  let t = NaN;
  let first = 0;
  for (;;) {
    const { rows } = await db.query<{ s: number | null }>(
      `SELECT sum(next_offset)::float8 AS s FROM projection_offsets`,
    );
    const stored = rows[0]?.s ?? 0;
    if (stored > 0 && Number.isNaN(t)) {
      t = performance.now();
      first = stored;
    }
    if (stored >= target) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const s = (performance.now() - t) / 1000;
  const counted = target - first;
  await handle.stop();
  // Histogram values carry the series name (_sum, _count, _bucket) beside their labels.
  const batches = ((await metrics.getSingleMetric('ipmi_projection_batch_seconds')?.get())
    ?.values ?? []) as { metricName?: string; value: number }[];
  const sum =
    batches.find((v) => v.metricName === 'ipmi_projection_batch_seconds_sum')?.value ?? NaN;
  const count =
    batches.find((v) => v.metricName === 'ipmi_projection_batch_seconds_count')?.value ?? NaN;
  lastSplit = `${fmt(counted)} readings after the first batch in ${fix(s)} s; all ${count} transactions took ${fix(sum)} s (${fmt(n / count)} readings each)`;
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM readings`);
  if (rows[0]?.n !== n) throw new Error(`projection wrote ${rows[0]?.n} rows, expected ${n}`);
  await emptyReadings(db);
  return counted / s;
}

async function withDatabase<R>(fn: (db: Database) => Promise<R>): Promise<R> {
  const dir = await tempDir('ipmi-bench-prj-');
  const db = await openDatabase({ dataDir: dir.dir, logger });
  try {
    await migrate(db, { logger });
    return await fn(db);
  } finally {
    await db.close();
    await dir.remove();
  }
}

const DASHBOARDS = new URL('../infra/compose/grafana/dashboards/', import.meta.url).pathname;

async function queries(servers: number) {
  const step = Number(args['step-min']) * 60_000;
  const runs = Number(args.runs);
  const DAY = 86_400_000;
  const now = Math.floor(Date.now() / 60_000) * 60_000;
  await withDatabase(async (db) => {
    // The small tables from the known feed, through the projections themselves.
    for (const e of knownFeed().events) {
      if (e.topic === 'ipmi.readings.v1') continue;
      const p = projectionFor(e.topic);
      const consumed = { event: { type: e.type, value: e.value } } as unknown as ConsumedEvent;
      await db.transaction((tx) => p?.apply(tx, [consumed], { bulk: 'copy' }) ?? Promise.resolve());
    }
    const t0 = performance.now();
    let rows = 0;
    const polls = Math.floor((7 * DAY) / step);
    let chunk: SensorReadingRecorded[] = [];
    const flush = async () => {
      const events = chunk.map(
        (value) =>
          ({ event: { type: 'SensorReadingRecorded', value } }) as unknown as ConsumedEvent,
      );
      await db.transaction((tx) =>
        (readingsProjection as NonNullable<typeof readingsProjection>).apply(tx, events, {
          bulk: 'copy',
        }),
      );
      rows += chunk.length;
      chunk = [];
    };
    for (const r of readings({
      servers,
      sensors: SENSORS,
      polls,
      from: now - polls * step,
      stepMs: step,
    })) {
      chunk.push(r);
      if (chunk.length === 50_000) await flush();
    }
    await flush();
    const loadS = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const jobs = startJobRunner(db, { logger, initialDelayMs: 1e9 });
    await jobs.runAllOnce();
    await jobs.stop();
    console.log(
      `queries: ${fmt(rows)} readings (${servers} servers × ${SENSORS} sensors, 7 days, ${args['step-min']} min step) loaded in ${fix(loadS)} s; ` +
        `aggregates refreshed and chunks compressed in ${fix((performance.now() - t1) / 1000)} s`,
    );
    const windows = [
      { name: '1 h', ms: 3_600_000, intervalMs: 5_000 },
      { name: '24 h', ms: DAY, intervalMs: 60_000 },
      { name: '7 days', ms: 7 * DAY, intervalMs: 600_000 },
    ];
    const sensorsChosen = [sensorName(1), sensorName(2)];
    const all = dashboardQueries(DASHBOARDS);
    const time = async (sql: string) => {
      const t = performance.now();
      await db.query(sql);
      return performance.now() - t;
    };
    const perWindow = new Map<string, number[]>();
    let sensorPanel7d: number[] = [];
    for (const w of windows) {
      for (const q of all) {
        const sql = fillMacros(q.rawSql, {
          from: new Date(now - w.ms),
          to: new Date(now),
          intervalMs: w.intervalMs,
          vars: variableValues(q.variables, {
            server: q.variables.find((v) => v.name === 'server')?.quoted
              ? [serverName(0), serverName(1)]
              : [serverName(0)],
            sensor: sensorsChosen,
          }),
        });
        await time(sql); // warm
        const ms: number[] = [];
        for (let i = 0; i < runs; i++) ms.push(await time(sql));
        perWindow.set(w.name, [...(perWindow.get(w.name) ?? []), ...ms]);
        if (
          w.name === '7 days' &&
          q.file === 'server-sensors.json' &&
          q.format === 'time_series' &&
          /readings_1h/.test(q.rawSql)
        ) {
          sensorPanel7d = ms;
        }
        console.log(
          `  ${w.name.padEnd(6)} ${q.file.replace('.json', '')} / ${q.panel} ${q.refId}: p50 ${fix(median(ms), 2)} ms, p95 ${fix(percentile(ms, 0.95), 2)} ms`,
        );
      }
    }
    for (const w of windows) {
      const ms = perWindow.get(w.name) ?? [];
      console.log(
        `queries over ${w.name}: ${all.length} queries × ${runs} runs, p50 ${fix(median(ms), 2)} ms, p95 ${fix(percentile(ms, 0.95), 2)} ms`,
      );
    }
    const raw = `SELECT time_bucket('10 minutes', time) AS time, sensor_id AS metric, avg(value) AS value
                   FROM readings
                  WHERE server_id = '${serverName(0)}' AND sensor_id IN ('${sensorsChosen.join("','")}')
                    AND time BETWEEN '${new Date(now - 7 * DAY).toISOString()}' AND '${new Date(now).toISOString()}'
                  GROUP BY 1, 2 ORDER BY 1`;
    await time(raw);
    const rawMs: number[] = [];
    for (let i = 0; i < runs; i++) rawMs.push(await time(raw));
    console.log(
      `baseline, the sensor series over 7 days from raw rows: p50 ${fix(median(rawMs), 2)} ms, p95 ${fix(percentile(rawMs, 0.95), 2)} ms; ` +
        `sensor panel (aggregates) p50 ${fix(median(sensorPanel7d), 2)} ms = ${fix(median(sensorPanel7d) / median(rawMs), 2)} × raw`,
    );
  });
}

async function main() {
  console.log(machineLine());
  const servers = Number(args.servers);
  if (phases.has('throughput')) {
    const n = Number(args.events);
    const seam = await connectSeam({
      ...stackEnv(),
      clientId: 'bench-prj',
      logger,
      topicPrefix: testPrefix(),
    });
    try {
      await seam.ensureTopics(['ipmi.readings.v1']);
      const rows = await produce(seam, n, servers);
      const ratios: number[] = [];
      const copies: number[] = [];
      const projected: number[] = [];
      await withDatabase(async (db) => {
        for (let rep = 0; rep < Number(args.reps); rep++) {
          const legs = rep % 2 === 0 ? ['copy', 'projection'] : ['projection', 'copy'];
          const r: Record<string, number> = {};
          for (const leg of legs) {
            r[leg] =
              leg === 'copy' ? await copyLeg(db, rows) : await projectionLeg(seam, db, n, rep);
          }
          copies.push(r.copy ?? NaN);
          projected.push(r.projection ?? NaN);
          ratios.push((r.projection ?? NaN) / (r.copy ?? NaN));
          console.log(`  projection leg: ${lastSplit}`);
          console.log(
            `rep ${rep + 1}: copy ${fmt(r.copy ?? NaN)} rows/s, projection ${fmt(r.projection ?? NaN)} readings/s, ratio ${fix(ratios.at(-1) ?? NaN, 2)}`,
          );
        }
      });
      console.log(
        `throughput (${fmt(n)} readings, ${servers} servers × ${SENSORS} sensors): projection median ${fmt(median(projected))} readings/s, ` +
          `raw COPY median ${fmt(median(copies))} rows/s, ratio median ${fix(median(ratios), 2)} (target ≥ 0.50)`,
      );
    } finally {
      await seam.deleteTopics(['ipmi.readings.v1']).catch(() => undefined);
      await seam.close();
    }
  }
  if (phases.has('rebuild')) {
    const n = Number(args['rebuild-events']);
    const seam = await connectSeam({
      ...stackEnv(),
      clientId: 'bench-prj-rebuild',
      logger,
      topicPrefix: testPrefix(),
    });
    try {
      await seam.ensureTopics(['ipmi.readings.v1']);
      const t0 = performance.now();
      await produce(seam, n, servers);
      console.log(
        `rebuild: ${fmt(n)} readings produced in ${fix((performance.now() - t0) / 1000)} s`,
      );
      await withDatabase(async (db) => {
        const r = await rebuild({
          seam,
          db,
          logger,
          projection: readingsProjection as NonNullable<typeof readingsProjection>,
          apply: { bulk: 'copy' },
          print: (line) => console.log(`  ${line}`),
          progressEveryMs: 5000,
        });
        console.log(
          `rebuild of readings: ${fmt(r.events)} events in ${fix(r.ms / 1000)} s (${fmt((r.events / r.ms) * 1000)} events/s, aggregates refreshed)`,
        );
      });
    } finally {
      await seam.deleteTopics(['ipmi.readings.v1']).catch(() => undefined);
      await seam.close();
    }
  }
  if (phases.has('queries')) await queries(servers);
  for (const line of log.kafkajsSummary()) console.log(`kafkajs: ${line}`);
}

await main();
process.exit(0);
