import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sameOriginPath } from './safe-redirect';

const ORIGIN = 'http://127.0.0.1:8480';

test('same-origin paths pass, with their query', () => {
  assert.equal(sameOriginPath('/servers/bmc-1', ORIGIN), '/servers/bmc-1');
  assert.equal(sameOriginPath('/events?severity=CRITICAL', ORIGIN), '/events?severity=CRITICAL');
  assert.equal(sameOriginPath(`${ORIGIN}/alerts`, ORIGIN), '/alerts');
});

test('anything that would leave the origin goes home instead', () => {
  for (const t of [
    'https://evil.example/',
    '//evil.example/x',
    '/\\evil.example',
    '/\t/evil.example',
    'javascript:alert(1)',
    'http://127.0.0.1:9999/',
  ]) {
    assert.equal(sameOriginPath(t, ORIGIN), '/', t);
  }
  assert.equal(sameOriginPath(null, ORIGIN), '/');
  assert.equal(sameOriginPath('', ORIGIN), '/');
});
