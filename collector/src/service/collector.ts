/**
 * The collector process: follows the server configuration topic, runs the poll scheduler,
 * runs its jobs in rounds through the drivers and publishes what they read.
 *
 * Delivery: everything one round produced (readings, SEL entries, poll outcomes, power,
 * inventory, reachability changes and the new SEL cursors) goes out in ONE Kafka
 * transaction. The cursor of a SEL is therefore on `ipmi.cursors.v1` exactly when the
 * entries it covers are on `ipmi.sel.v1`; a collector that restarts (or crashes mid-round)
 * reads the committed cursors back and resumes after the last published entry, so no entry
 * is published twice and none is skipped. The transactional id is per collector instance:
 * starting it again fences the old process and aborts its open transaction before the
 * cursors are read.
 *
 * Back-pressure: while the broker is unreachable, transactions are retried in order, and no
 * new round starts once `maxPendingPublishes` rounds wait. Polling resumes when the broker
 * is back, and nothing read before is lost or reordered.
 */
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry, type Seam } from '@ipmi-monitor/runtime';
import type { SeverityRule } from '@ipmi-monitor/ipmi';
import type { SelCursorSaved, ServerConfigured } from '@ipmi-monitor/schemas';
import { createDriver } from '../drivers/index.js';
import type { BmcTarget } from '../drivers/types.js';
import type { CredentialStore } from '../credentials/store.js';
import {
  decideJob,
  type ClockOffset,
  type HeldCursor,
  type JobContext,
  type JobOutcome,
} from '../poll/model.js';
import {
  completed,
  initialSchedulerState,
  nextWakeAt,
  serversChanged,
  tick,
  inFlightCount,
  type PollJob,
  type SchedulerConfig,
  type SchedulerDeps,
  type SchedulerState,
} from '../schedule/model.js';
import { toBmcReachabilityChanged } from '../schedule/events.js';
import {
  applyServerEvent,
  configOf,
  emptyRegistry,
  foldServerEvents,
  toScheduleServers,
  type ServerEvent,
  type ServerRegistry,
} from '../servers/registry.js';
import { runRound, type RoundJob } from './round.js';

export const COLLECTOR_TOPICS = [
  'ipmi.servers.v1',
  'ipmi.readings.v1',
  'ipmi.sel.v1',
  'ipmi.polls.v1',
  'ipmi.inventory.v1',
  'ipmi.cursors.v1',
] as const;

export interface CollectorOptions {
  readonly seam: Seam;
  readonly credentials: CredentialStore;
  readonly logger: Logger;
  readonly metrics?: Registry | undefined;
  /** Names this collector: its transactional id and consumer group derive from it. */
  readonly instanceId: string;
  readonly scheduler: SchedulerConfig;
  /** Hard deadline of one tool run (the process tree is killed after it). */
  readonly toolTimeoutMs: number;
  readonly sdrCacheDir: string;
  /** FreeIPMI `--fanout` (hosts per process in parallel); 0 runs every host on its own. */
  readonly fanout: number;
  /** Jobs due within this long are started together, so they share fan-out processes. */
  readonly gatherMs: number;
  readonly binDir?: string | undefined;
  readonly overrides?: readonly SeverityRule[] | undefined;
  readonly maxPendingPublishes?: number | undefined;
  /** How long `stop` waits for rounds still being published (default 10 s). */
  readonly stopTimeoutMs?: number | undefined;
  readonly random?: (() => number) | undefined;
  readonly now?: (() => number) | undefined;
}

export interface CollectorStats {
  rounds: number;
  jobs: number;
  polls: Record<string, number>;
  published: number;
  publishFailures: number;
}

export interface RunningCollector {
  readonly stats: Readonly<CollectorStats>;
  /** Stops polling, kills tools in flight, publishes what finished, and returns. */
  stop(): Promise<void>;
}

const DCMI_RECHECK_MS = 24 * 60 * 60 * 1000;

function toolVersion(bin: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: 5000 }, (err, stdout, stderr) => {
      const text = `${stdout}\n${stderr}`;
      const m = /(\d+\.\d+\.\d+)/.exec(text);
      resolve(err !== null && m === null ? null : m === null ? null : m[1]!);
    });
  });
}

function privilegeOf(c: ServerConfigured): BmcTarget['privilege'] {
  switch (c.privilegeLevel) {
    case 'USER':
      return 'USER';
    case 'OPERATOR':
      return 'OPERATOR';
    case 'ADMINISTRATOR':
      return 'ADMIN';
    default:
      return undefined;
  }
}

function collectorMetrics(registry: Registry | undefined) {
  const registers = registry === undefined ? [] : [registry];
  return {
    polls: new Counter({
      name: 'ipmi_collector_polls_total',
      help: 'Polls completed, by kind and outcome.',
      labelNames: ['kind', 'outcome'],
      registers,
    }),
    pollSeconds: new Histogram({
      name: 'ipmi_collector_poll_duration_seconds',
      help: 'Wall-clock duration of a poll job (one BMC session, all its kinds).',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30],
      registers,
    }),
    events: new Counter({
      name: 'ipmi_collector_events_published_total',
      help: 'Events published, by topic.',
      labelNames: ['topic'],
      registers,
    }),
    publishFailures: new Counter({
      name: 'ipmi_collector_publish_failures_total',
      help: 'Round transactions that failed and were retried.',
      registers,
    }),
    parseIssues: new Counter({
      name: 'ipmi_collector_parse_issues_total',
      help: 'Tool output lines that did not parse (counted as itemsFailed of their poll).',
      labelNames: ['read'],
      registers,
    }),
    inFlight: new Gauge({
      name: 'ipmi_collector_jobs_in_flight',
      help: 'BMC sessions in flight.',
      registers,
    }),
    servers: new Gauge({
      name: 'ipmi_collector_servers',
      help: 'Servers configured, by reachability.',
      labelNames: ['status'],
      registers,
    }),
  };
}

function heldFrom(v: SelCursorSaved): HeldCursor {
  return {
    bmc: v.bmc,
    cursor: {
      tail: v.tail,
      lastRecordNumber: v.lastRecordId,
      entryCount: v.entryCount,
      lastEraseRaw: v.lastEraseRaw,
      overflow: v.overflow,
      clears: v.clears,
    },
  };
}

export async function startCollector(o: CollectorOptions): Promise<RunningCollector> {
  const log = o.logger.child({ component: 'collector' });
  const now = o.now ?? Date.now;
  const deps: SchedulerDeps = { config: o.scheduler, random: o.random ?? Math.random };
  const source = `collector@${hostname()}`;
  const metrics = collectorMetrics(o.metrics);
  const stats: CollectorStats = { rounds: 0, jobs: 0, polls: {}, published: 0, publishFailures: 0 };
  const abort = new AbortController();
  const driverOptions = { signal: abort.signal, binDir: o.binDir };
  const drivers = {
    freeipmi: createDriver('freeipmi', driverOptions),
    ipmitool: createDriver('ipmitool', driverOptions),
  };
  const maxPending = o.maxPendingPublishes ?? 4;

  let sched: SchedulerState = initialSchedulerState();
  let registry: ServerRegistry = emptyRegistry();
  const cursors = new Map<string, HeldCursor>();
  const clocks = new Map<string, ClockOffset>();
  const noDcmiUntil = new Map<string, number>();
  const rounds = new Set<Promise<void>>();
  let pendingPublishes = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;

  await o.seam.ensureTopics([...COLLECTOR_TOPICS]);
  // Before reading the cursors: this fences a previous instance and aborts its open
  // transaction, so the cursors read below are final.
  const producer = await o.seam.transactionalProducer(`collector-${o.instanceId}`);
  for (const m of await o.seam.readAll('ipmi.cursors.v1')) {
    const v = m.event.value as SelCursorSaved;
    cursors.set(v.serverId, heldFrom(v));
  }
  const versions = {
    FREEIPMI: await toolVersion('ipmi-sensors', ['--version']).then((v) =>
      v === null ? null : `FreeIPMI ${v}`,
    ),
    IPMITOOL: await toolVersion('ipmitool', ['-V']).then((v) =>
      v === null ? null : `ipmitool ${v}`,
    ),
  };

  const applyServers = () => {
    const r = serversChanged(sched, toScheduleServers(registry), now(), deps);
    sched = r.state;
    for (const id of r.removed) {
      cursors.delete(id);
      clocks.delete(id);
    }
    if (r.added.length + r.updated.length + r.removed.length > 0) {
      log.info(
        { added: r.added.length, updated: r.updated.length, removed: r.removed.length },
        'server set changed',
      );
    }
    updateServerGauge();
    wake();
  };

  const updateServerGauge = () => {
    const counts = { UP: 0, DOWN: 0, UNKNOWN: 0 };
    for (const s of sched.servers.values()) counts[s.reachability.status] += 1;
    for (const [status, n] of Object.entries(counts)) metrics.servers.set({ status }, n);
    metrics.inFlight.set(inFlightCount(sched));
  };

  const wake = () => {
    if (stopping) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (pendingPublishes >= maxPending) return; // resumed when a publish finishes
    const at = nextWakeAt(sched, deps);
    if (at === null) return;
    // Polls already overdue (a busy collector) start at once; waiting for more to gather
    // only pays off when the next one is not due yet.
    const wait = at - now();
    timer = setTimeout(onTimer, wait <= 0 ? 0 : wait + o.gatherMs);
  };

  const onTimer = () => {
    timer = undefined;
    if (stopping) return;
    const r = tick(sched, now(), deps);
    sched = r.state;
    if (r.start.length > 0) {
      const round = runJobs(r.start).catch((err: unknown) => {
        log.error({ err }, 'poll round failed outside a job');
      });
      rounds.add(round);
      void round.finally(() => rounds.delete(round));
    }
    updateServerGauge();
    wake();
  };

  const prepare = async (job: PollJob) => {
    const config = configOf(registry, job.serverId);
    if (config === null) return { job, config: null, target: null, error: null };
    try {
      const cred = await o.credentials.get(job.serverId, { minVersion: config.credentialVersion });
      const target: BmcTarget = {
        host: config.host,
        port: config.port,
        username: cred.username,
        password: cred.password.reveal(),
        privilege: privilegeOf(config),
        cipherSuite: config.cipherSuite ?? undefined,
        workaroundFlags: config.workaroundFlags,
        timeoutMs: o.toolTimeoutMs,
        sdrCacheDir: o.sdrCacheDir,
      };
      return { job, config, target, error: null };
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'COL_CRED_NOT_FOUND';
      return {
        job,
        config,
        target: null,
        error: { code, message: (err as Error).message, blamesBmc: true },
      };
    }
  };

  const runJobs = async (jobs: readonly PollJob[]) => {
    const prepared = await Promise.all(jobs.map(prepare));
    const roundJobs: RoundJob[] = [];
    for (const p of prepared) {
      if (p.config !== null && p.target !== null) {
        roundJobs.push({
          job: p.job,
          config: p.config,
          target: p.target,
          cursor: cursors.get(p.job.serverId) ?? null,
          clock: clocks.get(p.job.serverId) ?? null,
          dcmi: (noDcmiUntil.get(p.job.serverId) ?? 0) <= now(),
        });
      }
    }
    let results: Awaited<ReturnType<typeof runRound>>;
    let roundError: { code: string; message: string; blamesBmc: false } | undefined;
    try {
      results = await runRound(roundJobs, { drivers, fanout: fanoutOptions, now });
    } catch (err) {
      // A bug, not a BMC fault. Every job must still complete, or its server would hold a
      // concurrency slot and never be polled again.
      log.error({ err }, 'poll round failed');
      results = new Map();
      roundError = { code: 'COL_INTERNAL', message: String(err), blamesBmc: false };
    }
    if (stopping) return; // killed mid-round: nothing of it is published; cursors stay put
    stats.rounds += 1;
    const batch: JobOutcome[] = [];
    for (const p of prepared) {
      const config = p.config;
      if (config === null) {
        sched = completed(
          sched,
          now(),
          { jobId: p.job.jobId, serverId: p.job.serverId, outcome: 'ok' },
          deps,
        ).state;
        continue;
      }
      const reads = results.get(p.job.jobId);
      const jobCtx: JobContext = {
        job: p.job,
        pollIds: Object.fromEntries(p.job.kinds.map((k) => [k, randomUUID()])),
        driver: config.driver === 'IPMITOOL' ? 'IPMITOOL' : 'FREEIPMI',
        driverVersion: config.driver === 'IPMITOOL' ? versions.IPMITOOL : versions.FREEIPMI,
        source,
        finishedAt: reads?.finishedAt ?? now(),
        cursor: cursors.get(p.job.serverId) ?? null,
        clock: clocks.get(p.job.serverId) ?? null,
        overrides: o.overrides,
        preflightError: p.error ?? roundError,
      };
      let outcome: JobOutcome;
      try {
        outcome = decideJob(reads?.reads ?? {}, jobCtx);
      } catch (err) {
        // Same as above for one job: its polls are FAILED and its SEL cursor stays where
        // it was, so the entries it could not process are read again next time.
        log.error({ err, serverId: p.job.serverId }, 'processing a poll failed');
        outcome = decideJob(
          {},
          {
            ...jobCtx,
            preflightError: { code: 'COL_INTERNAL', message: String(err), blamesBmc: false },
          },
        );
      }
      const done = completed(sched, now(), outcome.result, deps);
      sched = done.state;
      if (done.ignored) continue; // the server was removed or moved while it was polled
      for (const d of done.events) {
        outcome.events.polls.push({
          type: 'BmcReachabilityChanged',
          value: toBmcReachabilityChanged(d, { source, observedAt: now() }),
        });
        log.info(
          { serverId: d.serverId, reachable: d.reachable, reason: d.reason, message: d.message },
          d.reachable ? 'BMC reachable' : 'BMC unreachable',
        );
      }
      // Held in memory at once: the next poll of this SEL must resume after these entries
      // even before their transaction commits (transactions commit in order).
      if (outcome.cursor !== null) cursors.set(p.job.serverId, outcome.cursor);
      if (outcome.clock !== null) clocks.set(p.job.serverId, outcome.clock);
      if (reads?.reads.dcmiPower?.error?.code === 'COL_BMC_PROTOCOL') {
        noDcmiUntil.set(p.job.serverId, now() + DCMI_RECHECK_MS);
      }
      for (const { read, issue } of outcome.issues) {
        metrics.parseIssues.inc({ read });
        log.warn(
          { serverId: p.job.serverId, read, line: issue.line, code: issue.code },
          issue.message,
        );
      }
      for (const e of outcome.events.polls) {
        if (e.type !== 'PollCompleted') continue;
        metrics.polls.inc({ kind: e.value.kind, outcome: e.value.outcome });
        stats.polls[e.value.kind] = (stats.polls[e.value.kind] ?? 0) + 1;
      }
      metrics.pollSeconds.observe(((reads?.finishedAt ?? now()) - p.job.startedAt) / 1000);
      stats.jobs += 1;
      batch.push(outcome);
    }
    updateServerGauge();
    publish(batch);
    wake();
  };

  // Rounds that finish while a transaction is open wait in `queue` and go out together in
  // the next one: fewer transactions under load, and their order is kept.
  const queue: (readonly JobOutcome[])[] = [];
  let draining: Promise<void> | null = null;

  const publish = (batch: readonly JobOutcome[]) => {
    if (batch.length === 0) return;
    queue.push(batch);
    pendingPublishes += 1;
    draining ??= drain().finally(() => {
      draining = null;
    });
  };

  const drain = async () => {
    while (queue.length > 0) {
      const rounds = queue.splice(0);
      const batch = rounds.flat();
      await publishOnce(batch);
      pendingPublishes -= rounds.length;
      wake();
    }
  };

  const publishOnce = async (batch: readonly JobOutcome[]) => {
    const readings = batch.flatMap((b) =>
      b.events.readings.map((value) => ({ type: 'SensorReadingRecorded' as const, value })),
    );
    const sel = batch.flatMap((b) => b.events.sel);
    const polls = batch.flatMap((b) => b.events.polls);
    const inventory = batch.flatMap((b) =>
      b.events.inventory.map((value) => ({ type: 'InventoryCollected' as const, value })),
    );
    const cursorEvents = batch.flatMap((b) =>
      b.events.cursors.map((value) => ({ type: 'SelCursorSaved' as const, value })),
    );
    const total =
      readings.length + sel.length + polls.length + inventory.length + cursorEvents.length;
    if (total === 0) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await producer.transaction(async (tx) => {
          if (readings.length > 0) await tx.send('ipmi.readings.v1', readings);
          if (sel.length > 0) await tx.send('ipmi.sel.v1', sel);
          if (polls.length > 0) await tx.send('ipmi.polls.v1', polls);
          if (inventory.length > 0) await tx.send('ipmi.inventory.v1', inventory);
          if (cursorEvents.length > 0) await tx.send('ipmi.cursors.v1', cursorEvents);
        });
        stats.published += total;
        metrics.events.inc({ topic: 'ipmi.readings.v1' }, readings.length);
        metrics.events.inc({ topic: 'ipmi.sel.v1' }, sel.length);
        metrics.events.inc({ topic: 'ipmi.polls.v1' }, polls.length);
        metrics.events.inc({ topic: 'ipmi.inventory.v1' }, inventory.length);
        return;
      } catch (err) {
        stats.publishFailures += 1;
        metrics.publishFailures.inc();
        if (stopping) {
          // Not lost for good: the cursors were not committed either, so the next start
          // reads these SEL entries again. Readings of these polls are gone.
          log.error({ err, events: total }, 'giving up publishing at shutdown');
          return;
        }
        const delay = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6));
        log.warn({ err, attempt, delayMs: delay }, 'publishing polls failed; retrying');
        // Abortable, so a stop during the wait does not keep the process alive.
        const waited = await sleep(delay, true, { signal: abort.signal }).catch(() => false);
        if (!waited) return;
      }
    }
  };

  const fanoutOptions = o.fanout > 0 ? { ...driverOptions, fanout: o.fanout } : null;

  // Server set: the compacted topic read to its end, then followed. The group resumes where
  // the previous run stopped; events seen twice are ignored by revision.
  registry = foldServerEvents(
    (await o.seam.readAll('ipmi.servers.v1')).map((m) => m.event as ServerEvent),
  );
  applyServers();
  const consumer = await o.seam.consume(
    {
      groupId: `collector-${o.instanceId}-servers`,
      topics: ['ipmi.servers.v1'],
      fromBeginning: true,
    },
    (msg) => {
      const { registry: next, change } = applyServerEvent(registry, msg.event);
      registry = next;
      if (change.kind === 'ignored') return Promise.resolve();
      // A cursor names its BMC, so a moved server starts a fresh SEL by itself; the clock
      // offset does not, and belongs to the old BMC.
      if (
        change.kind === 'changed' &&
        change.changedFields.some((f) => f === 'host' || f === 'port')
      ) {
        clocks.delete(change.serverId);
      }
      applyServers();
      return Promise.resolve();
    },
  );
  log.info(
    { servers: sched.servers.size, cursors: cursors.size, fanout: o.fanout, versions },
    'collector started',
  );

  return {
    stats,
    async stop() {
      if (stopping) return;
      stopping = true;
      if (timer !== undefined) clearTimeout(timer);
      await consumer.stop();
      abort.abort();
      await Promise.allSettled([...rounds]);
      // With the broker away, an open transaction retries for as long as the client allows;
      // shutdown must not wait that long. What is not committed is read again next start.
      let limit: NodeJS.Timeout | undefined;
      const gaveUp = await Promise.race([
        (draining ?? Promise.resolve()).then(() => false),
        new Promise<boolean>((r) => (limit = setTimeout(() => r(true), o.stopTimeoutMs ?? 10_000))),
      ]);
      clearTimeout(limit);
      if (gaveUp) {
        log.warn({ pending: pendingPublishes }, 'stopping with rounds not yet published');
      }
      await producer.close();
      log.info({ stats }, 'collector stopped');
    },
  };
}
