export type {
  CopyValue,
  Database,
  DatabaseConfig,
  JobInfo,
  QueryResult,
  Queryable,
  Transaction,
} from './database.js';
export { openDatabase } from './open.js';
export { dbErrors, isDbError, sqlState, type DbError, type DbErrorCode } from './errors.js';
export { defaultMigrationsDir, migrate, type MigrateOptions } from './migrate.js';
export {
  startJobRunner,
  type JobOutcome,
  type JobRunner,
  type JobRunnerOptions,
  type RoundReport,
} from './job-runner.js';
export { serveSocket, type SocketHandle, type SocketOptions } from './socket.js';
export { dbConfig } from './config.js';
export {
  applyRetention,
  DEFAULT_RETENTION,
  refreshWindowSeconds,
  retentionInForce,
  type RetentionChange,
  type RetentionInForce,
  type RetentionSettings,
} from './retention.js';
