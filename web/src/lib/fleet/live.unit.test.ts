import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from '../types';
import {
  RefreshScheduler,
  Tombstones,
  applyPatch,
  isoOf,
  listToMap,
  loadAllPages,
  mergeServers,
  planEvent,
  type Timers,
} from './live';

const base = {
  serverId: 's1',
  name: 's1',
  health: 'OK',
  lastPollAt: '2026-11-29T10:00:00.000Z',
  powerState: 'ON',
  powerWatts: 200,
} as Server;

describe('what a live event means for the list', () => {
  it('a poll moves the last poll time forward in place, never back', () => {
    const at = Date.parse('2026-11-29T10:00:30.000Z');
    const plan = planEvent(
      { type: 'PollCompleted', data: { serverId: 's1', occurredAt: at, outcome: 'OK' } },
      base,
    );
    assert.deepEqual(plan, {
      kind: 'patch',
      serverId: 's1',
      patch: { lastPollAt: '2026-11-29T10:00:30.000Z' },
      refetch: false,
    });
    const older = planEvent(
      { type: 'PollCompleted', data: { serverId: 's1', occurredAt: at - 60_000, outcome: 'OK' } },
      base,
    );
    assert.deepEqual(older.kind === 'patch' && older.patch, {});
  });
  it('a failed poll, an unknown server or one not yet judged is fetched again', () => {
    const poll = (outcome: string) => ({
      type: 'PollCompleted',
      data: { serverId: 's1', occurredAt: 1, outcome },
    });
    assert.equal((planEvent(poll('FAILED'), base) as { refetch: boolean }).refetch, true);
    assert.equal((planEvent(poll('OK'), undefined) as { refetch: boolean }).refetch, true);
    assert.equal(
      (planEvent(poll('OK'), { ...base, health: 'UNKNOWN' }) as { refetch: boolean }).refetch,
      true,
    );
  });
  it('power readings patch the state and watts', () => {
    const plan = planEvent(
      {
        type: 'ChassisPowerObserved',
        data: { serverId: 's1', powerState: 'OFF', dcmiWatts: null },
      },
      base,
    );
    assert.deepEqual(plan, {
      kind: 'patch',
      serverId: 's1',
      patch: { powerState: 'OFF', powerWatts: null },
      refetch: false,
    });
  });
  it('alerts, reachability and configuration re-fetch; removal drops; no id reloads', () => {
    for (const type of [
      'AlertRaised',
      'AlertUpdated',
      'AlertResolved',
      'BmcReachabilityChanged',
      'ServerConfigured',
    ]) {
      assert.deepEqual(planEvent({ type, data: { serverId: 's1' } }, base), {
        kind: 'refetch',
        serverId: 's1',
      });
    }
    assert.deepEqual(planEvent({ type: 'ServerRemoved', data: { serverId: 's1' } }, base), {
      kind: 'remove',
      serverId: 's1',
    });
    assert.deepEqual(planEvent({ type: 'overflow', data: { reason: 'slow' } }, base), {
      kind: 'reload',
    });
    assert.deepEqual(planEvent({ type: 'AlertRaised', data: {} }, base), { kind: 'reload' });
  });
  it('reads event times as millis or ISO', () => {
    assert.equal(isoOf(0), '1970-01-01T00:00:00.000Z');
    assert.equal(isoOf('2026-11-29T10:00:00Z'), '2026-11-29T10:00:00.000Z');
    assert.equal(isoOf('soon'), null);
    assert.equal(isoOf(undefined), null);
  });
  it('a patch that changes nothing keeps the same object (no re-render)', () => {
    assert.equal(applyPatch(base, { powerWatts: 200 }), base);
    const next = applyPatch(base, { powerWatts: 210 });
    assert.notEqual(next, base);
    assert.equal(next.powerWatts, 210);
    assert.equal(base.powerWatts, 200);
  });
});

/** A clock whose timers run when the test advances it. */
class FakeClock implements Timers {
  t = 0;
  #next = 1;
  #timers = new Map<number, { at: number; fn: () => void }>();
  set(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clear(h: unknown): void {
    this.#timers.delete(h as number);
  }
  now(): number {
    return this.t;
  }
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const due = [...this.#timers]
        .filter(([, x]) => x.at <= end)
        .sort((a, b) => a[1].at - b[1].at);
      const first = due[0];
      if (!first) break;
      this.#timers.delete(first[0]);
      this.t = first[1].at;
      first[1].fn();
    }
    this.t = end;
    await settle();
  }
}
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function recorder() {
  const calls: string[] = [];
  const clock = new FakeClock();
  const targets = {
    servers: (ids: string[]) => {
      calls.push(`${clock.t} servers ${[...ids].sort().join(',')}`);
      return Promise.resolve();
    },
    all: () => {
      calls.push(`${clock.t} all`);
      return Promise.resolve();
    },
    summary: () => {
      calls.push(`${clock.t} summary`);
      return Promise.resolve();
    },
  };
  return { calls, clock, targets };
}

describe('the refresh scheduler', () => {
  it('batches events, fetches them after the debounce and once more later', async () => {
    const { calls, clock, targets } = recorder();
    const r = new RefreshScheduler(targets, {}, clock);
    r.server('a');
    await clock.advance(500);
    r.server('b');
    r.server('a');
    await clock.advance(10_000);
    assert.deepEqual(calls, [
      '1000 servers a,b',
      '1000 summary',
      '4000 servers a,b',
      '4000 summary',
    ]);
    assert.equal(r.idle, true);
  });
  it('a busy feed still refreshes (the debounce does not restart on every event)', async () => {
    const { calls, clock, targets } = recorder();
    const r = new RefreshScheduler(targets, {}, clock);
    for (let i = 0; i < 12; i++) {
      r.server('a');
      await clock.advance(200);
    }
    assert.ok(calls.includes('1000 servers a'), calls.join('\n'));
    r.stop();
  });
  it('many servers at once: one list request, at most every minFullGapMs', async () => {
    const { calls, clock, targets } = recorder();
    const r = new RefreshScheduler(targets, { maxIds: 3 }, clock);
    for (const id of ['a', 'b', 'c', 'd']) r.server(id);
    await clock.advance(1500);
    r.server(null);
    await clock.advance(20_000);
    assert.deepEqual(calls, [
      '1000 all',
      '1000 summary',
      // the unknown-server event at 1500 waits for the gap (1000 + 5000)...
      '6000 all',
      '6000 summary',
      // ...and the follow-ups of both rounds merge into the next allowed one.
      '11000 all',
      '11000 summary',
    ]);
    assert.equal(r.idle, true);
  });
  it('a summary-only change and a full reload have no follow-up', async () => {
    const { calls, clock, targets } = recorder();
    const r = new RefreshScheduler(targets, {}, clock);
    r.everything();
    await clock.advance(100);
    r.summary();
    await clock.advance(10_000);
    assert.deepEqual(calls, ['0 all', '0 summary', '1100 summary', '4100 summary']);
  });
  it('one round at a time: events during a slow round wait for it', async () => {
    const clock = new FakeClock();
    const calls: string[] = [];
    let release: () => void = () => {};
    const r = new RefreshScheduler(
      {
        servers: (ids) => {
          calls.push(`${clock.t} servers ${ids.join(',')}`);
          return new Promise<void>((res) => (release = res));
        },
        all: () => Promise.resolve(),
        summary: () => Promise.resolve(),
      },
      { followUpMs: 60_000 },
      clock,
    );
    r.server('a');
    await clock.advance(1000);
    r.server('b');
    await clock.advance(3000);
    assert.deepEqual(calls, ['1000 servers a']);
    release();
    await clock.advance(1000);
    assert.deepEqual(calls, ['1000 servers a', '5000 servers b']);
    r.stop();
  });
  it('stop cancels what waits', async () => {
    const { calls, clock, targets } = recorder();
    const r = new RefreshScheduler(targets, {}, clock);
    r.server('a');
    r.stop();
    await clock.advance(10_000);
    assert.deepEqual(calls, []);
  });
  it('a failing target does not stop later rounds', async () => {
    const clock = new FakeClock();
    let n = 0;
    const r = new RefreshScheduler(
      {
        servers: () => (n++ === 0 ? Promise.reject(new Error('down')) : Promise.resolve()),
        all: () => Promise.resolve(),
        summary: () => Promise.resolve(),
      },
      {},
      clock,
    );
    r.server('a');
    await clock.advance(10_000);
    assert.equal(n, 2);
  });
});

describe('the list the page keeps', () => {
  const a = { ...base, serverId: 'a' };
  const b = { ...base, serverId: 'b' };
  it('merges fetched servers and drops the ones gone', () => {
    const gone = new Tombstones();
    const m = listToMap([a, b], gone);
    const next = mergeServers(
      m,
      [
        ['a', { ...a, health: 'CRITICAL' }],
        ['b', null],
      ],
      gone,
    );
    assert.deepEqual([...next.keys()], ['a']);
    assert.equal(next.get('a')?.health, 'CRITICAL');
    assert.equal(m.size, 2, 'the old map is untouched');
  });
  it('a removed server stays removed while the projection catches up, then may return', () => {
    let t = 0;
    const gone = new Tombstones(15_000, () => t);
    gone.add('a');
    assert.deepEqual([...listToMap([a, b], gone).keys()], ['b']);
    assert.equal(mergeServers(new Map(), [['a', a]], gone).size, 0);
    t = 20_000;
    assert.deepEqual([...listToMap([a, b], gone).keys()], ['a', 'b']);
    gone.add('b');
    gone.delete('b');
    assert.equal(gone.has('b'), false);
  });
  it('follows cursors to the end, and stops at the page bound', async () => {
    const pages: Record<string, { items: number[]; nextCursor: string | null }> = {
      '': { items: [1, 2], nextCursor: 'x' },
      x: { items: [3], nextCursor: 'y' },
      y: { items: [4], nextCursor: null },
    };
    const seen: (string | null)[] = [];
    const all = await loadAllPages((c) => {
      seen.push(c);
      return Promise.resolve(pages[c ?? '']!);
    });
    assert.deepEqual(all, [1, 2, 3, 4]);
    assert.deepEqual(seen, [null, 'x', 'y']);
    const loop = await loadAllPages(() => Promise.resolve({ items: [0], nextCursor: 'again' }), 3);
    assert.equal(loop.length, 3);
  });
});
