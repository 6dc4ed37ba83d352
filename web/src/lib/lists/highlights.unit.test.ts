import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Highlights } from './highlights';

test('highlights: each id is dropped when its highlight has played', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const h = new Highlights(3000);
  h.add('a');
  t.mock.timers.tick(2000);
  h.add('b');
  assert.ok(h.has('a') && h.has('b'));
  t.mock.timers.tick(1000);
  assert.ok(!h.has('a') && h.has('b'));
  t.mock.timers.tick(2000);
  assert.equal(h.size, 0);
  // Highlighted again: it stays for the whole time from the last one.
  h.add('c');
  t.mock.timers.tick(2000);
  h.add('c');
  t.mock.timers.tick(2000);
  assert.ok(h.has('c'));
  t.mock.timers.tick(1000);
  assert.ok(!h.has('c'));
  h.add('d');
  h.clear();
  assert.equal(h.size, 0);
});
