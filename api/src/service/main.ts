/**
 * The API as a process (`ipmi-monitor api`): environment → configuration → the database
 * (with the projections in this process when the database is the embedded one, which only
 * one process may open) → Kafka, the credential store, the first admin → the HTTP server.
 * Stops gracefully on SIGINT/SIGTERM.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hostname } from 'node:os';
import {
  CredentialStore,
  credentialsConfig,
  credentialsFilePath,
  loadSecretKeys,
} from '@ipmi-monitor/collector';
import { dbConfig } from '@ipmi-monitor/db';
import { startDatabaseHost } from '@ipmi-monitor/projections';
import {
  Shutdown,
  commonConfig,
  connectSeam,
  createLogger,
  createMetricsRegistry,
  parseConfig,
  runtimeErrors,
  stopOnSignals,
} from '@ipmi-monitor/runtime';
import { buildApp } from '../app.js';
import { AuthStore, ensureFirstAdmin } from '../auth/store.js';
import { apiConfig } from '../config.js';
import type { ApiDeps } from '../deps.js';
import { LIVE_TOPICS, LiveFeed } from '../live.js';
import { collectorProbe } from './probe.js';

type Env = Readonly<Record<string, string | undefined>>;

async function readMetricsToken(file: string | null): Promise<string | null> {
  if (file === null) return null;
  const token = (await readFile(file, 'utf8')).trim();
  if (token.length < 32) {
    throw runtimeErrors.error(
      'RT_CONFIG_INVALID',
      `IPMI_API_METRICS_TOKEN_FILE: ${file} must hold at least 32 characters (openssl rand -base64 32)`,
    );
  }
  return token;
}

export async function runApiProcess(
  env: Env = process.env,
): Promise<{ stopped: Promise<number>; url: string }> {
  const common = parseConfig(commonConfig, env);
  const own = parseConfig(apiConfig, env);
  const creds = parseConfig(credentialsConfig, env);
  const dbc = parseConfig(dbConfig, env);
  const logger = createLogger({ name: 'api', level: common.logLevel });
  const metrics = createMetricsRegistry({ service: 'api' });
  const shutdown = new Shutdown(logger);

  if (!['auto', 'on', 'off'].includes(own.withProjections)) {
    throw runtimeErrors.error(
      'RT_CONFIG_INVALID',
      'IPMI_API_WITH_PROJECTIONS must be auto, on or off',
    );
  }
  const withProjections =
    own.withProjections === 'on' || (own.withProjections === 'auto' && dbc.databaseUrl === null);

  const seam = await connectSeam({
    brokers: common.kafkaBrokers,
    registryUrl: common.registryUrl,
    clientId: 'api',
    logger,
    metrics,
    topicPrefix: common.topicPrefix,
  });
  shutdown.register('kafka', () => seam.close());
  // The live feed subscribes to these (the projections' sink creates its own); the servers
  // and silences topics are read before the first write. A fresh broker has none yet.
  await seam.ensureTopics([...LIVE_TOPICS, 'ipmi.silences.v1']);

  const host = await startDatabaseHost({ env, logger, metrics, shutdown, seam, withProjections });
  const keys = await loadSecretKeys(creds, logger);
  const credentials = await CredentialStore.open({
    file: credentialsFilePath(creds),
    key: keys.key,
    previousKeys: keys.previous,
    logger,
  });

  const auth = new AuthStore(host.db);
  const adminFile = own.adminCredentialsFile ?? join(creds.stateDir, 'api', 'admin-credentials');
  const written = await ensureFirstAdmin(auth, adminFile);
  if (written) {
    logger.warn(
      { file: written },
      'first start: an admin user was created; its password is in this file (mode 0600). Log in, create your own users and tokens, then delete it',
    );
  }

  const live = new LiveFeed();
  await live.start(seam, logger);
  shutdown.register('live', () => live.stop());

  const sdrCacheDir = join(creds.stateDir, 'api', 'sdr-cache');
  const deps: ApiDeps = {
    db: host.db,
    seam,
    credentials,
    auth,
    live,
    logger,
    metrics,
    settings: {
      metricsAuth: own.metricsAuth,
      trustProxy: own.trustProxy,
      metricsToken: await readMetricsToken(own.metricsTokenFile),
      rateLimit: own.rateLimit,
      loginRateLimit: own.loginRateLimit,
      sessionHours: own.sessionHours,
      serversLimit: own.serversLimit,
      staleSensorMinutes: own.staleSensorMinutes,
      pipelineLagWarn: own.pipelineLagWarn,
    },
    probe: collectorProbe(sdrCacheDir),
    source: `api@${hostname()}`,
  };
  const app = await buildApp(deps);
  await app.listen({ port: own.port, host: own.host });
  shutdown.register('http', async () => {
    // Open live streams never end by themselves, and app.close() waits for every connection:
    // end them first (clients reconnect after the restart) or the stop hangs to its deadline.
    live.closeClients('shutting down');
    await app.close();
  });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : own.port;
  const url = `http://${own.host.includes(':') ? `[${own.host}]` : own.host}:${port}`;
  logger.info(
    { url, docs: `${url}/api/v1/docs`, database: host.db.kind, projections: withProjections },
    'api listening',
  );
  return { stopped: stopOnSignals(shutdown, logger, host.projections?.failed), url };
}
