/**
 * The one database interface of IPMI Monitor, over two adapters that run the same SQL:
 *
 * - `embedded` (the local default): PGlite with TimescaleDB, in this process, on a data
 *   directory on disk. One process owns the directory (a lock file enforces it); the
 *   engine runs no background workers, so `hasBackgroundWorkers` is false and the job
 *   runner (job-runner.ts) runs the policy jobs. Statements run one at a time: a
 *   transaction holds the engine until it ends, and other calls wait for it.
 * - `postgres` (production, selected when a URL is given): a `pg.Pool` against a
 *   TimescaleDB server, whose own scheduler runs the policy jobs.
 *
 * Result types are the same on both (type-parsers.ts): int2/int4/float4/float8 → number;
 * int8 → number (bigint beyond 2^53, never a string); numeric → string (cast to float8 in
 * SQL for a number); date → 'YYYY-MM-DD' string; timestamp/timestamptz → Date;
 * interval → Postgres' text ('1 day 02:00:00'); json/jsonb → parsed; bool → boolean;
 * bytea → Uint8Array (a Buffer on pg); arrays → arrays of the element type.
 *
 * Rules that keep both adapters honest:
 * - Inside `transaction(fn)`, use only `tx`: calling `db.*` from `fn` waits for the
 *   transaction to end, which on the embedded engine is a deadlock.
 * - No nested transactions. Statements that refuse a transaction block (`CALL run_job`,
 *   `VACUUM`, refreshing a continuous aggregate) go through `db.exec`, never `tx`.
 * - Errors are coded (errors.ts): DB_QUERY_FAILED (SQLSTATE via `sqlState(err)`),
 *   DB_UNAVAILABLE and DB_CONFLICT (retriable), DB_CLOSED.
 */
import type { Logger } from '@ipmi-monitor/runtime';

/** One row value as accepted by `copyRows`: see copy-format.ts for the encoding. */
export type CopyValue = unknown;

export interface QueryResult<T> {
  rows: T[];
}

/** What both a database and an open transaction can do. */
export interface Queryable {
  /** One statement, `$1`-style parameters. */
  query<T = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<T>>;
  /** Several `;`-separated statements, no parameters, no results (DDL, scripts). */
  exec(sql: string): Promise<void>;
  /**
   * Bulk insert with COPY: `rows[i][j]` goes into `columns[j]`. Returns the row count.
   * Atomic: either every row is in or none. `table` may be `schema.table`.
   */
  copyRows(
    table: string,
    columns: readonly string[],
    rows: Iterable<readonly CopyValue[]>,
  ): Promise<number>;
}

export type Transaction = Queryable;

/** A TimescaleDB job, from `timescaledb_information.jobs`. */
export interface JobInfo {
  jobId: number;
  applicationName: string;
  procSchema: string;
  procName: string;
  /** Paused jobs (`alter_job(id, scheduled => false)`) are not run by the job runner. */
  scheduled: boolean;
  scheduleIntervalSeconds: number;
  hypertableSchema: string | null;
  hypertableName: string | null;
  config: unknown;
}

export interface Database extends Queryable {
  readonly kind: 'embedded' | 'postgres';
  /** Whether TimescaleDB's scheduler runs policy jobs; if not, run `startJobRunner`. */
  readonly hasBackgroundWorkers: boolean;
  /** TimescaleDB extension version, e.g. '2.23.0'. */
  readonly timescaleVersion: string;
  /**
   * Runs `fn` in one transaction: COMMIT when it resolves, ROLLBACK when it throws (the
   * error is rethrown). Embedded: PGlite's transaction; postgres: one pooled client.
   */
  transaction<R>(fn: (tx: Transaction) => Promise<R>): Promise<R>;
  /** `CALL run_job(id)`: runs a policy job now (outside any transaction). */
  runJob(jobId: number): Promise<void>;
  /** Every TimescaleDB job, ordered by id. */
  jobs(): Promise<JobInfo[]>;
  /** Embedded: closes the engine and releases the lock. Postgres: ends the pool. Idempotent. */
  close(): Promise<void>;
}

export interface DatabaseConfig {
  /** Embedded data directory (created when missing). Used when `url` is not set. */
  dataDir?: string | undefined;
  /** postgres:// URL of a TimescaleDB server (DATABASE_URL). Wins over `dataDir`. */
  url?: string | undefined;
  /** Postgres pool size (default 10). Use 1 against `serveSocket` (one session only). */
  maxConnections?: number | undefined;
  logger: Logger;
}
