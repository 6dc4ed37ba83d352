import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createQueue, createRefresher, type Timers } from './refresher.js';

/** A hand-driven clock: `advance` runs what is due. */
function fakeTimers() {
  let now = 0;
  let seq = 0;
  const due = new Map<number, { at: number; fn: () => void }>();
  const timers: Timers = {
    set(fn, ms) {
      seq += 1;
      due.set(seq, { at: now + ms, fn });
      return seq;
    },
    clear(h) {
      due.delete(h as number);
    },
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const next = [...due.entries()].sort((a, b) => a[1].at - b[1].at)[0];
      if (!next || next[1].at > end) break;
      due.delete(next[0]);
      now = next[1].at;
      next[1].fn();
    }
    now = end;
  };
  return { timers, advance };
}

describe('createRefresher', () => {
  it('fetches about 1 s after an event and once more 4 s after it', () => {
    const t = fakeTimers();
    let runs = 0;
    const r = createRefresher(() => (runs += 1), [1000, 4000], t.timers);
    r.trigger();
    t.advance(999);
    assert.equal(runs, 0);
    t.advance(1);
    assert.equal(runs, 1);
    t.advance(3000);
    assert.equal(runs, 2);
  });
  it('shares the first fetch within a burst, and moves the last after the last event', () => {
    const t = fakeTimers();
    let runs = 0;
    const r = createRefresher(() => (runs += 1), [1000, 4000], t.timers);
    for (let i = 0; i < 10; i++) {
      r.trigger();
      t.advance(300);
    }
    // 3 s of events every 300 ms: the 1 s fetch is not postponed for ever.
    assert.ok(runs >= 2 && runs <= 3, `runs ${runs}`);
    // A 1 s fetch is pending (from the event at 2.4 s); the last event (2.7 s) moved the last to 6.7 s.
    const before = runs;
    t.advance(3699);
    assert.equal(runs, before + 1);
    t.advance(1);
    assert.equal(runs, before + 2);
  });
  it('runs nothing after cancel', () => {
    const t = fakeTimers();
    let runs = 0;
    const r = createRefresher(() => (runs += 1), [1000, 4000], t.timers);
    r.trigger();
    r.cancel();
    t.advance(10_000);
    assert.equal(runs, 0);
  });
});

describe('createQueue', () => {
  it('runs tasks one after the other, a failure not stopping the next', async () => {
    const order: string[] = [];
    const serial = createQueue();
    const slow = serial(async () => {
      await new Promise((r) => setTimeout(r, 20));
      order.push('slow');
    });
    const failing = serial(() => Promise.reject(new Error('no')));
    const fast = serial(() => {
      order.push('fast');
      return Promise.resolve(7);
    });
    await slow;
    await assert.rejects(failing, /no/);
    assert.equal(await fast, 7);
    assert.deepEqual(order, ['slow', 'fast']);
  });
});
