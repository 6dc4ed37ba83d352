import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { PollIntervals, ReachabilityReason } from '@ipmi-monitor/schemas';
import { isCodedError } from '@ipmi-monitor/runtime';
import {
  DEFAULT_SCHEDULER_CONFIG,
  backoffDelay,
  batchWindow,
  completed,
  inFlightCount,
  initialSchedulerState,
  nextWakeAt,
  serversChanged,
  tick,
  validateSchedulerConfig,
  type PollJob,
  type ReachabilityDecision,
  type ScheduleServer,
  type SchedulerConfig,
  type SchedulerDeps,
  type SchedulerState,
} from './model.js';
import { seededRandom } from './random.js';
import { loadSchedulerConfig } from './config.js';
import { reachabilityEventId, toBmcReachabilityChanged } from './events.js';

const S = 1000;
const MIN = 60 * S;
const T0 = Date.UTC(2026, 0, 1);

const NO_INTERVALS: PollIntervals = {
  sensorsMs: null,
  selMs: null,
  powerMs: null,
  inventoryMs: null,
};

function server(i: number | string, extra: Partial<ScheduleServer> = {}): ScheduleServer {
  return {
    serverId: typeof i === 'number' ? `srv-${i}` : i,
    bmc: typeof i === 'number' ? `127.0.0.1:${16000 + i}` : `${i}:623`,
    enabled: true,
    pollIntervals: NO_INTERVALS,
    revision: 1,
    ...extra,
  };
}

function deps(config: Partial<SchedulerConfig> = {}, seed = 42): SchedulerDeps {
  return { config: { ...DEFAULT_SCHEDULER_CONFIG, ...config }, random: seededRandom(seed) };
}

/** A tiny harness: the scheduler plus a clock and helpers to finish jobs. */
class Sim {
  state: SchedulerState = initialSchedulerState();
  now = T0;
  running = new Map<string, PollJob>();
  events: ReachabilityDecision[] = [];
  constructor(readonly d: SchedulerDeps) {}
  set(servers: ScheduleServer[]) {
    this.state = serversChanged(this.state, servers, this.now, this.d).state;
  }
  tick(): PollJob[] {
    const r = tick(this.state, this.now, this.d);
    this.state = r.state;
    for (const j of r.start) this.running.set(j.jobId, j);
    return [...r.start];
  }
  finish(
    job: PollJob,
    outcome: 'ok' | 'failed' = 'ok',
    errorReason?: ReachabilityReason,
  ): ReachabilityDecision[] {
    this.running.delete(job.jobId);
    const r = completed(
      this.state,
      this.now,
      {
        jobId: job.jobId,
        serverId: job.serverId,
        outcome,
        errorReason,
        pollId: `poll-${job.jobId}`,
      },
      this.d,
    );
    this.state = r.state;
    this.events.push(...r.events);
    return [...r.events];
  }
  finishAll(outcome: 'ok' | 'failed' = 'ok', reason?: ReachabilityReason) {
    for (const j of [...this.running.values()]) this.finish(j, outcome, reason);
  }
  /** Advances in steps, ticking and completing every job immediately with `outcome`. */
  runFor(ms: number, step: number, outcome: (j: PollJob) => 'ok' | 'failed' = () => 'ok') {
    const started: PollJob[] = [];
    const end = this.now + ms;
    while (this.now < end) {
      for (const j of this.tick()) {
        started.push(j);
        this.finish(j, outcome(j), 'TIMEOUT');
      }
      this.now += step;
    }
    return started;
  }
}

test('50 servers added at once spread their first polls over the interval, then keep the phase', () => {
  const sim = new Sim(deps({ maxConcurrent: 50 }));
  sim.set(Array.from({ length: 50 }, (_, i) => server(i + 1)));
  const first = sim.runFor(MIN, S);
  assert.equal(first.length, 50, 'every server polled once in its first interval');
  const perSecond = new Map<number, number>();
  for (const j of first) {
    const sec = Math.floor((j.startedAt - T0) / S);
    perSecond.set(sec, (perSecond.get(sec) ?? 0) + 1);
  }
  assert.ok(Math.max(...perSecond.values()) <= 5, 'no burst: at most 5 starts in one second');
  assert.ok(perSecond.size >= 30, `spread over many seconds (${perSecond.size})`);
  // First contact reads everything, inventory included, in one session.
  for (const j of first) assert.deepEqual(j.kinds, ['SENSORS', 'SEL', 'POWER', 'INVENTORY']);

  const second = sim.runFor(MIN, S);
  assert.equal(second.length, 50);
  const firstAt = new Map(first.map((j) => [j.serverId, j.startedAt]));
  for (const j of second) {
    assert.equal(j.startedAt - (firstAt.get(j.serverId) ?? NaN), MIN, 'fixed rate, same phase');
    assert.deepEqual(j.kinds, ['SENSORS', 'SEL', 'POWER'], 'inventory waits for its day');
  }
});

test('inventory rides along with the regular poll once a day', () => {
  const sim = new Sim(deps());
  sim.set([server(1)]);
  const jobs = sim.runFor(24 * 60 * MIN + 2 * MIN, S);
  const inv = jobs.filter((j) => j.kinds.includes('INVENTORY'));
  assert.equal(inv.length, 2);
  assert.equal((inv[1]?.startedAt ?? 0) - (inv[0]?.startedAt ?? 0), 24 * 60 * MIN);
  assert.deepEqual(inv[1]?.kinds, ['SENSORS', 'SEL', 'POWER', 'INVENTORY']);
});

test('the global concurrency limit holds and the oldest due work goes first', () => {
  const sim = new Sim(deps({ maxConcurrent: 2, initialSpreadMaxMs: 0 }));
  sim.set([server(1), server(2), server(3)]);
  sim.now += 10 * S;
  sim.set([server(1), server(2), server(3), server(4)]); // srv-4 due later than 1..3
  let started = sim.tick();
  assert.equal(started.length, 2);
  assert.deepEqual(
    started.map((j) => j.serverId),
    ['srv-1', 'srv-2'],
  );
  assert.equal(inFlightCount(sim.state), 2);
  assert.deepEqual(sim.tick(), [], 'no free slot');
  assert.equal(nextWakeAt(sim.state, sim.d), null, 'wake on completion, not on a timer');
  const j1 = started[0];
  assert.ok(j1);
  sim.finish(j1);
  started = sim.tick();
  assert.deepEqual(
    started.map((j) => j.serverId),
    ['srv-3'],
  );
  sim.finishAll();
  assert.deepEqual(
    sim.tick().map((j) => j.serverId),
    ['srv-4'],
  );
});

test('never two sessions to one BMC, even across two server ids', () => {
  const sim = new Sim(deps({ initialSpreadMaxMs: 0 }));
  sim.set([server('a', { bmc: '10.0.0.5:623' }), server('b', { bmc: '10.0.0.5:623' })]);
  const first = sim.tick();
  assert.equal(first.length, 1);
  assert.deepEqual(sim.tick(), []);
  sim.finishAll();
  const second = sim.tick();
  assert.equal(second.length, 1);
  assert.notEqual(second[0]?.serverId, first[0]?.serverId);
});

test('an unreachable BMC goes DOWN once, is probed with capped exponential backoff, comes back UP', () => {
  const sim = new Sim(deps({ backoffJitter: 0, initialSpreadMaxMs: 0 }));
  sim.set([server(1)]);
  const [j] = sim.tick();
  assert.ok(j);
  const ev = sim.finish(j, 'failed', 'TIMEOUT');
  assert.deepEqual(ev, [
    {
      serverId: 'srv-1',
      occurredAt: T0,
      pollId: `poll-${j.jobId}`,
      reachable: false,
      previousReachable: null,
      reason: 'TIMEOUT',
      message: null,
      consecutiveFailures: 1,
      lastSuccessAt: null,
    },
  ]);

  const delays: number[] = [];
  let last = sim.now;
  for (let n = 0; n < 6; n++) {
    const wake = nextWakeAt(sim.state, sim.d);
    assert.ok(wake !== null);
    delays.push(wake - last);
    sim.now = wake - 1;
    assert.deepEqual(sim.tick(), [], 'not before the backoff ends');
    sim.now = wake;
    const [probe] = sim.tick();
    assert.deepEqual(probe?.kinds, ['REACHABILITY'], 'a DOWN BMC gets a probe, not four polls');
    assert.ok(probe);
    assert.deepEqual(sim.finish(probe, 'failed', 'TIMEOUT'), [], 'no repeated DOWN event');
    last = sim.now;
  }
  assert.deepEqual(
    delays.map((d) => d / MIN),
    [1, 2, 4, 8, 10, 10],
  );
  const s = sim.state.servers.get('srv-1');
  assert.equal(s?.consecutiveFailures, 7);

  // Recovery: the probe succeeds, UP is reported, the overdue kinds run in the next tick.
  sim.now = nextWakeAt(sim.state, sim.d) ?? NaN;
  const [probe] = sim.tick();
  assert.ok(probe);
  const up = sim.finish(probe, 'ok');
  assert.equal(up.length, 1);
  assert.equal(up[0]?.reachable, true);
  assert.equal(up[0]?.previousReachable, false);
  assert.equal(up[0]?.reason, null);
  assert.equal(up[0]?.lastSuccessAt, sim.now);
  const [resume] = sim.tick();
  assert.deepEqual(resume?.kinds, ['SENSORS', 'SEL', 'POWER', 'INVENTORY']);
  assert.ok(resume);
  assert.deepEqual(sim.finish(resume, 'ok'), [], 'UP to UP is not a change');
  // Back on the original grid (T0 + k minutes).
  const due = sim.state.servers.get('srv-1')?.nextDue.SENSORS ?? NaN;
  assert.equal((due - T0) % MIN, 0);
  assert.ok(due > sim.now);
});

test('UNKNOWN → UP is reported once when monitoring starts; UP → DOWN carries the reason', () => {
  const sim = new Sim(deps({ initialSpreadMaxMs: 0 }));
  sim.set([server(1)]);
  const [j] = sim.tick();
  assert.ok(j);
  const ev = sim.finish(j, 'ok');
  assert.equal(ev.length, 1);
  assert.equal(ev[0]?.previousReachable, null);
  sim.now += MIN;
  const [j2] = sim.tick();
  assert.ok(j2);
  const r = completed(
    sim.state,
    sim.now,
    { jobId: j2.jobId, serverId: 'srv-1', outcome: 'failed', errorReason: 'AUTH', message: 'x' },
    sim.d,
  );
  assert.equal(r.events[0]?.reason, 'AUTH');
  assert.equal(r.events[0]?.previousReachable, true);
  assert.equal(r.events[0]?.lastSuccessAt, T0);
  assert.equal(r.events[0]?.pollId, null);
  const s = r.state.servers.get('srv-1');
  assert.deepEqual(s?.reachability, {
    status: 'DOWN',
    since: sim.now,
    reason: 'AUTH',
    message: 'x',
  });
});

test('a failure without a reason is UNKNOWN', () => {
  const sim = new Sim(deps({ initialSpreadMaxMs: 0 }));
  sim.set([server(1)]);
  const [j] = sim.tick();
  assert.ok(j);
  const r = completed(
    sim.state,
    sim.now,
    { jobId: j.jobId, serverId: 'srv-1', outcome: 'failed' },
    sim.d,
  );
  assert.equal(r.events[0]?.reason, 'UNKNOWN');
});

test("a removed server's running job keeps its slot and BMC, and its result is ignored", () => {
  const sim = new Sim(deps({ maxConcurrent: 1, initialSpreadMaxMs: 0 }));
  sim.set([server(1)]);
  const [j] = sim.tick();
  assert.ok(j);
  const removed = serversChanged(sim.state, [server(2)], sim.now, sim.d);
  assert.deepEqual(removed.removed, ['srv-1']);
  assert.deepEqual(removed.added, ['srv-2']);
  sim.state = removed.state;
  assert.deepEqual(sim.tick(), [], 'the orphan still holds the only slot');
  // Re-added under a new id on the same BMC: still must wait for the old session.
  sim.set([server(2), server('again', { bmc: '127.0.0.1:16001' })]);
  const r = completed(
    sim.state,
    sim.now,
    { jobId: j.jobId, serverId: 'srv-1', outcome: 'failed' },
    sim.d,
  );
  assert.equal(r.ignored, true);
  assert.deepEqual(r.events, []);
  sim.state = r.state;
  assert.equal(inFlightCount(sim.state), 0);
  assert.equal(sim.tick().length, 1);
});

test('a late or duplicate completion changes nothing', () => {
  const sim = new Sim(deps({ initialSpreadMaxMs: 0 }));
  sim.set([server(1)]);
  const [j] = sim.tick();
  assert.ok(j);
  sim.finish(j);
  const before = sim.state;
  const r = completed(
    sim.state,
    sim.now,
    { jobId: j.jobId, serverId: 'srv-1', outcome: 'failed' },
    sim.d,
  );
  assert.equal(r.ignored, true);
  assert.equal(r.state, before);
  const u = completed(
    sim.state,
    sim.now,
    { jobId: 'nope#1', serverId: 'nope', outcome: 'ok' },
    sim.d,
  );
  assert.equal(u.ignored, true);
});

test('moving a server to another BMC orphans the old job and starts over on the new one', () => {
  const sim = new Sim(deps({ initialSpreadMaxMs: 0 }));
  sim.set([server(1)]);
  const [j] = sim.tick();
  assert.ok(j);
  sim.set([server(1, { bmc: '10.9.9.9:623', revision: 2 })]);
  const [j2] = sim.tick();
  assert.equal(j2?.bmc, '10.9.9.9:623', 'the new BMC is free');
  assert.ok(j2);
  assert.equal(sim.finish(j).length, 0, 'old result ignored');
  assert.equal(sim.finish(j2).length, 1, 'first observation of the new BMC');
});

test('per-server intervals: null is the default, 0 is off, short ones are raised to the minimum', () => {
  const sim = new Sim(deps({ initialSpreadMaxMs: 0, minIntervalMs: 5 * S }));
  sim.set([
    server(1, {
      pollIntervals: { sensorsMs: 30 * S, selMs: 0, powerMs: 1, inventoryMs: null },
    }),
  ]);
  const s = sim.state.servers.get('srv-1');
  assert.deepEqual(s?.intervalsMs, {
    SENSORS: 30 * S,
    SEL: 0,
    POWER: 5 * S,
    INVENTORY: 24 * 60 * MIN,
  });
  const jobs = sim.runFor(MIN, S);
  assert.ok(jobs.every((j) => !j.kinds.includes('SEL')));
  assert.equal(jobs.filter((j) => j.kinds.includes('SENSORS')).length, 2);
  assert.equal(jobs.filter((j) => j.kinds.includes('POWER')).length, 12);
});

test('interval changes: shortening takes effect now, a newly enabled kind joins the next session', () => {
  const sim = new Sim(deps({ initialSpreadMaxMs: 0 }));
  sim.set([server(1, { pollIntervals: { ...NO_INTERVALS, inventoryMs: 0, selMs: 0 } })]);
  sim.runFor(S, S);
  const before = sim.state.servers.get('srv-1');
  assert.equal(before?.nextDue.SENSORS, T0 + MIN);
  assert.equal(before?.nextDue.SEL, undefined);
  sim.set([
    server(1, {
      revision: 2,
      pollIntervals: { sensorsMs: 10 * S, selMs: null, powerMs: null, inventoryMs: 0 },
    }),
  ]);
  const after = sim.state.servers.get('srv-1');
  assert.equal(after?.nextDue.SENSORS, sim.now + 10 * S, 'shortened: not waiting out a minute');
  assert.equal(after?.nextDue.SEL, T0 + MIN, 'new kind joins the next session');
  assert.equal(after?.nextDue.POWER, T0 + MIN, 'unchanged');
});

test('a paused server is not polled; resuming gives it a fresh phase', () => {
  const sim = new Sim(deps());
  sim.set([server(1, { enabled: false })]);
  assert.deepEqual(sim.runFor(5 * MIN, S), []);
  assert.equal(nextWakeAt(sim.state, sim.d), null);
  sim.set([server(1, { enabled: true, revision: 2 })]);
  const jobs = sim.runFor(MIN, S);
  assert.equal(jobs.length, 1);
});

test('a new revision of a DOWN server is probed right away (someone fixed the password)', () => {
  const sim = new Sim(deps({ initialSpreadMaxMs: 0, backoffJitter: 0 }));
  sim.set([server(1)]);
  const [j] = sim.tick();
  assert.ok(j);
  sim.finish(j, 'failed', 'AUTH');
  sim.now += 5 * S;
  assert.deepEqual(sim.tick(), []);
  sim.set([server(1, { revision: 2 })]);
  const [probe] = sim.tick();
  assert.deepEqual(probe?.kinds, ['REACHABILITY']);
});

test('a server with every kind off is kept but never contacted', () => {
  const sim = new Sim(deps());
  sim.set([server(1, { pollIntervals: { sensorsMs: 0, selMs: 0, powerMs: 0, inventoryMs: 0 } })]);
  assert.deepEqual(sim.runFor(10 * MIN, 10 * S), []);
  assert.equal(sim.state.servers.size, 1);
});

test('a duplicated server id in one change keeps the first definition', () => {
  const sim = new Sim(deps());
  const r = serversChanged(sim.state, [server(1), server(1, { bmc: 'other:623' })], T0, sim.d);
  assert.equal(r.state.servers.get('srv-1')?.bmc, '127.0.0.1:16001');
  assert.deepEqual(r.added, ['srv-1']);
});

test('serversChanged with the same set reports no updates', () => {
  const sim = new Sim(deps());
  sim.set([server(1), server(2)]);
  const r = serversChanged(sim.state, [server(1), server(2)], sim.now + S, sim.d);
  assert.deepEqual([r.added, r.updated, r.removed], [[], [], []]);
});

test('nextWakeAt points at the earliest startable work', () => {
  const sim = new Sim(deps({ initialSpreadMaxMs: 0 }));
  assert.equal(nextWakeAt(sim.state, sim.d), null);
  sim.set([server(1)]);
  assert.equal(nextWakeAt(sim.state, sim.d), T0);
  sim.runFor(S, S);
  assert.equal(nextWakeAt(sim.state, sim.d), T0 + MIN);
});

test('tick returns the same state object when nothing starts', () => {
  const sim = new Sim(deps());
  sim.set([server(1)]);
  const s = sim.state;
  const r = tick(s, T0 - 1, sim.d);
  assert.equal(r.state, s);
});

test('backoffDelay stays within the jitter band and the cap', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 200 }),
      fc.integer({ min: 1000, max: 86_400_000 }),
      fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
      (n, base, r) => {
        const c = DEFAULT_SCHEDULER_CONFIG;
        const d = backoffDelay(n, base, c, r);
        const raw = Math.min(c.backoffMaxMs, base * 2 ** Math.min(n - 1, 30));
        assert.ok(d >= 1 && d <= c.backoffMaxMs);
        assert.ok(d >= Math.floor(raw * (1 - c.backoffJitter)) - 1);
        assert.ok(d <= Math.ceil(raw * (1 + c.backoffJitter)) + 1);
      },
    ),
  );
});

test('invalid configuration is a coded error', () => {
  for (const bad of [
    { maxConcurrent: 0 },
    { backoffJitter: 1 },
    { minIntervalMs: 0 },
    { defaultIntervalsMs: { ...DEFAULT_SCHEDULER_CONFIG.defaultIntervalsMs, SEL: -1 } },
  ]) {
    assert.throws(
      () => validateSchedulerConfig({ ...DEFAULT_SCHEDULER_CONFIG, ...bad }),
      (e: unknown) => isCodedError(e) && e.code === 'COL_SCHED_INVALID_CONFIG',
    );
  }
});

test('scheduler configuration from the environment', () => {
  const c = loadSchedulerConfig({ IPMI_POLL_CONCURRENCY: '4', IPMI_POLL_SEL_MS: '30000' });
  assert.equal(c.maxConcurrent, 4);
  assert.equal(c.defaultIntervalsMs.SEL, 30_000);
  assert.equal(c.defaultIntervalsMs.INVENTORY, 24 * 60 * MIN);
  assert.throws(
    () => loadSchedulerConfig({ IPMI_POLL_CONCURRENCY: '0' }),
    (e: unknown) =>
      isCodedError(e) && e.code === 'RT_CONFIG_INVALID' && /IPMI_POLL_CONCURRENCY/.test(e.message),
  );
});

test('reachability events get a deterministic id from (serverId, pollId)', () => {
  const d: ReachabilityDecision = {
    serverId: 'srv-1',
    occurredAt: T0,
    pollId: 'p1',
    reachable: false,
    previousReachable: true,
    reason: 'TIMEOUT',
    message: 'no answer',
    consecutiveFailures: 1,
    lastSuccessAt: T0 - MIN,
  };
  const e = toBmcReachabilityChanged(d, { source: 'collector@h', observedAt: T0 + 5 });
  assert.equal(e.eventId, reachabilityEventId({ ...d }));
  assert.notEqual(e.eventId, reachabilityEventId({ ...d, pollId: 'p2' }));
  assert.notEqual(
    reachabilityEventId({ ...d, pollId: null }),
    reachabilityEventId({ ...d, pollId: null, reachable: true }),
  );
  assert.equal(e.source, 'collector@h');
  assert.equal(e.observedAt, T0 + 5);
  assert.equal(e.reason, 'TIMEOUT');
});

// --- properties over random operation sequences ----------------------------------------------

type Op =
  | { op: 'tick'; advance: number }
  | { op: 'complete'; pick: number; ok: boolean; reason: ReachabilityReason }
  | { op: 'servers'; ids: number[]; bmcs: number[]; enabled: boolean[]; revision: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('tick' as const),
      advance: fc.integer({ min: 0, max: 3 * MIN }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('complete' as const),
      pick: fc.nat(),
      ok: fc.boolean(),
      reason: fc.constantFrom<ReachabilityReason>(
        'TIMEOUT',
        'AUTH',
        'REFUSED',
        'PROTOCOL',
        'UNKNOWN',
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('servers' as const),
      ids: fc.uniqueArray(fc.integer({ min: 1, max: 12 }), { maxLength: 12 }),
      bmcs: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 12, maxLength: 12 }),
      enabled: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
      revision: fc.integer({ min: 1, max: 5 }),
    }),
  },
);

/** Totals over all property runs, to check the generators reach the interesting paths. */
const seen = { starts: 0, probes: 0, down: 0, up: 0, orphans: 0 };

function runOps(ops: Op[], seed: number, maxConcurrent: number) {
  const d = deps({ maxConcurrent }, seed);
  let state = initialSchedulerState();
  let now = T0;
  const running: PollJob[] = [];
  const trace: unknown[] = [];
  const lastEvent = new Map<string, boolean>();
  const config = new Map<string, ScheduleServer>();
  for (const o of ops) {
    if (o.op === 'tick') {
      now += o.advance;
      const before = state;
      const r = tick(state, now, d);
      state = r.state;
      for (const j of r.start) {
        const slot = before.servers.get(j.serverId);
        assert.ok(
          slot && slot.enabled && !slot.inFlight,
          'only idle, enabled, known servers start',
        );
        if (j.kinds[0] !== 'REACHABILITY') {
          for (const k of j.kinds) {
            if (k === 'REACHABILITY' || k === 'UNKNOWN') continue;
            const due = slot.nextDue[k];
            assert.ok(
              due !== undefined && due <= now + batchWindow(slot.intervalsMs[k], d.config),
              'started work was due',
            );
          }
        } else {
          assert.equal(slot.reachability.status, 'DOWN');
        }
        running.push(j);
        seen.starts++;
        if (j.kinds[0] === 'REACHABILITY') seen.probes++;
      }
      trace.push(r.start);
    } else if (o.op === 'complete') {
      if (running.length === 0) continue;
      const [j] = running.splice(o.pick % running.length, 1);
      assert.ok(j);
      const r = completed(
        state,
        now,
        {
          jobId: j.jobId,
          serverId: j.serverId,
          outcome: o.ok ? 'ok' : 'failed',
          errorReason: o.reason,
          pollId: j.jobId,
        },
        d,
      );
      state = r.state;
      for (const e of r.events) {
        assert.notEqual(lastEvent.get(e.serverId), e.reachable, 'events alternate per server');
        lastEvent.set(e.serverId, e.reachable);
        assert.equal(e.reachable, o.ok);
        if (e.reachable) seen.up++;
        else seen.down++;
      }
      trace.push(r.events);
    } else {
      const servers = o.ids.map((id, i) =>
        server(id, {
          bmc: `bmc-${o.bmcs[i] ?? 0}:623`,
          enabled: o.enabled[i] ?? true,
          revision: o.revision,
        }),
      );
      const r = serversChanged(state, servers, now, d);
      state = r.state;
      seen.orphans += state.orphans.size;
      for (const id of r.removed) lastEvent.delete(id);
      for (const s of servers) {
        const prev = config.get(s.serverId);
        if (prev && prev.bmc !== s.bmc) lastEvent.delete(s.serverId);
      }
      config.clear();
      for (const s of servers) config.set(s.serverId, s);
      trace.push([r.added, r.updated, r.removed]);
    }
    // Invariants after every step.
    const inFlight = [
      ...[...state.servers.values()].flatMap((s) => (s.inFlight ? [s.inFlight] : [])),
      ...state.orphans.values(),
    ];
    assert.ok(inFlight.length <= maxConcurrent, 'global limit');
    assert.equal(new Set(inFlight.map((j) => j.bmc)).size, inFlight.length, 'one session per BMC');
    assert.equal(inFlight.length, running.length, 'the model and the handler agree on what runs');
    for (const s of state.servers.values()) {
      for (const v of Object.values(s.nextDue)) assert.ok(Number.isFinite(v));
      if (s.reachability.status === 'DOWN')
        assert.ok(s.probeAt !== null && s.consecutiveFailures > 0);
    }
  }
  return trace;
}

test('property: limits, one session per BMC, due-only starts, alternating events', () => {
  fc.assert(
    fc.property(
      fc.array(opArb, { minLength: 10, maxLength: 150, size: 'max' }),
      fc.integer(),
      fc.integer({ min: 1, max: 6 }),
      (ops, seed, max) => {
        runOps(ops, seed, max);
      },
    ),
    { numRuns: 300 },
  );
  for (const [k, v] of Object.entries(seen)) assert.ok(v > 0, `the generators never produced ${k}`);
});

test('property: the same seed and inputs give the same decisions', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 80, size: 'max' }), fc.integer(), (ops, seed) => {
      assert.deepEqual(runOps(ops, seed, 3), runOps(ops, seed, 3));
    }),
    { numRuns: 100 },
  );
});

test('property: every reachable server is polled at least once per interval (no starvation)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 8 }),
      fc.integer(),
      (n, max, seed) => {
        // Each poll takes 2 s; n × 2 s ≤ max × 60 s leaves enough capacity for all.
        fc.pre(n * 2 <= max * 60);
        const d = deps({ maxConcurrent: max }, seed);
        let state = serversChanged(
          initialSchedulerState(),
          Array.from({ length: n }, (_, i) => server(i + 1)),
          T0,
          d,
        ).state;
        const running: { job: PollJob; endsAt: number }[] = [];
        const last = new Map<string, number>();
        let worstGap = 0;
        for (let now = T0; now < T0 + 5 * MIN; now += 500) {
          for (let i = running.length - 1; i >= 0; i--) {
            const r = running[i];
            if (r && r.endsAt <= now) {
              state = completed(
                state,
                now,
                { jobId: r.job.jobId, serverId: r.job.serverId, outcome: 'ok' },
                d,
              ).state;
              running.splice(i, 1);
            }
          }
          const t = tick(state, now, d);
          state = t.state;
          for (const job of t.start) {
            const prev = last.get(job.serverId);
            if (prev !== undefined) worstGap = Math.max(worstGap, now - prev);
            last.set(job.serverId, now);
            running.push({ job, endsAt: now + 2 * S });
          }
        }
        assert.equal(last.size, n, 'every server polled');
        // Late by at most a queue of everyone else's polls (2 s each, 0.5 s tick granularity).
        assert.ok(worstGap <= MIN + n * 2.5 * S, `gap ${worstGap}`);
      },
    ),
    { numRuns: 60 },
  );
});
