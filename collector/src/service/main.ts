/**
 * The collector as a process: environment → configuration → startCollector, with a
 * `/metrics` endpoint and a graceful stop on SIGINT/SIGTERM. `ipmi-monitor collector` runs it.
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  Shutdown,
  commonConfig,
  connectSeam,
  createLogger,
  createMetricsRegistry,
  parseConfig,
  serveOps,
  stopOnSignals,
} from '@ipmi-monitor/runtime';
import { parseSeverityOverrides } from '@ipmi-monitor/ipmi';
import { credentialsConfig, credentialsFilePath } from '../credentials/config.js';
import { loadSecretKeys } from '../credentials/key.js';
import { CredentialStore } from '../credentials/store.js';
import { cleanupStaleCredentialDirs } from '../drivers/credentials.js';
import { loadSchedulerConfig } from '../schedule/config.js';
import { startCollector } from './collector.js';
import { collectorConfig } from './config.js';

export async function runCollectorProcess(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<{ stopped: Promise<number> }> {
  const common = parseConfig(commonConfig, env);
  const own = parseConfig(collectorConfig, env);
  const creds = parseConfig(credentialsConfig, env);
  const scheduler = loadSchedulerConfig(env);
  const logger = createLogger({ name: 'collector', level: common.logLevel });
  const metrics = createMetricsRegistry({ service: 'collector' });
  const shutdown = new Shutdown(logger);
  const instanceId = own.instanceId ?? hostname();

  // Credential files a hard-killed collector left behind (older than an hour) are removed.
  await cleanupStaleCredentialDirs();
  const keys = await loadSecretKeys(creds, logger);
  const credentials = await CredentialStore.open({
    file: credentialsFilePath(creds),
    key: keys.key,
    previousKeys: keys.previous,
    logger,
  });
  const overrides =
    own.severityOverridesFile === null
      ? undefined
      : parseSeverityOverrides(await readFile(own.severityOverridesFile, 'utf8'));

  const seam = await connectSeam({
    brokers: common.kafkaBrokers,
    registryUrl: common.registryUrl,
    clientId: `collector-${instanceId}`,
    logger,
    metrics,
    topicPrefix: common.topicPrefix,
  });
  shutdown.register('kafka', () => seam.close());

  // Bound before the collector starts so a port conflict fails fast; /health turns 200 once
  // polling runs.
  let running = false;
  const ops = await serveOps({
    port: own.httpPort,
    host: own.httpHost,
    metrics,
    logger,
    healthy: () => running,
  });
  shutdown.register('http', () => ops.close());

  const collector = await startCollector({
    seam,
    credentials,
    logger,
    metrics,
    instanceId,
    scheduler,
    toolTimeoutMs: own.toolTimeoutMs,
    sdrCacheDir: own.sdrCacheDir ?? join(creds.stateDir, 'sdr-cache'),
    fanout: own.fanout,
    gatherMs: own.gatherMs,
    binDir: own.toolsDir ?? undefined,
    overrides,
  });
  shutdown.register('collector', () => collector.stop());
  running = true;

  return { stopped: stopOnSignals(shutdown, logger) };
}
