/**
 * Runs projections on the seam's sink: every batch's rows and its partition's next offset
 * in one database transaction (exactly once into the database; see runtime sink.ts), poison
 * to the DLQ. One consumer group reads every projection's topics; offsets are stored per
 * projection in `projection_offsets`, so a rebuild of one projection restarts only its own.
 *
 * `rebuild` empties one projection's tables and offsets and replays its topics from the
 * start of the log to their end as of the call, printing progress and an ETA.
 */
import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '@ipmi-monitor/db';
import { sinkKey, type Logger, type Seam, type SinkBatch } from '@ipmi-monitor/runtime';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { projectionErrors } from './errors.js';
import { projectionFor, type ApplyOptions, type Projection } from './projections.js';

class ProjectionMetrics {
  readonly events: Counter<'projection'>;
  readonly batchSeconds: Histogram<'projection'>;
  readonly latency: Gauge<'projection'>;

  constructor(registry: Registry | undefined) {
    const registers = registry ? [registry] : [];
    this.events = new Counter({
      name: 'ipmi_projection_events_total',
      help: 'Events written into the database, by projection.',
      labelNames: ['projection'],
      registers,
    });
    this.batchSeconds = new Histogram({
      name: 'ipmi_projection_batch_seconds',
      help: 'Time to write one batch (rows and offset, one transaction), by projection.',
      labelNames: ['projection'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.latency = new Gauge({
      name: 'ipmi_projection_latency_seconds',
      help: 'Age of the newest event of the last written batch when it was committed (Kafka append time to database commit), by projection.',
      labelNames: ['projection'],
      registers,
    });
  }
}

/** The batch's rows and its next offset, in one transaction. */
export async function writeBatch(
  db: Database,
  projection: Projection,
  batch: SinkBatch,
  opts: ApplyOptions,
): Promise<void> {
  await db.transaction(async (tx) => {
    if (batch.events.length > 0) await projection.apply(tx, batch.events, opts);
    await saveOffset(tx, projection.name, batch.topic, batch.partition, batch.nextOffset);
  });
}

export async function saveOffset(
  tx: Queryable,
  consumer: string,
  topic: string,
  partition: number,
  next: string,
): Promise<void> {
  await tx.query(
    `INSERT INTO projection_offsets (consumer, topic, partition, next_offset, updated_at)
     VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (consumer, topic, partition)
     DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = EXCLUDED.updated_at`,
    [consumer, topic, partition, next],
  );
}

/** Stored next offsets of `topics`, keyed `topic:partition`. */
export async function loadOffsets(
  db: Queryable,
  projections: readonly Projection[],
): Promise<Map<string, string>> {
  const { rows } = await db.query<{
    consumer: string;
    topic: string;
    partition: number;
    next_offset: number;
  }>(`SELECT consumer, topic, partition, next_offset::text AS next_offset FROM projection_offsets`);
  const out = new Map<string, string>();
  for (const r of rows) {
    const owner = projectionFor(r.topic);
    if (owner && owner.name === r.consumer && projections.includes(owner)) {
      out.set(sinkKey(r.topic, r.partition), String(r.next_offset));
    }
  }
  return out;
}

export interface ProjectionsOptions {
  seam: Seam;
  db: Database;
  logger: Logger;
  projections: readonly Projection[];
  groupId: string;
  apply: ApplyOptions;
  metrics?: Registry | undefined;
  sessionTimeoutMs?: number;
}

export interface ProjectionsHandle {
  readonly ready: Promise<void>;
  readonly failed: Promise<never>;
  stop(): Promise<void>;
}

function metricsFor(registry: Registry | undefined): ProjectionMetrics {
  // One set per registry: a rebuild and the service may share one in tests.
  const existing = registry?.getSingleMetric('ipmi_projection_events_total');
  if (existing && registry) {
    return {
      events: existing as Counter<'projection'>,
      batchSeconds: registry.getSingleMetric(
        'ipmi_projection_batch_seconds',
      ) as Histogram<'projection'>,
      latency: registry.getSingleMetric('ipmi_projection_latency_seconds') as Gauge<'projection'>,
    };
  }
  return new ProjectionMetrics(registry);
}

/** A sink writing `opts.projections`, in consumer group `groupId`. */
function sinkFor(
  opts: Omit<ProjectionsOptions, 'groupId'>,
  groupId: string,
  onWritten?: (batch: SinkBatch) => void,
) {
  const metrics = metricsFor(opts.metrics);
  const byTopic = new Map<string, Projection>();
  for (const p of opts.projections) for (const t of p.topics) byTopic.set(t, p);
  return opts.seam.sink({
    groupId,
    topics: [...byTopic.keys()],
    sessionTimeoutMs: opts.sessionTimeoutMs,
    // Larger batches: each costs one transaction and one upsert of the current sensors, so
    // fewer, bigger ones write more readings per second (16 MiB ≈ 60,000 readings).
    maxBytesPerPartition: 16 * 1024 * 1024,
    loadOffsets: () => loadOffsets(opts.db, opts.projections),
    write: async (batch) => {
      const projection = byTopic.get(batch.topic);
      if (!projection) {
        throw projectionErrors.error('PRJ_NO_PROJECTION', `no projection reads ${batch.topic}`);
      }
      const end = metrics.batchSeconds.startTimer({ projection: projection.name });
      await writeBatch(opts.db, projection, batch, opts.apply);
      end();
      metrics.events.inc({ projection: projection.name }, batch.events.length);
      const newest = batch.events.at(-1);
      if (newest) {
        metrics.latency.set(
          { projection: projection.name },
          Math.max(0, (Date.now() - Number(newest.timestamp)) / 1000),
        );
      }
    },
    onWritten: (batch) => onWritten?.(batch),
  });
}

/** The projections service: consumes until stopped. */
export async function startProjections(opts: ProjectionsOptions): Promise<ProjectionsHandle> {
  const sink = await sinkFor(opts, opts.groupId);
  return { ready: sink.ready, failed: sink.failed, stop: () => sink.stop() };
}

export interface RebuildOptions extends Omit<ProjectionsOptions, 'projections' | 'groupId'> {
  projection: Projection;
  /** Where progress lines go (default: the logger). */
  print?: (line: string) => void;
  /** How often to print progress (default 1 s). */
  progressEveryMs?: number;
}

export interface RebuildResult {
  projection: string;
  events: number;
  ms: number;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * Empties the projection's tables and offsets, then replays its topics from their first
 * offset to their end as of now. The projections service must not be running meanwhile
 * (the embedded database's lock enforces that; against a server, stop it first).
 */
export async function rebuild(opts: RebuildOptions): Promise<RebuildResult> {
  const { projection, db, seam } = opts;
  const print = opts.print ?? ((line: string) => opts.logger.info(line));
  const started = performance.now();
  await db.transaction(async (tx) => {
    await tx.exec(`TRUNCATE ${projection.tables.join(', ')}`);
    await tx.query(`DELETE FROM projection_offsets WHERE consumer = $1`, [projection.name]);
  });
  // Targets: each partition's end now. Events appended later are the service's business.
  const targets = new Map<string, { low: bigint; high: bigint }>();
  for (const topic of projection.topics) {
    for (const o of await seam.offsets(topic)) {
      targets.set(sinkKey(topic, o.partition), { low: BigInt(o.low), high: BigInt(o.high) });
    }
  }
  const total = [...targets.values()].reduce((n, t) => n + Number(t.high - t.low), 0);
  let events = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((r) => (finish = r));
  let sink: Awaited<ReturnType<typeof sinkFor>> | undefined;
  const progress = (): { read: number; complete: boolean } => {
    let read = 0;
    let complete = true;
    const positions = sink?.positions() ?? new Map<string, bigint>();
    for (const [key, t] of targets) {
      const at = positions.get(key) ?? t.low;
      const clamped = at > t.high ? t.high : at < t.low ? t.low : at;
      read += Number(clamped - t.low);
      if (clamped < t.high) complete = false;
    }
    return { read, complete };
  };
  const check = () => {
    if (progress().complete) finish();
  };
  print(`rebuild ${projection.name}: ${fmt(total)} messages in ${projection.topics.join(', ')}`);
  const timer = setInterval(() => {
    const { read } = progress();
    const s = (performance.now() - started) / 1000;
    const rate = read / Math.max(s, 0.001);
    const eta = rate > 0 ? (total - read) / rate : NaN;
    print(
      `rebuild ${projection.name}: ${fmt(read)} / ${fmt(total)} (${total ? ((100 * read) / total).toFixed(1) : '100.0'}%), ` +
        `${fmt(rate)} msg/s, ETA ${Number.isFinite(eta) ? `${Math.ceil(eta)} s` : '-'}`,
    );
    check();
  }, opts.progressEveryMs ?? 1000);
  try {
    sink = await sinkFor(
      { ...opts, projections: [projection] },
      `projections-rebuild-${projection.name}-${randomUUID()}`,
      (batch) => {
        events += batch.events.length;
        check();
      },
    );
    await sink.ready;
    check();
    await Promise.race([done, sink.failed]);
  } finally {
    clearInterval(timer);
    await sink?.stop();
  }
  // Refill the aggregates over what the log restored (and only that: a refresh over a range
  // without raw rows would erase buckets kept past the raw retention).
  const replayMs = performance.now() - started;
  if (projection.aggregates.length > 0) {
    const { rows } = await db.query<{ from: Date | null }>(
      `SELECT min(time) AS from FROM readings`,
    );
    const from = rows[0]?.from;
    for (const view of from ? projection.aggregates : []) {
      await db.exec(
        `CALL refresh_continuous_aggregate('${view}', '${from?.toISOString()}'::timestamptz, NULL)`,
      );
    }
  }
  const ms = performance.now() - started;
  const refresh =
    projection.aggregates.length > 0
      ? `; replay ${(replayMs / 1000).toFixed(1)} s, aggregate refresh ${((ms - replayMs) / 1000).toFixed(1)} s`
      : '';
  print(
    `rebuild ${projection.name}: done, ${fmt(events)} events in ${(ms / 1000).toFixed(1)} s (${fmt((events / ms) * 1000)} ev/s${refresh})`,
  );
  return { projection: projection.name, events, ms };
}
