import type { JobInfo } from './database.js';
import { dbErrors, isDbError } from './errors.js';

type Query = <T>(sql: string) => Promise<{ rows: T[] }>;

/**
 * Creates the extension if needed and proves TimescaleDB is really active, not just in
 * the catalog: the library's settings exist only once it is loaded (on the embedded
 * engine, only when `LOAD 'timescaledb'` ran first), and compression and policies need the
 * Timescale License build, not the Apache-only one. Returns the extension version.
 */
export async function ensureTimescale(query: Query): Promise<string> {
  try {
    await query(`CREATE EXTENSION IF NOT EXISTS timescaledb`);
  } catch (err) {
    // An unreachable server is not a missing extension: keep DB_UNAVAILABLE (retriable).
    if (isDbError(err) && err.code !== 'DB_QUERY_FAILED') throw err;
    throw dbErrors.error(
      'DB_TIMESCALE_MISSING',
      `CREATE EXTENSION timescaledb failed: ${(err as Error).message}`,
      err,
    );
  }
  const [row] = (
    await query<{ version: string | null; license: string | null }>(
      `SELECT (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb') AS version,
              current_setting('timescaledb.license', true) AS license`,
    )
  ).rows;
  if (!row?.version) {
    throw dbErrors.error('DB_TIMESCALE_MISSING', 'the timescaledb extension is not installed');
  }
  if (!row.license) {
    throw dbErrors.error(
      'DB_TIMESCALE_MISSING',
      `timescaledb ${row.version} is in the catalog but its library is not loaded (embedded: LOAD 'timescaledb' must be the first statement; server: shared_preload_libraries)`,
    );
  }
  if (row.license !== 'timescale') {
    throw dbErrors.error(
      'DB_TIMESCALE_MISSING',
      `timescaledb ${row.version} runs with the '${row.license}' license: compression and policies need the Timescale License build`,
    );
  }
  let ok = false;
  try {
    const [b] = (
      await query<{ ok: boolean }>(
        `SELECT time_bucket('1 minute', TIMESTAMPTZ '2000-01-01 00:00:30+00')
                = TIMESTAMPTZ '2000-01-01 00:00:00+00' AS ok`,
      )
    ).rows;
    ok = b?.ok === true;
  } catch (err) {
    throw dbErrors.error(
      'DB_TIMESCALE_MISSING',
      `time_bucket() failed: ${(err as Error).message}`,
      err,
    );
  }
  if (!ok) throw dbErrors.error('DB_TIMESCALE_MISSING', 'time_bucket() returned a wrong bucket');
  return row.version;
}

export const JOBS_SQL = `
  SELECT job_id, application_name, proc_schema, proc_name, scheduled,
         extract(epoch FROM schedule_interval)::float8 AS schedule_interval_s,
         hypertable_schema, hypertable_name, config
    FROM timescaledb_information.jobs
   ORDER BY job_id`;

export interface JobRow {
  job_id: number;
  application_name: string;
  proc_schema: string;
  proc_name: string;
  scheduled: boolean;
  schedule_interval_s: number | null;
  hypertable_schema: string | null;
  hypertable_name: string | null;
  config: unknown;
}

export function toJobInfo(r: JobRow): JobInfo {
  return {
    jobId: r.job_id,
    applicationName: r.application_name,
    procSchema: r.proc_schema,
    procName: r.proc_name,
    scheduled: r.scheduled,
    scheduleIntervalSeconds: r.schedule_interval_s ?? 0,
    hypertableSchema: r.hypertable_schema,
    hypertableName: r.hypertable_name,
    config: r.config,
  };
}

export function runJobSql(jobId: number): string {
  if (!Number.isSafeInteger(jobId) || jobId <= 0) throw new Error(`bad job id: ${jobId}`);
  return `CALL run_job(${jobId})`;
}
