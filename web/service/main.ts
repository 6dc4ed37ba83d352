/**
 * The UI as a process (`ipmi-monitor web`): serves the SvelteKit production build (build/,
 * made by `npm run build -w @ipmi-monitor/web`) over HTTP, answers /health for compose, and
 * stops gracefully on SIGINT/SIGTERM (open live streams are closed, not waited for).
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import compression from 'compression';
import {
  Shutdown,
  commonConfig,
  createLogger,
  parseConfig,
  runtimeErrors,
  stopOnSignals,
} from '@ipmi-monitor/runtime';
import { webConfig } from './config.js';

export { webConfig } from './config.js';

type Env = Record<string, string | undefined>;
type Handler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/** build/handler.js from service/ (source) or dist/service/ (compiled). */
export function buildDir(): string {
  for (const up of ['..', '../..']) {
    const dir = fileURLToPath(new URL(`${up}/build/`, import.meta.url));
    if (existsSync(join(dir, 'handler.js'))) return dir;
  }
  throw runtimeErrors.error(
    'RT_CONFIG_INVALID',
    'the UI is not built: run `npm run build -w @ipmi-monitor/web` (npm start does it)',
  );
}

export async function runWebProcess(
  env: Env = process.env,
): Promise<{ stopped: Promise<number>; url: string }> {
  const common = parseConfig(commonConfig, env);
  const own = parseConfig(webConfig, env);
  const logger = createLogger({ name: 'web', level: common.logLevel });
  const shutdown = new Shutdown(logger);
  const dir = buildDir();

  // The SvelteKit server reads these from the environment when its handler is imported.
  env.API_URL = own.apiUrl;
  if (own.origin) env.ORIGIN = own.origin;
  // Without ORIGIN, adapter-node takes the protocol from PROTOCOL_HEADER and assumes https
  // when there is none, so every form post over plain HTTP failed SvelteKit's same-origin
  // check (403). This server speaks plain HTTP: a request that no TLS proxy marked is http.
  else env.PROTOCOL_HEADER ??= 'x-forwarded-proto';
  const protocolHeader = own.origin ? null : (env.PROTOCOL_HEADER ?? '').toLowerCase();
  const { handler } = (await import(pathToFileURL(join(dir, 'handler.js')).href)) as {
    handler: Handler;
  };

  // gzip of server-rendered pages and data (IPMI_WEB_COMPRESSION): the dashboard of 500
  // servers is ~0.7 MiB of HTML, which matters on a VPN or WAN link. Built assets are served precompressed already (they carry
  // Content-Encoding, which compression leaves alone). Live streams must reach the browser event
  // by event, so they are never compressed (gzip would hold them back in its buffer).
  const compress = compression({
    filter: (req, res) =>
      !String(res.getHeader('content-type') ?? '').startsWith('text/event-stream') &&
      compression.filter(req, res),
  }) as unknown as (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

  const skip = (_req: IncomingMessage, _res: ServerResponse, next: () => void) => next();

  const server = createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
      return;
    }
    if (protocolHeader && req.headers[protocolHeader] === undefined) {
      req.headers[protocolHeader] = 'http';
    }
    (own.compression ? compress : skip)(req, res, () =>
      handler(req, res, () => {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
      }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(own.port, own.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : own.port;
  const url = `http://${own.host}:${port}`;
  shutdown.register('http', async () => {
    // Live streams (SSE) never end by themselves: close them instead of waiting.
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  logger.info({ url, api: own.apiUrl }, 'web UI listening');
  return { stopped: stopOnSignals(shutdown, logger), url };
}
