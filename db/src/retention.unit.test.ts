import assert from 'node:assert/strict';
import { test } from 'node:test';
import { refreshWindowSeconds } from './retention.js';

const DAY = 86_400;

test('the refresh window stays a day inside the raw retention, or half of a short one', () => {
  assert.equal(refreshWindowSeconds(7 * DAY), 6 * DAY);
  assert.equal(refreshWindowSeconds(3 * DAY), 2 * DAY);
  assert.equal(refreshWindowSeconds(DAY), DAY / 2);
  assert.equal(refreshWindowSeconds(12 * 3600), 6 * 3600);
});
