/**
 * Retention as the operator configured it. The migrations install the defaults (raw readings
 * and poll outcomes 7 days, per-minute aggregate 30 days, hourly 400 days); at every start the
 * services that own the database call `applyRetention` with the configured values, which
 * replaces a policy only when it differs (so a restart with the same settings changes
 * nothing).
 *
 * The aggregates' refresh windows follow the raw retention: a refresh over a range whose raw
 * chunks were already dropped would recompute those buckets from nothing and erase them. The
 * window is therefore kept a day (or half the retention, if that is shorter) inside it.
 */
import type { Database } from './database.js';
import { dbErrors } from './errors.js';

export interface RetentionSettings {
  /** Raw readings (Postgres interval text, e.g. '7 days'). */
  readings: string;
  readings1m: string;
  readings1h: string;
  pollOutcomes: string;
}

export const DEFAULT_RETENTION: RetentionSettings = {
  readings: '7 days',
  readings1m: '30 days',
  readings1h: '400 days',
  pollOutcomes: '7 days',
};

const TABLES: Record<keyof RetentionSettings, string> = {
  readings: 'readings',
  readings1m: 'readings_1m',
  readings1h: 'readings_1h',
  pollOutcomes: 'poll_outcomes',
};

const AGGREGATES = ['readings_1m', 'readings_1h'] as const;

/** How far back an aggregate refresh may reach, in seconds, for a raw retention. */
export function refreshWindowSeconds(rawRetentionSeconds: number): number {
  const day = 86_400;
  return rawRetentionSeconds - Math.min(day, rawRetentionSeconds / 2);
}

export interface RetentionChange {
  table: string;
  from: string | null;
  to: string;
}

async function seconds(db: Database, interval: string): Promise<number> {
  try {
    const { rows } = await db.query<{ s: number }>(
      `SELECT extract(epoch FROM $1::interval)::float8 AS s`,
      [interval],
    );
    const s = rows[0]?.s ?? NaN;
    if (!(s > 0)) throw new Error('not positive');
    return s;
  } catch (cause) {
    throw dbErrors.error(
      'DB_CONFIG_INVALID',
      `retention "${interval}" is not a positive Postgres interval (e.g. '7 days', '36 hours')`,
      cause,
    );
  }
}

/** Makes the retention and refresh policies match `settings`; returns what it changed. */
export async function applyRetention(
  db: Database,
  settings: RetentionSettings,
): Promise<RetentionChange[]> {
  const changes: RetentionChange[] = [];
  const jobs = await db.jobs();
  for (const key of Object.keys(TABLES) as (keyof RetentionSettings)[]) {
    const table = TABLES[key];
    const wanted = settings[key];
    const wantedS = await seconds(db, wanted);
    const job = jobs.find((j) => j.procName === 'policy_retention' && j.hypertableName === table);
    const current = (job?.config as { drop_after?: string } | null)?.drop_after ?? null;
    if (current !== null && (await seconds(db, current)) === wantedS) continue;
    if (job) await db.query(`SELECT remove_retention_policy($1::regclass)`, [table]);
    await db.query(`SELECT add_retention_policy($1::regclass, drop_after => $2::interval)`, [
      table,
      wanted,
    ]);
    changes.push({ table, from: current, to: wanted });
  }
  const windowS = refreshWindowSeconds(await seconds(db, settings.readings));
  for (const view of AGGREGATES) {
    const job = jobs.find(
      (j) => j.procName === 'policy_refresh_continuous_aggregate' && j.hypertableName === view,
    );
    if (!job) continue;
    const current = (job.config as { start_offset?: string } | null)?.start_offset ?? null;
    if (current !== null && (await seconds(db, current)) === windowS) continue;
    const to = `${windowS} seconds`;
    const config = { ...(job.config as Record<string, unknown>), start_offset: to };
    await db.query(`SELECT alter_job($1, config => $2::jsonb)`, [
      job.jobId,
      JSON.stringify(config),
    ]);
    changes.push({ table: `${view} refresh window`, from: current, to });
  }
  return changes;
}

export interface RetentionInForce {
  /** Which setting: readings, readings1m, readings1h, pollOutcomes. */
  key: keyof RetentionSettings;
  table: string;
  /** The policy's drop_after as the database holds it (interval text); null: no policy. */
  dropAfter: string | null;
  /** The same in seconds (for comparing and displaying); null: no policy. */
  dropAfterSeconds: number | null;
}

/**
 * The retention the database enforces now, read from its policies (so it is the truth
 * whichever process applied it, with whatever settings).
 */
export async function retentionInForce(db: Database): Promise<RetentionInForce[]> {
  const jobs = await db.jobs();
  const out: RetentionInForce[] = [];
  for (const key of Object.keys(TABLES) as (keyof RetentionSettings)[]) {
    const table = TABLES[key];
    const job = jobs.find((j) => j.procName === 'policy_retention' && j.hypertableName === table);
    const dropAfter = (job?.config as { drop_after?: string } | null)?.drop_after ?? null;
    out.push({
      key,
      table,
      dropAfter,
      dropAfterSeconds: dropAfter === null ? null : await seconds(db, dropAfter),
    });
  }
  return out;
}
