/**
 * Whether the pipeline itself is healthy, for the dashboard's banner: the newest poll outcome
 * (is the collector producing?), the projections' lag behind Kafka (is the database keeping
 * up?), and the BMCs' reachability. Reads the facts, then leaves the verdict to the pure
 * `pipelineHealth` (pipeline.ts). Kafka is given KAFKA_OFFSETS_DEADLINE_MS: when it does not
 * answer, the answer is still 200, with PIPE_KAFKA_UNREACHABLE.
 */
import { DEFAULT_SCHEDULER_CONFIG } from '@ipmi-monitor/collector';
import { projections } from '@ipmi-monitor/projections';
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { withDeadline } from '../kafka.js';
import { pipelineHealth, type PipelinePartition, type PipelineServer } from '../pipeline.js';

export const KAFKA_OFFSETS_DEADLINE_MS = 2_000;

/** Every topic a projection reads, in the projections' order. */
export const PROJECTION_TOPICS: readonly string[] = [
  ...new Set(projections.flatMap((p) => p.topics as readonly string[])),
];

export const PIPELINE_SQL = {
  // Enabled servers only: disabled ones are not polled.
  servers: `
    SELECT o.server_id, o.name, o.health, o.reachability_reason,
           s.sensors_interval_ms, s.configured_at
      FROM server_overview o JOIN servers s ON s.server_id = o.server_id
     WHERE o.enabled
     ORDER BY o.server_id`,
  // The hypertable's time index answers this from the newest chunk.
  lastPoll: `SELECT time FROM poll_outcomes ORDER BY time DESC LIMIT 1`,
  // next_offset is the NEXT offset to read (runtime/src/kafka/sink.ts).
  offsets: `
    SELECT topic, partition, next_offset::text AS next_offset
      FROM projection_offsets WHERE topic = ANY($1::text[])`,
};

const problemSchema = {
  type: 'object',
  properties: {
    code: {
      type: 'string',
      enum: [
        'PIPE_COLLECTOR_STALE',
        'PIPE_PROJECTION_LAG',
        'PIPE_KAFKA_UNREACHABLE',
        'PIPE_BMCS_UNREACHABLE',
      ],
    },
    severity: { type: 'string', enum: ['warning', 'critical'] },
    message: { type: 'string', description: 'For operators, in plain English.' },
  },
} as const;

const pipelineSchema = {
  type: 'object',
  properties: {
    status: {
      type: 'string',
      enum: ['ok', 'degraded', 'down'],
      description: '`down`: a critical problem; `degraded`: a warning; `ok`: none.',
    },
    checkedAt: { type: 'string' },
    collector: {
      type: 'object',
      properties: {
        lastPollAt: { type: ['string', 'null'], description: 'The newest poll outcome.' },
        ageSeconds: { type: ['integer', 'null'] },
        staleAfterSeconds: {
          type: 'integer',
          description: 'max(3 × the smallest sensors interval of the enabled servers, 120 s).',
        },
        stale: { type: 'boolean' },
      },
    },
    projections: {
      type: 'object',
      properties: {
        lag: {
          type: 'integer',
          description: 'Events in Kafka not yet in the database; 0 when Kafka is unreachable.',
        },
        topics: {
          type: 'array',
          items: {
            type: 'object',
            properties: { topic: { type: 'string' }, lag: { type: 'integer' } },
          },
        },
        lagging: { type: 'boolean' },
        kafkaReachable: { type: 'boolean' },
      },
    },
    bmcs: {
      type: 'object',
      properties: {
        total: { type: 'integer', description: 'Enabled servers.' },
        unreachable: { type: 'integer' },
        servers: {
          type: 'array',
          description: 'The unreachable ones, at most 10.',
          items: {
            type: 'object',
            properties: {
              serverId: { type: 'string' },
              name: { type: 'string' },
              reason: { type: ['string', 'null'] },
            },
          },
        },
      },
    },
    problems: { type: 'array', items: problemSchema },
  },
} as const;

type Offsets = { topic: string; partition: number; low: string; high: string }[];

export function pipelineRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const now = () => (deps.clock ?? Date.now)();
  // One read of Kafka's offsets at a time: while the broker is away each read outlives its
  // deadline (the admin client retries), and dashboards polling must not pile them up.
  let inflight: Promise<Offsets> | null = null;
  const kafkaOffsets = (): Promise<Offsets> => {
    inflight ??= Promise.all(
      PROJECTION_TOPICS.map(async (topic) =>
        (await deps.seam.offsets(topic)).map((o) => ({ topic, ...o })),
      ),
    )
      .then((all) => all.flat())
      .finally(() => {
        inflight = null;
      });
    return withDeadline(inflight, KAFKA_OFFSETS_DEADLINE_MS, 'reading the Kafka offsets');
  };

  app.get(
    '/pipeline',
    {
      config: { access: 'read' },
      schema: {
        tags: ['fleet'],
        summary:
          'Whether the pipeline itself is healthy: the collector producing poll results, the projections keeping up with Kafka, the BMCs reachable; with problems for a banner.',
        response: { 200: pipelineSchema },
      },
    },
    async () => {
      const offsets = kafkaOffsets().catch((err: unknown) => {
        deps.logger.warn({ err }, 'pipeline check: Kafka offsets not read');
        return null;
      });
      const servers = await deps.db.query<{
        server_id: string;
        name: string;
        health: string;
        reachability_reason: string | null;
        sensors_interval_ms: number | null;
        configured_at: Date;
      }>(PIPELINE_SQL.servers);
      const lastPoll = await deps.db.query<{ time: Date }>(PIPELINE_SQL.lastPoll);
      const stored = await deps.db.query<{ topic: string; partition: number; next_offset: string }>(
        PIPELINE_SQL.offsets,
        [PROJECTION_TOPICS],
      );
      const next = new Map(stored.rows.map((r) => [`${r.topic}:${r.partition}`, r.next_offset]));
      const ends = await offsets;
      const partitions: PipelinePartition[] | null =
        ends?.map((e) => ({ ...e, next: next.get(`${e.topic}:${e.partition}`) ?? null })) ?? null;
      const enabled: PipelineServer[] = servers.rows.map((r) => ({
        serverId: r.server_id,
        name: r.name,
        health: r.health,
        reachabilityReason: r.reachability_reason,
        sensorsIntervalMs: r.sensors_interval_ms === null ? null : Number(r.sensors_interval_ms),
        configuredAt: r.configured_at.toISOString(),
      }));
      return pipelineHealth(
        {
          servers: enabled,
          lastPollAt: lastPoll.rows[0]?.time.toISOString() ?? null,
          topics: PROJECTION_TOPICS,
          partitions,
        },
        now(),
        {
          lagWarn: deps.settings.pipelineLagWarn,
          defaultSensorsIntervalMs: DEFAULT_SCHEDULER_CONFIG.defaultIntervalsMs.SENSORS,
        },
      );
    },
  );
}
