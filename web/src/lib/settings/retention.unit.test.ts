import assert from 'node:assert/strict';
import { test } from 'node:test';
import { humanInterval } from './retention';

test('retention intervals read as a person would say them', () => {
  assert.equal(humanInterval(7 * 86_400), '7 days');
  assert.equal(humanInterval(86_400), '1 day');
  assert.equal(humanInterval(36 * 3600), '36 hours');
  assert.equal(humanInterval(90 * 60), '90 minutes');
  assert.equal(humanInterval(45), '45 seconds');
  assert.equal(humanInterval(null), 'not dropped');
});
