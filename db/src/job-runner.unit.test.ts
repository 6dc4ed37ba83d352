import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Database, JobInfo } from './database.js';
import { isDue, orderJobs, startJobRunner } from './job-runner.js';
import { testLogger } from '@ipmi-monitor/runtime/testing';

function job(jobId: number, procName: string, over: Partial<JobInfo> = {}): JobInfo {
  return {
    jobId,
    applicationName: `${procName} [${jobId}]`,
    procSchema: '_timescaledb_functions',
    procName,
    scheduled: true,
    scheduleIntervalSeconds: 60,
    hypertableSchema: 'public',
    hypertableName: 'readings',
    config: {},
    ...over,
  };
}

const JOBS = [
  job(3, 'policy_job_stat_history_retention', { scheduleIntervalSeconds: 86_400 }),
  job(1001, 'policy_retention', { scheduleIntervalSeconds: 86_400 }),
  job(1000, 'policy_compression', { scheduleIntervalSeconds: 43_200 }),
  job(1005, 'policy_refresh_continuous_aggregate', { hypertableName: 'readings_1h' }),
  job(1002, 'policy_refresh_continuous_aggregate', { hypertableName: 'readings_1m' }),
  job(1009, 'policy_retention', { scheduled: false }),
];

const logger = testLogger('db-unit');

describe('orderJobs', () => {
  test('refresh (oldest aggregate first), compression, retention, the rest; paused jobs skipped', () => {
    assert.deepEqual(
      orderJobs(JOBS).map((j) => j.jobId),
      [1002, 1005, 1000, 1001, 3],
    );
  });
});

describe('isDue', () => {
  test('never ran here: due', () => assert.equal(isDue(undefined, 3600, 0), true));
  test('interval not yet over', () => assert.equal(isDue(1_000, 60, 60_999), false));
  test('interval over', () => assert.equal(isDue(1_000, 60, 61_000), true));
});

/** A database that only records what the runner asks of it. */
function fakeDb(over: { hasBackgroundWorkers?: boolean; failJob?: number; jobs?: JobInfo[] } = {}) {
  const calls: string[] = [];
  const db = {
    kind: 'embedded',
    hasBackgroundWorkers: over.hasBackgroundWorkers ?? false,
    timescaleVersion: 'test',
    jobs: () => Promise.resolve(over.jobs ?? JOBS),
    runJob: (id: number) => {
      calls.push(`job ${id}`);
      return id === over.failJob ? Promise.reject(new Error('job exploded')) : Promise.resolve();
    },
    exec: (sql: string) => {
      calls.push(sql);
      return Promise.resolve();
    },
  } as unknown as Database;
  return { db, calls };
}

describe('startJobRunner', () => {
  test('runs every scheduled job in order, then ANALYZE', async () => {
    const { db, calls } = fakeDb();
    const runner = startJobRunner(db, { logger, initialDelayMs: 1e9 });
    const report = await runner.runAllOnce();
    await runner.stop();
    assert.deepEqual(calls, ['job 1002', 'job 1005', 'job 1000', 'job 1001', 'job 3', 'ANALYZE']);
    assert.equal(report.analyzed, true);
    assert.ok(report.jobs.every((j) => j.ok));
  });

  test('a failing job is reported and does not stop the others', async () => {
    const { db, calls } = fakeDb({ failJob: 1002 });
    const runner = startJobRunner(db, { logger, initialDelayMs: 1e9 });
    const report = await runner.runAllOnce();
    await runner.stop();
    assert.deepEqual(calls.slice(0, 5), ['job 1002', 'job 1005', 'job 1000', 'job 1001', 'job 3']);
    const failed = report.jobs.filter((j) => !j.ok);
    assert.deepEqual(
      failed.map((j) => [j.jobId, j.error]),
      [[1002, 'job exploded']],
    );
  });

  test('the first timer round runs every job (all are due after a start)', async () => {
    const { db, calls } = fakeDb();
    const runner = startJobRunner(db, { logger, initialDelayMs: 0, intervalMs: 1e9 });
    for (let i = 0; i < 400 && !calls.includes('ANALYZE'); i++)
      await new Promise((r) => setTimeout(r, 5));
    await runner.stop();
    assert.deepEqual(calls, ['job 1002', 'job 1005', 'job 1000', 'job 1001', 'job 3', 'ANALYZE']);
  });

  test('later timer rounds run only the jobs whose interval has passed', async () => {
    const jobs = [
      job(1, 'policy_refresh_continuous_aggregate', { scheduleIntervalSeconds: 0 }),
      job(2, 'policy_compression', { scheduleIntervalSeconds: 3600 }),
    ];
    const { db, calls } = fakeDb({ jobs });
    const timed = startJobRunner(db, { logger, initialDelayMs: 0, intervalMs: 10 });
    const deadline = Date.now() + 5_000;
    while (calls.filter((c) => c === 'job 1').length < 3 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await timed.stop();
    assert.ok(calls.filter((c) => c === 'job 1').length >= 3, 'the 0-second job runs every round');
    assert.equal(calls.filter((c) => c === 'job 2').length, 1, 'the hourly job ran once');
    assert.equal(calls.filter((c) => c === 'ANALYZE').length, 1, 'ANALYZE ran once (hourly)');
  });

  test('with background workers it does nothing', async () => {
    const { db, calls } = fakeDb({ hasBackgroundWorkers: true });
    const runner = startJobRunner(db, { logger, initialDelayMs: 0 });
    const report = await runner.runAllOnce();
    await runner.stop();
    assert.deepEqual(report.jobs, []);
    assert.deepEqual(calls, []);
  });
});
