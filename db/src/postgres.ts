/**
 * The external adapter: a `pg.Pool` against a TimescaleDB server (production), bulk copy
 * through `pg-copy-streams` (COPY FROM STDIN). TimescaleDB must be preloaded there
 * (`shared_preload_libraries`), so no LOAD runs here.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import type { Logger } from '@ipmi-monitor/runtime';
import { copyStatement, encodeCopyBatches } from './copy-format.js';
import type { CopyValue, Database, JobInfo, QueryResult, Transaction } from './database.js';
import { dbErrors, toDbError } from './errors.js';
import { ensureTimescale, JOBS_SQL, runJobSql, toJobInfo, type JobRow } from './timescale.js';
import { sharedParsers } from './type-parsers.js';

/** Rows per chunk written to the COPY stream (backpressure applies per chunk). */
const COPY_CHUNK_ROWS = 5_000;

// pg's parsers, overridden where PGlite and pg differ (type-parsers.ts). Per pool, so the
// process-global pg.types stay untouched.
export const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): ((value: string) => unknown) => {
    const own = format === 'binary' ? undefined : sharedParsers[oid];
    return own ?? (pg.types.getTypeParser(oid, format) as (value: string) => unknown);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

type Client = pg.PoolClient;

export async function copyThrough(
  client: Client,
  table: string,
  columns: readonly string[],
  rows: Iterable<readonly CopyValue[]>,
): Promise<number> {
  const sql = copyStatement(table, columns, 'STDIN');
  let total = 0;
  const chunks = function* () {
    for (const batch of encodeCopyBatches(rows, columns.length, COPY_CHUNK_ROWS)) {
      total += batch.rows;
      yield batch.text;
    }
  };
  try {
    await pipeline(Readable.from(chunks()), client.query(copyStreams.from(sql)));
  } catch (err) {
    throw toDbError(err, sql);
  }
  return total;
}

export function wrapClient(client: Client): Transaction {
  return {
    async query<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      try {
        const r = await client.query({ text: sql, values: params ? [...params] : undefined });
        return { rows: r.rows as T[] };
      } catch (err) {
        throw toDbError(err, sql);
      }
    },
    async exec(sql: string): Promise<void> {
      try {
        await client.query(sql);
      } catch (err) {
        throw toDbError(err, sql);
      }
    },
    copyRows: (table, columns, rows) => copyThrough(client, table, columns, rows),
  };
}

class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #logger: Logger;
  #closing: Promise<void> | undefined;

  constructor(
    pool: pg.Pool,
    readonly timescaleVersion: string,
    readonly hasBackgroundWorkers: boolean,
    logger: Logger,
  ) {
    this.#pool = pool;
    this.#logger = logger;
  }

  #open(): void {
    if (this.#closing) throw dbErrors.error('DB_CLOSED', 'the database pool is closed');
  }

  // Through a checked-out client rather than pool.query(): pg-pool destroys the connection
  // after ANY failed pool.query (a unique violation included). We keep it unless the
  // connection itself failed; outside a transaction a failed statement leaves no state.
  query<T = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<T>> {
    return this.#withClient((client) => wrapClient(client).query<T>(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.#withClient((client) => wrapClient(client).exec(sql));
  }

  async #withClient<R>(fn: (client: Client) => Promise<R>): Promise<R> {
    this.#open();
    let client: Client;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      throw toDbError(err);
    }
    let broken = false;
    try {
      return await fn(client);
    } catch (err) {
      broken = (err as { code?: unknown }).code === 'DB_UNAVAILABLE';
      throw err;
    } finally {
      client.release(broken);
    }
  }

  copyRows(table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>) {
    // One COPY statement: atomic on its own.
    return this.#withClient((client) => copyThrough(client, table, columns, rows));
  }

  transaction<R>(fn: (tx: Transaction) => Promise<R>): Promise<R> {
    return this.#withClient(async (client) => {
      try {
        await client.query('BEGIN');
      } catch (err) {
        throw toDbError(err, 'BEGIN');
      }
      let result: R;
      try {
        result = await fn(wrapClient(client));
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackErr) {
          this.#logger.warn({ err: rollbackErr }, 'ROLLBACK failed');
          // The connection is unusable: make #withClient destroy it.
          throw toDbError(rollbackErr, 'ROLLBACK');
        }
        throw err;
      }
      try {
        await client.query('COMMIT');
      } catch (err) {
        throw toDbError(err, 'COMMIT');
      }
      return result;
    });
  }

  runJob(jobId: number): Promise<void> {
    return this.exec(runJobSql(jobId));
  }

  async jobs(): Promise<JobInfo[]> {
    const { rows } = await this.query<JobRow>(JOBS_SQL);
    return rows.map(toJobInfo);
  }

  close(): Promise<void> {
    this.#closing ??= this.#pool.end().catch((err: unknown) => {
      this.#logger.warn({ err }, 'ending the database pool failed');
    });
    return this.#closing;
  }
}

/** Hides the password of a URL for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export async function openPostgres(
  url: string,
  logger: Logger,
  maxConnections = 10,
): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: maxConnections, types });
  // An idle client losing its connection emits here; unhandled, it would crash the process.
  pool.on('error', (err) => logger.warn({ err }, 'idle database connection failed'));
  try {
    const query = async <T>(sql: string) => {
      try {
        const r = await pool.query(sql);
        return { rows: r.rows as T[] };
      } catch (err) {
        throw toDbError(err, sql);
      }
    };
    const version = await ensureTimescale(query);
    // The scheduler runs policy jobs only when TimescaleDB is preloaded and may start
    // background workers; PGlite behind serveSocket, for one, has neither.
    const [bg] = (
      await query<{ preloaded: boolean; workers: number }>(
        `SELECT current_setting('shared_preload_libraries') ~ 'timescaledb' AS preloaded,
                coalesce(current_setting('timescaledb.max_background_workers', true), '0')::int AS workers`,
      )
    ).rows;
    const hasBackgroundWorkers = bg?.preloaded === true && (bg.workers ?? 0) > 0;
    logger.info(
      { url: redactUrl(url), timescale: version, hasBackgroundWorkers },
      'postgres database open',
    );
    return new PostgresDatabase(pool, version, hasBackgroundWorkers, logger);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
}
