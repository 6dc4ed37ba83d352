/**
 * The projections as a process: environment → configuration → database (opened, migrated,
 * retention applied, job runner on the embedded engine) → the projections sink, with
 * `/metrics` and `/health`, and a graceful stop on SIGINT/SIGTERM. `ipmi-monitor projections`
 * runs it; `ipmi-monitor projections rebuild <name>...` replays projections instead.
 */
import {
  applyRetention,
  dbConfig,
  migrate,
  openDatabase,
  startJobRunner,
  type Database,
  type RetentionSettings,
} from '@ipmi-monitor/db';
import {
  Shutdown,
  commonConfig,
  connectSeam,
  createLogger,
  createMetricsRegistry,
  parseConfig,
  runtimeErrors,
  serveOps,
  stopOnSignals,
  type Logger,
  type Seam,
} from '@ipmi-monitor/runtime';
import type { Registry } from 'prom-client';
import { projectionErrors } from '../errors.js';
import {
  projectionNamed,
  projectionNames,
  projections,
  type ApplyOptions,
} from '../projections.js';
import { rebuild, startProjections, type ProjectionsHandle } from '../runner.js';
import { projectionsConfig, type ProjectionsConfig } from './config.js';

type Env = Readonly<Record<string, string | undefined>>;

function applyOptions(own: ProjectionsConfig): ApplyOptions {
  if (own.bulk !== 'copy' && own.bulk !== 'insert') {
    throw runtimeErrors.error('RT_CONFIG_INVALID', 'IPMI_PROJECTIONS_BULK must be copy or insert');
  }
  return { bulk: own.bulk };
}

function retentionOf(own: ProjectionsConfig): RetentionSettings {
  return {
    readings: own.readingsRetention,
    readings1m: own.minuteRetention,
    readings1h: own.hourRetention,
    pollOutcomes: own.pollRetention,
  };
}

/**
 * Opens, migrates and sets the retention of the database the projections write; `applied`
 * lists the migrations this call applied.
 */
async function prepareDatabase(
  env: Env,
  own: ProjectionsConfig,
  logger: Logger,
): Promise<{ db: Database; applied: string[] }> {
  const dbc = parseConfig(dbConfig, env);
  const db = await openDatabase({
    url: dbc.databaseUrl ?? undefined,
    dataDir: dbc.dataDir,
    logger,
  });
  try {
    const applied = await migrate(db, { logger });
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    const changes = await applyRetention(db, retentionOf(own));
    for (const c of changes) logger.info(c, 'retention changed');
    return { db, applied };
  } catch (err) {
    await db.close();
    throw err;
  }
}

export interface DatabaseHost {
  db: Database;
  /** The projections writing the database; null when the host runs without them. */
  projections: ProjectionsHandle | null;
}

/**
 * The database and what writes it, in the one process that owns them: opened, migrated,
 * retention applied, the policy jobs run when the engine has no scheduler (embedded), and
 * the projections when `withProjections`. The projections service is this alone; the API
 * hosts it too when the database is the embedded one, which only one process may open.
 * Everything started is registered with `shutdown`.
 */
export async function startDatabaseHost(o: {
  env: Env;
  logger: Logger;
  metrics: Registry;
  shutdown: Shutdown;
  seam: Seam;
  withProjections: boolean;
}): Promise<DatabaseHost> {
  const own = parseConfig(projectionsConfig, o.env);
  const apply = applyOptions(own);
  const { db } = await prepareDatabase(o.env, own, o.logger);
  o.shutdown.register('database', () => db.close());
  if (!db.hasBackgroundWorkers) {
    const jobs = startJobRunner(db, { logger: o.logger, intervalMs: own.jobIntervalMs });
    o.shutdown.register('jobs', () => jobs.stop());
  }
  if (!o.withProjections) return { db, projections: null };
  const handle = await startProjections({
    seam: o.seam,
    db,
    logger: o.logger,
    metrics: o.metrics,
    projections,
    groupId: own.groupId,
    apply,
  });
  o.shutdown.register('projections', () => handle.stop());
  void handle.ready.then(() => o.logger.info({ database: db.kind }, 'projections ready'));
  return { db, projections: handle };
}

export async function runProjectionsProcess(
  env: Env = process.env,
): Promise<{ stopped: Promise<number> }> {
  const common = parseConfig(commonConfig, env);
  const own = parseConfig(projectionsConfig, env);
  applyOptions(own);
  const logger = createLogger({ name: 'projections', level: common.logLevel });
  const metrics = createMetricsRegistry({ service: 'projections' });
  const shutdown = new Shutdown(logger);

  const seam = await connectSeam({
    brokers: common.kafkaBrokers,
    registryUrl: common.registryUrl,
    clientId: 'projections',
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

  const host = await startDatabaseHost({
    env,
    logger,
    metrics,
    shutdown,
    seam,
    withProjections: true,
  });
  const handle = host.projections!;
  void handle.ready.then(() => (running = true));

  return { stopped: stopOnSignals(shutdown, logger, handle.failed) };
}

/** `ipmi-monitor projections rebuild <name>... | --all`: one after the other, then exits. */
export async function runRebuild(
  names: readonly string[],
  print: (line: string) => void,
  env: Env = process.env,
): Promise<void> {
  const chosen = names.includes('--all')
    ? projections
    : names.map((n) => {
        const p = projectionNamed(n);
        if (!p) {
          throw projectionErrors.error(
            'PRJ_NO_PROJECTION',
            `no projection "${n}" (known: ${projectionNames.join(', ')})`,
          );
        }
        return p;
      });
  if (chosen.length === 0) {
    throw projectionErrors.error(
      'PRJ_NO_PROJECTION',
      `name the projections to rebuild, or --all (known: ${projectionNames.join(', ')})`,
    );
  }
  const common = parseConfig(commonConfig, env);
  const own = parseConfig(projectionsConfig, env);
  const logger = createLogger({
    name: 'rebuild',
    level: common.logLevel === 'info' ? 'warn' : common.logLevel,
  });
  const { db } = await prepareDatabase(env, own, logger);
  try {
    const seam = await connectSeam({
      brokers: common.kafkaBrokers,
      registryUrl: common.registryUrl,
      clientId: 'projections-rebuild',
      logger,
      topicPrefix: common.topicPrefix,
    });
    try {
      for (const projection of chosen) {
        await rebuild({ seam, db, logger, projection, apply: applyOptions(own), print });
      }
    } finally {
      await seam.close();
    }
  } finally {
    await db.close();
  }
}

/** `ipmi-monitor migrate`: migrations and retention, then exits. Returns what it applied. */
export async function runMigrate(env: Env = process.env): Promise<string[]> {
  const common = parseConfig(commonConfig, env);
  const own = parseConfig(projectionsConfig, env);
  const { db, applied } = await prepareDatabase(
    env,
    own,
    createLogger({ name: 'migrate', level: common.logLevel }),
  );
  await db.close();
  return applied;
}
