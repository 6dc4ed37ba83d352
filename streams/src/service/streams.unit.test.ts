/**
 * The handler between the seam and the deciders: its cache of assembled insight state must
 * never change a decision, whatever happened to the store meanwhile (an aborted transaction
 * rolls writes back, a restart or rebalance brings a fresh handler onto restored state).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsumedEvent, OutgoingEvent, TaskContext } from '@ipmi-monitor/runtime';
import { sampleEvents, type AnyEvent } from '@ipmi-monitor/schemas';
import { createStreamsHandler } from './streams.js';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const MIN = 60_000;
const TUNING = {
  bucketMs: 10 * MIN,
  baselineBuckets: 6,
  minBaselineBuckets: 4,
  recentBuckets: 3,
  minRecentBuckets: 3,
};

function inputs(): AnyEvent[] {
  const out: AnyEvent[] = [];
  for (let i = 0; i < 240; i++) {
    for (const server of ['h-1', 'h-2']) {
      // h-1's FAN1 loses 30% after two hours; h-2's CPU crosses UCR now and then.
      const fan = server === 'h-1' && i > 120 ? 4200 : 6000;
      out.push({
        type: 'SensorReadingRecorded',
        value: {
          ...sampleEvents.SensorReadingRecorded,
          eventId: `${server}-fan-${i}`,
          serverId: server,
          sensorId: 'FAN1#0x03',
          sensorName: 'FAN1',
          sensorType: 'FAN',
          unit: 'RPM',
          value: fan,
          state: 'OK',
          crossedThreshold: null,
          occurredAt: T0 + i * MIN,
          observedAt: T0 + i * MIN,
        },
      });
      const hot = server === 'h-2' && i % 40 < 3;
      out.push({
        type: 'SensorReadingRecorded',
        value: {
          ...sampleEvents.SensorReadingRecorded,
          eventId: `${server}-cpu-${i}`,
          serverId: server,
          value: hot ? 95 : 50,
          state: hot ? 'CRITICAL' : 'OK',
          crossedThreshold: hot ? 'UCR' : null,
          occurredAt: T0 + i * MIN,
          observedAt: T0 + i * MIN,
        },
      });
    }
  }
  return out;
}

/** A task store with transactions: writes are kept only when the step commits. */
class Store {
  readonly data = new Map<string, unknown>();
  step(handle: (ctx: TaskContext, msg: ConsumedEvent) => void, e: AnyEvent, commit = true) {
    const pending = new Map<string, unknown>();
    const out: OutgoingEvent[] = [];
    const ctx: TaskContext = {
      partition: 0,
      get: (k) => (pending.has(k) ? (pending.get(k) ?? undefined) : this.data.get(k)),
      put: (k, v) => void pending.set(k, v ?? null),
      delete: (k) => void pending.set(k, null),
      emit: (_t, events) => void out.push(...events),
    };
    const msg = { event: e } as unknown as ConsumedEvent;
    handle(ctx, msg);
    if (commit) {
      for (const [k, v] of pending) {
        if (v === null) this.data.delete(k);
        else this.data.set(k, v);
      }
    }
    return commit ? out : [];
  }
}

const strip = (events: readonly OutgoingEvent[]) =>
  events.map((e) => ({ ...e, value: { ...(e.value as object), observedAt: 0 } }));

test('restarts, restored state and aborted steps give the same events as one uninterrupted run', () => {
  const events = inputs();
  const options = { source: 'streams@test', now: () => 0, insights: TUNING };
  const straight = new Store();
  const one = createStreamsHandler(options);
  const expected = events.flatMap((e) => straight.step(one, e));
  assert.ok(
    expected.some((e) => e.type === 'InsightRaised'),
    'the fan trend is raised (the test would prove nothing without it)',
  );
  assert.ok(expected.some((e) => e.type === 'AlertRaised'));

  const bumpy = new Store();
  let handler = createStreamsHandler(options);
  const got: OutgoingEvent[] = [];
  events.forEach((e, i) => {
    // Every 7th step is first attempted and aborted, then retried: its writes were rolled back.
    if (i % 7 === 3) bumpy.step(handler, e, false);
    // Every 50 steps the task moves: a new handler, state restored by value (a JSON round trip).
    if (i % 50 === 49) {
      const restored = new Map(
        [...bumpy.data].map(([k, v]) => [k, JSON.parse(JSON.stringify(v)) as unknown]),
      );
      bumpy.data.clear();
      for (const [k, v] of restored) bumpy.data.set(k, v);
      handler = createStreamsHandler(options);
    }
    got.push(...bumpy.step(handler, e));
  });
  assert.deepEqual(strip(got), strip(expected));
  assert.deepEqual(
    JSON.parse(JSON.stringify([...bumpy.data].sort())),
    JSON.parse(JSON.stringify([...straight.data].sort())),
  );
});
