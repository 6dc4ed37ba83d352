/**
 * Runs TimescaleDB's policy jobs where nothing else does: the embedded engine has no
 * background workers, so aggregates would never refresh, chunks never compress and old
 * data never go. Every `intervalMs` the runner runs each job that is due by its own
 * `schedule_interval` with `CALL run_job(id)`, in dependency order: aggregate refreshes
 * (oldest job first, so an aggregate built on another refreshes after it), then
 * compression, then retention, then anything else. It also runs ANALYZE now and then,
 * since there is no autovacuum either.
 *
 * `run_job` does not update TimescaleDB's job statistics there, so when a job last ran is
 * kept in memory: after a restart every job is due once.
 *
 * With a server that has the scheduler (`db.hasBackgroundWorkers`) the runner does
 * nothing.
 */
import type { Logger } from '@ipmi-monitor/runtime';
import type { Database, JobInfo } from './database.js';
import { dbErrors, toDbError } from './errors.js';

export interface JobRunnerOptions {
  /** How often to look for due jobs. Default 60 s. */
  intervalMs?: number | undefined;
  /** Delay of the first round (all jobs are due after a start). Default 5 s. */
  initialDelayMs?: number | undefined;
  /** How often to run ANALYZE. Default 1 h. */
  analyzeIntervalMs?: number | undefined;
  logger: Logger;
}

export interface JobOutcome {
  jobId: number;
  procName: string;
  hypertable: string | null;
  ok: boolean;
  ms: number;
  error?: string | undefined;
}

export interface RoundReport {
  jobs: JobOutcome[];
  analyzed: boolean;
}

export interface JobRunner {
  /** Runs every scheduled job (due or not) and ANALYZE, in order; for tests and tools. */
  runAllOnce(): Promise<RoundReport>;
  /** Stops the timer and waits for a running round to finish. */
  stop(): Promise<void>;
}

/** Lower runs first. */
export function jobRank(procName: string): number {
  switch (procName) {
    case 'policy_refresh_continuous_aggregate':
      return 0;
    case 'policy_reorder':
      return 1;
    case 'policy_compression':
    case 'policy_recompression':
      return 2;
    case 'policy_retention':
      return 3;
    default:
      return 4;
  }
}

/** Scheduled jobs in the order to run them. */
export function orderJobs(jobs: readonly JobInfo[]): JobInfo[] {
  return jobs
    .filter((j) => j.scheduled)
    .sort((a, b) => jobRank(a.procName) - jobRank(b.procName) || a.jobId - b.jobId);
}

/** Whether a job is due: never ran here, or its schedule interval has passed. */
export function isDue(
  lastRunAt: number | undefined,
  scheduleIntervalSeconds: number,
  now: number,
): boolean {
  return lastRunAt === undefined || now - lastRunAt >= scheduleIntervalSeconds * 1000;
}

export function startJobRunner(db: Database, options: JobRunnerOptions): JobRunner {
  const logger = options.logger.child({ component: 'db-jobs' });
  const intervalMs = options.intervalMs ?? 60_000;
  const analyzeIntervalMs = options.analyzeIntervalMs ?? 3_600_000;

  if (db.hasBackgroundWorkers) {
    logger.info('TimescaleDB runs the policy jobs itself: job runner idle');
    return {
      runAllOnce: () => Promise.resolve({ jobs: [], analyzed: false }),
      stop: () => Promise.resolve(),
    };
  }

  const lastRun = new Map<number, number>();
  let lastAnalyze: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  // Rounds never overlap: the timer and runAllOnce() chain on this.
  let current: Promise<RoundReport> = Promise.resolve({ jobs: [], analyzed: false });

  const round = async (force: boolean): Promise<RoundReport> => {
    const report: RoundReport = { jobs: [], analyzed: false };
    const jobs = orderJobs(await db.jobs());
    for (const job of jobs) {
      if (stopped && !force) break;
      if (!force && !isDue(lastRun.get(job.jobId), job.scheduleIntervalSeconds, Date.now()))
        continue;
      const started = performance.now();
      const outcome: JobOutcome = {
        jobId: job.jobId,
        procName: job.procName,
        hypertable: job.hypertableName,
        ok: true,
        ms: 0,
      };
      try {
        await db.runJob(job.jobId);
      } catch (err) {
        // One failing job must not hold back the others (a failed refresh must not stop
        // retention); it is retried at its next due time.
        outcome.ok = false;
        outcome.error = (err as Error).message;
        const e = dbErrors.error('DB_JOB_FAILED', `job ${job.jobId} (${job.procName}) failed`, err);
        logger.warn({ err: e, jobId: job.jobId, proc: job.procName }, 'policy job failed');
      }
      lastRun.set(job.jobId, Date.now());
      outcome.ms = Math.round(performance.now() - started);
      report.jobs.push(outcome);
      if (outcome.ok) {
        logger.debug(
          { jobId: job.jobId, proc: job.procName, hypertable: job.hypertableName, ms: outcome.ms },
          'policy job ran',
        );
      }
    }
    if (force || isDue(lastAnalyze, analyzeIntervalMs / 1000, Date.now())) {
      const started = performance.now();
      try {
        await db.exec('ANALYZE');
        report.analyzed = true;
        logger.debug({ ms: Math.round(performance.now() - started) }, 'ANALYZE ran');
      } catch (err) {
        logger.warn({ err: toDbError(err, 'ANALYZE') }, 'ANALYZE failed');
      }
      lastAnalyze = Date.now();
    }
    return report;
  };

  const enqueue = (force: boolean): Promise<RoundReport> => {
    current = current.then(
      () => round(force),
      () => round(force),
    );
    return current;
  };

  const tick = (): void => {
    timer = undefined;
    enqueue(false)
      .then((r) => {
        const failed = r.jobs.filter((j) => !j.ok).length;
        // Routine rounds (the 1-minute refresh) stay at debug; failures were logged as warn.
        if (r.jobs.length > 0)
          logger.debug({ ran: r.jobs.length, failed }, 'policy jobs round done');
      })
      .catch((err: unknown) => {
        logger.warn({ err }, 'policy job round failed');
      })
      .finally(() => arm(intervalMs));
  };
  const arm = (delayMs: number): void => {
    if (stopped) return;
    timer = setTimeout(tick, delayMs);
    // The runner alone must not keep the process alive.
    timer.unref();
  };

  logger.info({ intervalMs }, 'job runner started (no background workers)');
  arm(options.initialDelayMs ?? 5_000);

  return {
    runAllOnce: () => enqueue(true),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await current.catch(() => undefined);
      logger.info('job runner stopped');
    },
  };
}
