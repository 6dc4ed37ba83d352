import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bucketStart,
  crossingAt,
  linearFit,
  mean,
  median,
  roundTo,
  spread,
  valueAt,
} from './stats.js';

const H = 3_600_000;
const DAY = 24 * H;
const T0 = Date.parse('2026-11-02T00:00:00.000Z');

test('bucketStart aligns to the epoch, boundaries included', () => {
  assert.equal(bucketStart(T0, H), T0);
  assert.equal(bucketStart(T0 + H - 1, H), T0);
  assert.equal(bucketStart(T0 + H, H), T0 + H);
  assert.equal(bucketStart(T0 + 90_000, 60_000), T0 + 60_000);
});

test('mean and median: NaN for nothing, middle values otherwise, input untouched', () => {
  assert.ok(Number.isNaN(mean([])));
  assert.ok(Number.isNaN(median([])));
  assert.equal(mean([1, 2, 6]), 3);
  const xs = [5, 1, 3];
  assert.equal(median(xs), 3);
  assert.deepEqual(xs, [5, 1, 3]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([7]), 7);
});

test('linearFit recovers an exact line with r² 1, and where it crosses a value', () => {
  const xs = [0, 1, 2, 3, 4];
  const fit = linearFit(
    xs,
    xs.map((x) => 10 - 2 * x),
  );
  assert.ok(fit);
  assert.equal(fit.slope, -2);
  assert.equal(fit.r2, 1);
  assert.equal(fit.n, 5);
  assert.equal(valueAt(fit, 10), -10);
  assert.equal(crossingAt(fit, 0), 5);
});

test('linearFit keeps precision with epoch-millisecond x values', () => {
  // 100 RPM a day down over a week of hourly points, x in epoch ms.
  const xs = Array.from({ length: 168 }, (_, i) => T0 + i * H);
  const ys = xs.map((x) => 2500 - (100 * (x - T0)) / DAY);
  const fit = linearFit(xs, ys);
  assert.ok(fit);
  assert.ok(Math.abs(fit.slope * DAY + 100) < 1e-9);
  assert.ok(Math.abs(valueAt(fit, T0 + 7 * DAY) - 1800) < 1e-6);
  const cross = crossingAt(fit, 500);
  assert.ok(cross !== null && Math.abs(cross - (T0 + 20 * DAY)) < 1);
});

test('linearFit: r² falls with noise; a constant is a flat perfect fit; degenerate x gives null', () => {
  const xs = Array.from({ length: 40 }, (_, i) => i);
  // Deterministic "noise": alternating ±3 around a gentle slope.
  const noisy = linearFit(
    xs,
    xs.map((x) => 0.1 * x + (x % 2 === 0 ? 3 : -3)),
  );
  assert.ok(noisy);
  assert.ok(noisy.r2 > 0 && noisy.r2 < 0.5, `r2 ${noisy.r2}`);
  const flat = linearFit(
    xs,
    xs.map(() => 42),
  );
  assert.equal(flat?.slope, 0);
  assert.equal(flat?.r2, 1);
  assert.equal(flat && crossingAt(flat, 50), null);
  assert.equal(linearFit([1], [1]), null);
  assert.equal(linearFit([2, 2, 2], [1, 2, 3]), null);
});

test('roundTo rounds half away from zero and never yields -0', () => {
  assert.equal(roundTo(1.25, 1), 1.3);
  assert.equal(roundTo(-1.25, 1), -1.3);
  assert.equal(roundTo(15.3333, 2), 15.33);
  assert.ok(Object.is(roundTo(-0.0001, 2), 0));
});

test('spread keeps first and last and spaces the rest evenly', () => {
  const xs = Array.from({ length: 100 }, (_, i) => i);
  const s = spread(xs, 5);
  assert.deepEqual(s, [0, 25, 50, 74, 99]);
  assert.deepEqual(spread([1, 2, 3], 20), [1, 2, 3]);
  assert.deepEqual(spread(xs, 1), [99]);
  assert.deepEqual(spread(xs, 0), []);
  assert.equal(spread(xs, 20).length, 20);
});
