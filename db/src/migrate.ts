/**
 * Forward-only schema migrations: `db/migrations/NNNN_name.sql`, applied in version order
 * at start-up, each in its own transaction, recorded in `schema_migrations` with a SHA-256
 * of the file. An applied file that changed since is an error (DB_MIGRATION_CHECKSUM):
 * fix forward with a new file, never edit an applied one.
 *
 * Writing migrations (same SQL on both engines):
 * - Continuous aggregates: `WITH NO DATA` (a refresh cannot run in a transaction); the
 *   refresh policy (or the job runner on the embedded engine) fills them.
 * - A file whose first lines hold `-- migrate:no-transaction` runs outside a transaction
 *   (for statements like CREATE INDEX CONCURRENTLY); it is recorded only after it ran, so
 *   write it to be re-runnable (IF NOT EXISTS).
 * - Several processes may migrate at once (replicas against one server): each migration
 *   takes a transaction-scoped advisory lock and re-checks whether it is still pending.
 *
 * Planning (names, order, checksums) is pure and unit-tested; `migrate` does the I/O.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@ipmi-monitor/runtime';
import type { Database } from './database.js';
import { dbErrors, isDbError } from './errors.js';

export const MIGRATIONS_TABLE = 'schema_migrations';

/** db/migrations, from src/ (tsx) and from dist/ (built) alike. */
export const defaultMigrationsDir = fileURLToPath(new URL('../migrations/', import.meta.url));

const FILE_RE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
const NO_TX_RE = /^\s*--\s*migrate:no-transaction\s*$/m;
// Any 64-bit constant works; it only has to be the same in every process.
const ADVISORY_LOCK_KEY = 4_711_900_017;

export interface MigrationFile {
  version: number;
  name: string;
  filename: string;
  sql: string;
  checksum: string;
  transactional: boolean;
}

export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
}

/** `0001_init.sql` → { version: 1, name: 'init' }; undefined for anything else. */
export function parseMigrationFilename(
  filename: string,
): { version: number; name: string } | undefined {
  const m = FILE_RE.exec(filename);
  if (!m?.[1] || !m[2]) return undefined;
  const version = Number(m[1]);
  return version > 0 ? { version, name: m[2] } : undefined;
}

/** SHA-256 of the text with line endings normalized (a CRLF checkout is not an edit). */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

/** Leading comment lines only: a directive further down is just text. */
function isTransactional(sql: string): boolean {
  const header: string[] = [];
  for (const line of sql.replace(/\r\n/g, '\n').split('\n')) {
    if (line.trim() === '' || line.trim().startsWith('--')) header.push(line);
    else break;
  }
  return !NO_TX_RE.test(header.join('\n'));
}

/**
 * Validates and orders the files of a migrations folder. Non-`.sql` files are ignored
 * (a README); a `.sql` file with a bad name or a duplicate version is an error, so a typo
 * never silently skips a migration.
 */
export function loadMigrationFiles(
  entries: readonly { filename: string; sql: string }[],
): MigrationFile[] {
  const out: MigrationFile[] = [];
  const seen = new Map<number, string>();
  for (const { filename, sql } of entries) {
    if (!filename.endsWith('.sql')) continue;
    const parsed = parseMigrationFilename(filename);
    if (!parsed) {
      throw dbErrors.error(
        'DB_MIGRATION_INVALID',
        `migration file ${filename} is not named NNNN_lowercase_name.sql (four digits from 0001)`,
      );
    }
    const other = seen.get(parsed.version);
    if (other) {
      throw dbErrors.error(
        'DB_MIGRATION_INVALID',
        `migrations ${other} and ${filename} have the same version ${parsed.version}`,
      );
    }
    seen.set(parsed.version, filename);
    out.push({
      ...parsed,
      filename,
      sql,
      checksum: migrationChecksum(sql),
      transactional: isTransactional(sql),
    });
  }
  return out.sort((a, b) => a.version - b.version);
}

/**
 * What to apply, in order. Throws when an applied migration was edited (checksum), is
 * unknown to these files (the database is ahead of this build), or when a pending
 * migration is older than the newest applied one (it would run out of order).
 */
export function planMigrations(
  files: readonly MigrationFile[],
  applied: readonly AppliedMigration[],
): MigrationFile[] {
  const byVersion = new Map(files.map((f) => [f.version, f]));
  let newestApplied = 0;
  for (const a of applied) {
    newestApplied = Math.max(newestApplied, a.version);
    const file = byVersion.get(a.version);
    if (!file) {
      throw dbErrors.error(
        'DB_MIGRATION_UNKNOWN',
        `the database has migration ${a.version} (${a.name}) which this build does not have`,
      );
    }
    if (file.checksum !== a.checksum) {
      throw dbErrors.error(
        'DB_MIGRATION_CHECKSUM',
        `migration ${file.filename} changed after it was applied (checksum ${a.checksum.slice(0, 12)} applied, ${file.checksum.slice(0, 12)} now); restore it and add a new migration instead`,
      );
    }
  }
  const done = new Set(applied.map((a) => a.version));
  const pending = files.filter((f) => !done.has(f.version));
  const early = pending.find((f) => f.version < newestApplied);
  if (early) {
    throw dbErrors.error(
      'DB_MIGRATION_INVALID',
      `migration ${early.filename} is pending but older than applied migration ${newestApplied}; renumber it after the newest one`,
    );
  }
  return pending;
}

export async function readMigrationDir(dir: string): Promise<MigrationFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw dbErrors.error('DB_MIGRATION_INVALID', `cannot read the migrations folder ${dir}`, err);
  }
  const entries = await Promise.all(
    names.map(async (filename) => ({
      filename,
      sql: filename.endsWith('.sql') ? await readFile(join(dir, filename), 'utf8') : '',
    })),
  );
  return loadMigrationFiles(entries);
}

export interface MigrateOptions {
  /** Defaults to db/migrations. */
  dir?: string | undefined;
  logger?: Logger | undefined;
}

async function appliedMigrations(db: Database): Promise<AppliedMigration[]> {
  const { rows } = await db.query<AppliedMigration>(
    `SELECT version, name, checksum FROM ${MIGRATIONS_TABLE} ORDER BY version`,
  );
  return rows;
}

/** Applies the pending migrations; resolves with the filenames applied by this call. */
export async function migrate(db: Database, options: MigrateOptions = {}): Promise<string[]> {
  const logger = options.logger?.child({ component: 'db-migrate' });
  const files = await readMigrationDir(options.dir ?? defaultMigrationsDir);
  await db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${ADVISORY_LOCK_KEY})`);
    await tx.exec(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
      version     integer PRIMARY KEY,
      name        text NOT NULL,
      checksum    text NOT NULL,
      applied_at  timestamptz NOT NULL DEFAULT now(),
      duration_ms integer NOT NULL
    )`);
  });
  const pending = planMigrations(files, await appliedMigrations(db));
  const applied: string[] = [];
  for (const file of pending) {
    const started = performance.now();
    let ran = false;
    try {
      if (file.transactional) {
        ran = await db.transaction(async (tx) => {
          await tx.query(`SELECT pg_advisory_xact_lock(${ADVISORY_LOCK_KEY})`);
          const { rows } = await tx.query<{ checksum: string }>(
            `SELECT checksum FROM ${MIGRATIONS_TABLE} WHERE version = $1`,
            [file.version],
          );
          if (rows[0]) {
            // Another process applied it while we were planning.
            if (rows[0].checksum !== file.checksum) {
              throw dbErrors.error(
                'DB_MIGRATION_CHECKSUM',
                `migration ${file.filename} was applied with another checksum`,
              );
            }
            return false;
          }
          await tx.exec(file.sql);
          await tx.query(
            `INSERT INTO ${MIGRATIONS_TABLE} (version, name, checksum, duration_ms) VALUES ($1, $2, $3, $4)`,
            [file.version, file.name, file.checksum, Math.round(performance.now() - started)],
          );
          return true;
        });
      } else {
        await db.exec(file.sql);
        await db.query(
          `INSERT INTO ${MIGRATIONS_TABLE} (version, name, checksum, duration_ms) VALUES ($1, $2, $3, $4)
           ON CONFLICT (version) DO NOTHING`,
          [file.version, file.name, file.checksum, Math.round(performance.now() - started)],
        );
        ran = true;
      }
    } catch (err) {
      if (isDbError(err) && err.code === 'DB_MIGRATION_CHECKSUM') throw err;
      throw dbErrors.error(
        'DB_MIGRATION_FAILED',
        `migration ${file.filename} failed${file.transactional ? ' and was rolled back' : ' outside a transaction (check what it left behind)'}: ${(err as Error).message}`,
        err,
      );
    }
    if (ran) {
      applied.push(file.filename);
      logger?.info(
        { migration: file.filename, ms: Math.round(performance.now() - started) },
        'migration applied',
      );
    }
  }
  if (applied.length === 0) logger?.debug('schema up to date');
  return applied;
}
