/**
 * The stream processor as a process: environment → configuration → startStreams, with
 * `/metrics` and `/health`, and a graceful stop on SIGINT/SIGTERM. `ipmi-monitor streams`
 * runs it. A fenced or failed processor exits non-zero so its supervisor restarts it; its
 * uncommitted work is redone by whoever owns the partitions next.
 */
import { createServer } from 'node:http';
import { hostname } from 'node:os';
import {
  Shutdown,
  commonConfig,
  connectSeam,
  createLogger,
  createMetricsRegistry,
  parseConfig,
} from '@ipmi-monitor/runtime';
import { streamsConfig } from './config.js';
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
  if (own.httpPort > 0) {
    const server = createServer((req, res) => {
      if (req.url === '/health') {
        res.writeHead(running ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: running ? 'ok' : 'starting' }));
        return;
      }
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      metrics.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(own.httpPort, own.httpHost, resolve);
    });
    shutdown.register('http', () => new Promise<void>((r) => server.close(() => r())));
    logger.info({ port: own.httpPort, host: own.httpHost }, 'http endpoint listening');
  }

  const processor = await startStreams({
    seam,
    logger,
    metrics,
    source: `streams@${instanceId}`,
    groupId: own.groupId,
    sessionTimeoutMs: own.sessionTimeoutMs,
  });
  shutdown.register('streams', () => processor.stop());
  void processor.ready.then(() => {
    running = true;
    logger.info({ partitions: processor.assigned() }, 'stream processor ready');
  });

  let resolveStopped: (code: number) => void = () => undefined;
  const stopped = new Promise<number>((r) => (resolveStopped = r));
  const stop = (signal: string, code: number) => {
    void shutdown.run(signal).finally(() => resolveStopped(code));
  };
  processor.failed.catch((err: unknown) => {
    logger.error({ err }, 'stream processor failed; stopping');
    stop('failure', 1);
  });
  process.once('SIGINT', () => stop('SIGINT', 0));
  process.once('SIGTERM', () => stop('SIGTERM', 0));
  return { stopped };
}
