/**
 * The stream processor as a process: environment → configuration → startStreams, with
 * `/metrics` and `/health`, and a graceful stop on SIGINT/SIGTERM. `ipmi-monitor streams`
 * runs it. A fenced or failed processor exits non-zero so its supervisor restarts it; its
 * uncommitted work is redone by whoever owns the partitions next.
 */
import { hostname } from 'node:os';
import {
  Shutdown,
  commonConfig,
  connectSeam,
  createLogger,
  createMetricsRegistry,
  parseConfig,
  serveOps,
  stopOnSignals,
  runtimeErrors,
} from '@ipmi-monitor/runtime';
import { streamsConfig } from './config.js';
import { DEFAULT_ALERT_CONFIG, type AlertConfig } from '../alerts/model.js';
import { DEFAULT_INSIGHT_CONFIG, type InsightConfig } from '../insights/model.js';

/** A JSON tuning variable: an object whose keys are known settings with numeric values. */
function tuning<T extends object>(name: string, text: string | null, defaults: T): Partial<T> {
  if (text === null) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw runtimeErrors.error('RT_CONFIG_INVALID', `${name} is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw runtimeErrors.error('RT_CONFIG_INVALID', `${name} must be a JSON object`);
  }
  for (const [k, v] of Object.entries(parsed)) {
    if (!(k in defaults)) {
      throw runtimeErrors.error(
        'RT_CONFIG_INVALID',
        `${name}: unknown setting "${k}" (known: ${Object.keys(defaults).join(', ')})`,
      );
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw runtimeErrors.error('RT_CONFIG_INVALID', `${name}: ${k} must be a number ≥ 0`);
    }
  }
  return parsed;
}
import { startStreams } from './streams.js';

export async function runStreamsProcess(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<{ stopped: Promise<number> }> {
  const common = parseConfig(commonConfig, env);
  const own = parseConfig(streamsConfig, env);
  const logger = createLogger({ name: 'streams', level: common.logLevel });
  const metrics = createMetricsRegistry({ service: 'streams' });
  const shutdown = new Shutdown(logger);
  const instanceId = own.instanceId ?? `${hostname()}-${process.pid}`;
  const alerts = tuning<AlertConfig>('IPMI_ALERT_TUNING', own.alertTuning, DEFAULT_ALERT_CONFIG);
  const insights = tuning<InsightConfig>(
    'IPMI_INSIGHT_TUNING',
    own.insightTuning,
    DEFAULT_INSIGHT_CONFIG,
  );

  const seam = await connectSeam({
    brokers: common.kafkaBrokers,
    registryUrl: common.registryUrl,
    clientId: `streams-${instanceId}`,
    logger,
    metrics,
    topicPrefix: common.topicPrefix,
  });
  shutdown.register('kafka', () => seam.close());

  let running = false;
  const ops = await serveOps({
    port: own.httpPort,
    host: own.httpHost,
    metrics,
    logger,
    healthy: () => running,
  });
  shutdown.register('http', () => ops.close());

  const processor = await startStreams({
    seam,
    logger,
    metrics,
    source: `streams@${instanceId}`,
    groupId: own.groupId,
    sessionTimeoutMs: own.sessionTimeoutMs,
    alerts,
    insights,
  });
  shutdown.register('streams', () => processor.stop());
  void processor.ready.then(() => {
    running = true;
    logger.info({ partitions: processor.assigned() }, 'stream processor ready');
  });

  return { stopped: stopOnSignals(shutdown, logger, processor.failed) };
}
