/**
 * The readings projection (Kafka → TimescaleDB, exactly once) on the embedded database:
 *
 * 1. Throughput: --events readings (--servers × 30 sensors, 30 s polls) are produced once
 *    into a fresh topic prefix. Per rep (--reps), in one fresh database:
 *      copy        the same rows, already built, COPYed straight into `readings` (the
 *                  ceiling: no Kafka, no decoding, no dedupe), then the table is emptied;
 *      projection  the projections sink reads the topic from its start (fresh consumer group,
 *                  offsets table emptied) and writes it as the service does (staging COPY,
 *                  INSERT ... ON CONFLICT, current-sensor upserts, offsets in the same
 *                  transaction); timed from its start to the last offset stored.
 *    The figure is the median ratio projection / copy (legs alternate in order per rep).
 * 2. Rebuild: --rebuild-events readings (default 1,000,000) in the topic, then `rebuild`
 *    of the readings projection (truncate, replay, aggregate refresh) timed end to end.
 *
 *   npm run bench:projections                               # stack running
 *   npm run bench:projections -- --events 200000 --reps 3 --rebuild-events 1000000
 *   npm run bench:projections -- --phases rebuild --rebuild-events 300000
 *
 * Prints figures; asserts nothing. Deletes its topics and database on the way out.
 */
import { parseArgs } from 'node:util';
import { migrate, openDatabase, type Database } from '@ipmi-monitor/db';
import { connectSeam, type Seam } from '@ipmi-monitor/runtime';
import { stackEnv, testPrefix } from '@ipmi-monitor/runtime/testing';
import { projectionNamed, rebuild, startProjections } from '@ipmi-monitor/projections';

import { readings } from '../projections/src/testing/feed.js';

import { tempDir } from '../db/src/testing/temp-db.js';
import { benchLogger } from './lib/log.js';
import { fix, fmt, median } from './lib/stats.js';
import { machineLine } from './lib/system.js';

process.removeAllListeners('warning');

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    servers: { type: 'string', default: '100' },
    reps: { type: 'string', default: '3' },
    'rebuild-events': { type: 'string', default: '1000000' },
    phases: { type: 'string', default: 'throughput,rebuild' },
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

async function projectionLeg(seam: Seam, db: Database, n: number, rep: number): Promise<number> {
  const ends = await seam.offsets('ipmi.readings.v1');
  const target = ends.reduce((s, e) => s + Number(e.high), 0);
  const t = performance.now();
  const handle = await startProjections({
    seam,
    db,
    logger,
    projections: [readingsProjection as NonNullable<typeof readingsProjection>],
    groupId: `bench-projection-${rep}`,
    apply: { bulk: 'copy' },
  });
  for (;;) {
    const { rows } = await db.query<{ s: number | null }>(
      `SELECT sum(next_offset)::float8 AS s FROM projection_offsets`,
    );
    if ((rows[0]?.s ?? 0) >= target) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const s = (performance.now() - t) / 1000;
  await handle.stop();
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM readings`);
  if (rows[0]?.n !== n) throw new Error(`projection wrote ${rows[0]?.n} rows, expected ${n}`);
  await emptyReadings(db);
  return n / s;
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
  for (const line of log.kafkajsSummary()) console.log(`kafkajs: ${line}`);
}

await main();
process.exit(0);
