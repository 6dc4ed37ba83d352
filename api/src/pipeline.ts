/**
 * Whether the pipeline itself is healthy (not the servers it watches): is the collector still
 * producing poll outcomes, are the projections keeping up with Kafka, can Kafka be reached,
 * can the BMCs be reached. Pure: the route (routes/pipeline.ts) reads the facts and the clock
 * and passes them in; unit-tested in pipeline.unit.test.ts.
 */

/** The problems this check reports, by code (not HTTP errors: they ride in a 200 answer). */
export const PIPE_COLLECTOR_STALE = 'PIPE_COLLECTOR_STALE';
export const PIPE_PROJECTION_LAG = 'PIPE_PROJECTION_LAG';
export const PIPE_KAFKA_UNREACHABLE = 'PIPE_KAFKA_UNREACHABLE';
export const PIPE_BMCS_UNREACHABLE = 'PIPE_BMCS_UNREACHABLE';

export type PipelineProblemCode =
  | typeof PIPE_COLLECTOR_STALE
  | typeof PIPE_PROJECTION_LAG
  | typeof PIPE_KAFKA_UNREACHABLE
  | typeof PIPE_BMCS_UNREACHABLE;

/** The collector is stale after max(STALE_FACTOR × smallest sensors interval, STALE_MIN). */
export const STALE_FACTOR = 3;
export const STALE_MIN_SECONDS = 120;
/** Unreachable servers listed by name; the count covers the rest. */
export const MAX_LISTED_SERVERS = 10;

/** One enabled server (disabled ones are not polled, so they count for nothing here). */
export interface PipelineServer {
  serverId: string;
  name: string;
  /** Its own sensors interval; null: the collector's default. 0 or less: sensors not polled. */
  sensorsIntervalMs: number | null;
  /** When its configuration was last written (ISO-8601). */
  configuredAt: string;
  /** server_overview's health: OK, WARNING, CRITICAL, UNREACHABLE or UNKNOWN. */
  health: string;
  /** Why the BMC is unreachable (TIMEOUT, AUTH_FAILED, ...); null when reachable. */
  reachabilityReason: string | null;
}

/** One partition of a topic the projections read. */
export interface PipelinePartition {
  topic: string;
  partition: number;
  /** Kafka's low and high watermarks (first offset, next offset to be written). */
  low: string;
  high: string;
  /** The projection's stored NEXT offset to read (projection_offsets); null: none yet. */
  next: string | null;
}

export interface PipelineInput {
  servers: readonly PipelineServer[];
  /** Time of the newest poll outcome (ISO-8601); null: none at all. */
  lastPollAt: string | null;
  /** Every topic the projections read, in order (listed even when it has no partitions). */
  topics: readonly string[];
  /** The partitions with their offsets; null: Kafka did not answer in time. */
  partitions: readonly PipelinePartition[] | null;
}

export interface PipelineLimits {
  /** Total lag (events) above which the projections count as lagging. */
  lagWarn: number;
  /** The collector's default sensors interval, for servers that set none. */
  defaultSensorsIntervalMs: number;
}

export type ProblemSeverity = 'warning' | 'critical';

export interface PipelineProblem {
  code: PipelineProblemCode;
  severity: ProblemSeverity;
  message: string;
}

export interface PipelineHealth {
  status: 'ok' | 'degraded' | 'down';
  checkedAt: string;
  collector: {
    lastPollAt: string | null;
    ageSeconds: number | null;
    staleAfterSeconds: number;
    stale: boolean;
  };
  projections: {
    lag: number;
    topics: { topic: string; lag: number }[];
    lagging: boolean;
    kafkaReachable: boolean;
  };
  bmcs: {
    total: number;
    unreachable: number;
    servers: { serverId: string; name: string; reason: string | null }[];
  };
  problems: PipelineProblem[];
}

/** Seconds as an operator reads them: `45 s`, `6 min`, `3 h`, `2 days`. */
export function humanDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 120) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 120) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h`;
  return `${Math.floor(h / 24)} days`;
}

/**
 * Events a projection still has to read in one partition: the high watermark minus where it
 * resumes. The stored offset is the next one to read (runtime/src/kafka/sink.ts), so a fully
 * read partition has lag 0; none stored means from the log's start; an offset below the low
 * watermark resumes there (retention removed the rest). Never negative: a stored offset above
 * the high watermark (a topic recreated, a rebuilt broker) counts as caught up.
 */
export function partitionLag(p: Pick<PipelinePartition, 'low' | 'high' | 'next'>): number {
  const low = BigInt(p.low);
  const high = BigInt(p.high);
  const next = p.next === null ? low : BigInt(p.next);
  const from = next > low ? next : low;
  const lag = high - from;
  return lag > 0n ? Number(lag) : 0;
}

/** The threshold, in seconds, past which no poll outcome means the collector is stale. */
export function staleAfterSeconds(
  servers: readonly PipelineServer[],
  defaultSensorsIntervalMs: number,
): number {
  const intervals = servers
    .map((s) => s.sensorsIntervalMs ?? defaultSensorsIntervalMs)
    .filter((ms) => ms > 0);
  // No server polls sensors (or none is enabled): the default interval is the reference.
  const smallest = intervals.length > 0 ? Math.min(...intervals) : defaultSensorsIntervalMs;
  return Math.max(Math.ceil((STALE_FACTOR * smallest) / 1000), STALE_MIN_SECONDS);
}

export function pipelineHealth(
  input: PipelineInput,
  nowMs: number,
  limits: PipelineLimits,
): PipelineHealth {
  const problems: PipelineProblem[] = [];
  const servers = input.servers;

  // Collector: a poll outcome within the threshold, once servers are configured.
  const staleAfter = staleAfterSeconds(servers, limits.defaultSensorsIntervalMs);
  const lastPollMs = input.lastPollAt === null ? null : Date.parse(input.lastPollAt);
  const ageSeconds =
    lastPollMs === null ? null : Math.max(0, Math.floor((nowMs - lastPollMs) / 1000));
  let stale = false;
  if (servers.length > 0) {
    if (ageSeconds !== null) {
      stale = ageSeconds > staleAfter;
      if (stale) {
        problems.push({
          code: PIPE_COLLECTOR_STALE,
          severity: 'critical',
          message: `No poll result for ${humanDuration(ageSeconds)}: the collector may be down`,
        });
      }
    } else {
      const since = Math.min(...servers.map((s) => Date.parse(s.configuredAt)));
      const configuredFor = Math.max(0, Math.floor((nowMs - since) / 1000));
      stale = configuredFor > staleAfter;
      if (stale) {
        problems.push({
          code: PIPE_COLLECTOR_STALE,
          severity: 'critical',
          message: `No poll result at all, though servers were configured ${humanDuration(configuredFor)} ago: the collector may not be running`,
        });
      }
    }
  }

  // Projections: lag per topic, when Kafka answered.
  const kafkaReachable = input.partitions !== null;
  const byTopic = new Map<string, number>(input.topics.map((t) => [t, 0]));
  for (const p of input.partitions ?? []) {
    byTopic.set(p.topic, (byTopic.get(p.topic) ?? 0) + partitionLag(p));
  }
  const topics = [...byTopic].map(([topic, lag]) => ({ topic, lag }));
  const lag = topics.reduce((a, t) => a + t.lag, 0);
  const lagging = kafkaReachable && lag > limits.lagWarn;
  if (!kafkaReachable) {
    problems.push({
      code: PIPE_KAFKA_UNREACHABLE,
      severity: 'critical',
      message:
        'Kafka did not answer in time: no events flow between collector, processors and database, and the projection lag is unknown',
    });
  } else if (lagging) {
    const worst = topics.reduce((a, b) => (b.lag > a.lag ? b : a));
    problems.push({
      code: PIPE_PROJECTION_LAG,
      severity: 'warning',
      message: `The database is ${lag} events behind Kafka (most on ${worst.topic}): dashboards show older data until the projections catch up`,
    });
  }

  // BMCs: unreachable ones among the enabled servers.
  const unreachable = servers.filter((s) => s.health === 'UNREACHABLE');
  if (unreachable.length > 0) {
    const all = unreachable.length === servers.length;
    const shown = unreachable.slice(0, 3).map((s) => s.name);
    const more = unreachable.length - shown.length;
    const list = `${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
    problems.push({
      code: PIPE_BMCS_UNREACHABLE,
      severity: all ? 'critical' : 'warning',
      message: !all
        ? `${unreachable.length} of ${servers.length} BMCs unreachable: ${list}`
        : servers.length === 1
          ? `The only BMC (${list}) is unreachable: check its address, credentials and the network path to it`
          : `All ${servers.length} BMCs are unreachable: check the collector's network path to the BMCs`,
    });
  }

  const status = problems.some((p) => p.severity === 'critical')
    ? 'down'
    : problems.length > 0
      ? 'degraded'
      : 'ok';
  return {
    status,
    checkedAt: new Date(nowMs).toISOString(),
    collector: {
      lastPollAt: lastPollMs === null ? null : new Date(lastPollMs).toISOString(),
      ageSeconds,
      staleAfterSeconds: staleAfter,
      stale,
    },
    projections: { lag, topics, lagging, kafkaReachable },
    bmcs: {
      total: servers.length,
      unreachable: unreachable.length,
      servers: unreachable.slice(0, MAX_LISTED_SERVERS).map((s) => ({
        serverId: s.serverId,
        name: s.name,
        reason: s.reachabilityReason,
      })),
    },
    problems,
  };
}
