import assert from 'node:assert/strict';
import { test } from 'node:test';
import { synthetic } from './synthetic';

test('the synthetic series: as many points as asked, evenly spaced, the same every time', () => {
  const a = synthetic(60_480, 1_000_000, 10);
  assert.equal(a.timestamps.length, 60_480);
  assert.equal(a.values.length, 60_480);
  assert.equal(a.timestamps[1]! - a.timestamps[0]!, 10);
  assert.equal(a.timestamps.at(-1), 1_000_000 + 60_479 * 10);
  assert.deepEqual(synthetic(100, 0, 10), synthetic(100, 0, 10));
  assert.ok(
    a.values.every((v) => v > 30 && v < 80),
    'a plausible temperature',
  );
});
