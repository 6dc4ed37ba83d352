import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fmt, summarize, yRange } from './scale';

test('summary: min of mins, max of maxes, mean and last of the values, nulls skipped', () => {
  assert.deepEqual(summarize([40, null, 42, 44], [39, null, 41, 43], [41, null, 45, 44]), {
    count: 3,
    min: 39,
    avg: 42,
    max: 45,
    last: 44,
  });
  assert.deepEqual(summarize([1, 2]), { count: 2, min: 1, avg: 1.5, max: 2, last: 2 });
  assert.deepEqual(summarize([null]), { count: 0, min: null, avg: null, max: null, last: null });
});

test('y range: data and the warning/critical thresholds, padded', () => {
  const [lo, hi] = yRange(45, 47, { unc: 80, ucr: 90, unr: 100 });
  assert.ok(lo < 45 && lo > 40, `lo ${lo}`);
  assert.ok(hi > 90 && hi < 100, `hi ${hi}`);
  // Non-recoverable thresholds do not stretch the scale when others exist.
  assert.ok(yRange(45, 47, { unr: 100 })[1] < 50);
  // Flat data: a small band around it.
  assert.deepEqual(yRange(12, 12, null), [11.4, 12.6]);
  assert.deepEqual(yRange(0, 0, {}), [-1, 1]);
  // No data: the thresholds, else 0..1.
  const [a, b] = yRange(null, null, { lcr: 600, lnc: 1000 });
  assert.ok(a < 600 && b > 1000);
  assert.deepEqual(yRange(null, null, null), [0, 1]);
});

test('fmt: digits by size, unit appended', () => {
  assert.equal(fmt(41.456, '°C'), '41.46 °C');
  assert.equal(fmt(4250.4, 'RPM'), '4,250 RPM');
  assert.equal(fmt(123.44, ''), '123.4');
  assert.equal(fmt(null, 'V'), 'n/a');
});
