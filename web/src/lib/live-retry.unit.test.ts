import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retryDelay } from './live-retry';

test('live feed retry: 2 s, doubling, capped at 30 s', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 50].map((n) => retryDelay(n)),
    [2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000],
  );
});
