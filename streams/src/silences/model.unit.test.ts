import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  liftEvents,
  parseDuration,
  silenceEvents,
  silencesInForce,
  type SilenceRequest,
} from './model.js';

const NOW = Date.parse('2026-11-28T12:00:00Z');
const H = 3_600_000;
const req = (over: Partial<SilenceRequest> = {}): SilenceRequest => ({
  serverIds: ['srv-2', 'srv-1'],
  componentType: 'SENSOR',
  component: 'FAN3#0x43',
  condition: null,
  startsAt: NOW,
  endsAt: NOW + 2 * H,
  createdBy: 'ops',
  comment: 'fan swap tonight',
  ...over,
});
const ctx = { now: NOW, source: 'cli@test' };

test('durations: s, m, h, d; anything else is refused', () => {
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('30m'), 30 * 60_000);
  assert.equal(parseDuration('2h'), 2 * H);
  assert.equal(parseDuration('1.5d'), 36 * H);
  assert.throws(() => parseDuration('2 weeks'), { code: 'STR_SILENCE_INVALID' });
  assert.throws(() => parseDuration(''), { code: 'STR_SILENCE_INVALID' });
});

test('one SilenceSet per server, sharing one id derived from the request', () => {
  const a = silenceEvents(req(), ctx);
  const b = silenceEvents(req({ serverIds: ['srv-1', 'srv-2', 'srv-1'] }), ctx);
  assert.equal(a.silenceId, b.silenceId, 'a retried request is the same silence');
  assert.deepEqual(
    a.events.map((e) => [e.type, e.value.serverId, e.value.silenceId]),
    [
      ['SilenceSet', 'srv-1', a.silenceId],
      ['SilenceSet', 'srv-2', a.silenceId],
    ],
  );
  assert.notEqual(silenceEvents(req({ comment: 'other' }), ctx).silenceId, a.silenceId);
});

test('bad requests are refused with STR_SILENCE_INVALID', () => {
  for (const bad of [
    req({ serverIds: [] }),
    req({ endsAt: NOW }),
    req({ startsAt: NOW - 3 * H, endsAt: NOW - H }),
    req({ comment: '  ' }),
  ]) {
    assert.throws(() => silenceEvents(bad, ctx), { code: 'STR_SILENCE_INVALID' });
  }
});

test('in force: set, lifted on one server, expired, from the topic in log order', () => {
  const one = silenceEvents(req(), ctx);
  const two = silenceEvents(req({ serverIds: ['srv-3'], endsAt: NOW + H }), ctx);
  const events = [
    ...one.events,
    ...two.events,
    ...liftEvents(one.silenceId, ['srv-2'], { ...ctx, by: 'ops' }),
  ];
  assert.deepEqual(
    silencesInForce(events, NOW + 30 * 60_000).map((s) => [s.silenceId, s.serverIds]),
    [
      [two.silenceId, ['srv-3']],
      [one.silenceId, ['srv-1']],
    ],
  );
  assert.deepEqual(
    silencesInForce(events, NOW + 90 * 60_000).map((s) => s.silenceId),
    [one.silenceId],
    'the 1 h silence has ended',
  );
  const all = [...events, ...liftEvents(one.silenceId, ['srv-1'], { ...ctx, by: 'ops' })];
  assert.deepEqual(
    silencesInForce(all, NOW + 30 * 60_000).map((s) => s.silenceId),
    [two.silenceId],
  );
});
