import { defineErrorCatalog, hasCode, type CodedError } from '@ipmi-monitor/runtime';

export const dbErrors = defineErrorCatalog('DB_', {
  DB_CONFIG_INVALID: {
    retriable: false,
    doc: 'The database configuration names neither a data directory (embedded) nor a URL (external).',
  },
  DB_LOCKED: {
    retriable: false,
    doc: 'Another process holds the embedded data directory (its lock file names the pid and host); stop it, or delete the lock file if that process is gone.',
  },
  DB_DATA_DIR_INVALID: {
    retriable: false,
    doc: 'The embedded data directory cannot be created or does not hold a database; check the path and its permissions.',
  },
  DB_OPEN_FAILED: {
    retriable: false,
    doc: 'The embedded database engine failed to start on its data directory; the message has the cause.',
  },
  DB_TIMESCALE_MISSING: {
    retriable: false,
    doc: 'TimescaleDB is not installed, not loaded, or an Apache-only build; the database needs TimescaleDB >= 2.23 with the Timescale License (compression, policies).',
  },
  DB_UNAVAILABLE: {
    retriable: true,
    status: 503,
    doc: 'The database could not be reached or dropped the connection; the caller backs off and retries.',
  },
  DB_CONFLICT: {
    retriable: true,
    doc: 'A transaction hit a serialization failure or a deadlock; running it again is safe.',
  },
  DB_QUERY_FAILED: {
    retriable: false,
    doc: 'A statement failed (syntax, constraint, type); the message has the SQLSTATE and the start of the statement.',
  },
  DB_CLOSED: {
    retriable: false,
    doc: 'The database handle was used after close(); a shutdown ordering bug.',
  },
  DB_MIGRATION_INVALID: {
    retriable: false,
    doc: 'The migration files are inconsistent (bad name, duplicate version, or a new migration older than one already applied).',
  },
  DB_MIGRATION_CHECKSUM: {
    retriable: false,
    doc: 'An applied migration file was edited after it ran; restore it and put the change in a new migration.',
  },
  DB_MIGRATION_UNKNOWN: {
    retriable: false,
    doc: 'The database has migrations this build does not know (it was migrated by a newer version); run the newer version.',
  },
  DB_MIGRATION_FAILED: {
    retriable: false,
    doc: 'A migration failed and was rolled back; the message names it and has the cause.',
  },
  DB_JOB_FAILED: {
    retriable: true,
    doc: 'A TimescaleDB policy job (aggregate refresh, compression, retention) failed; the job runner tries again next round.',
  },
  DB_SOCKET_FAILED: {
    retriable: false,
    doc: 'The socket server for the embedded database could not listen (port in use?).',
  },
});

export type DbErrorCode = keyof typeof dbErrors.catalog;
export type DbError = CodedError<DbErrorCode>;

/** True for an error carrying one of this package's codes. */
export function isDbError(err: unknown): err is DbError {
  return hasCode(err) && Object.hasOwn(dbErrors.catalog, err.code);
}

/**
 * The SQLSTATE of a failed statement (e.g. `23505` unique violation), looked up through the
 * `cause` chain, so callers can branch on it after we wrapped the driver's error.
 */
export function sqlState(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    if (hasCode(e) && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

// Node socket errors and the pg client's own "connection gone" messages: retriable.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * Wraps a driver error (pg or PGlite: both carry the SQLSTATE in `code`) in a coded error.
 * The statement is quoted (truncated) in the message; parameters never are (they may hold
 * secrets).
 */
export function toDbError(err: unknown, sql?: string): DbError {
  if (isDbError(err)) return err;
  const state = sqlState(err);
  const code = hasCode(err) ? err.code : undefined;
  const text = err instanceof Error ? err.message : String(err);
  const where = sql === undefined ? '' : ` (in: ${snippet(sql)})`;
  const prefix = state ? `${state} ` : '';
  if (
    (state && (state.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(state))) ||
    (code !== undefined && NETWORK_CODES.has(code)) ||
    /Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
      text,
    )
  ) {
    return dbErrors.error('DB_UNAVAILABLE', `${prefix}${text}${where}`, err);
  }
  if (state === '40001' || state === '40P01') {
    return dbErrors.error('DB_CONFLICT', `${prefix}${text}${where}`, err);
  }
  return dbErrors.error('DB_QUERY_FAILED', `${prefix}${text}${where}`, err);
}

function snippet(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 157)}...` : flat;
}
