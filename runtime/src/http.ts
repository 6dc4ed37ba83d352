/**
 * The operations endpoint every service process has on HTTP_PORT: Prometheus `/metrics` and
 * `/health` (200 once the service says it is up, 503 before). Bound before the service starts
 * so a port conflict fails fast.
 */
import { createServer } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export interface OpsEndpoint {
  close(): Promise<void>;
}

/** `port` 0 serves nothing (every service's HTTP_PORT: "0 turns it off"); close is a no-op. */
export async function serveOps(options: {
  readonly port: number;
  readonly host: string;
  readonly metrics: Registry;
  readonly logger: Logger;
  /** Whether the service is up; read on every /health request. */
  readonly healthy: () => boolean;
}): Promise<OpsEndpoint> {
  if (options.port === 0) return { close: () => Promise.resolve() };
  const { metrics } = options;
  const server = createServer((req, res) => {
    if (req.url === '/health') {
      const up = options.healthy();
      res.writeHead(up ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: up ? 'ok' : 'starting' }));
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
    server.listen(options.port, options.host, resolve);
  });
  options.logger.info({ port: options.port, host: options.host }, 'http endpoint listening');
  return { close: () => new Promise<void>((r) => server.close(() => r())) };
}
