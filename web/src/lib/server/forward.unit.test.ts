import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forwardableType, forwardPath } from './forward';

test('the door forwards plain paths under /api/v1', () => {
  assert.equal(forwardPath('v1/servers'), '/api/v1/servers');
  assert.equal(forwardPath('v1/servers/bmc-1/sensors'), '/api/v1/servers/bmc-1/sensors');
  assert.equal(forwardPath('v1/export/events.csv'), '/api/v1/export/events.csv');
  assert.equal(forwardPath('v1/stream'), '/api/v1/stream');
});

test('it refuses whatever would leave /api/v1 or reach login and the docs', () => {
  for (const rest of [
    'v1/x/../../metrics', // a decoded %2F..%2F
    'v1/../metrics',
    'v1/./servers',
    'v1//servers',
    'v2/servers',
    'metrics',
    'v1\\..\\metrics',
    'v1/servers%2F..',
    'v1/auth/login',
    'v1/auth/login/x',
    'v1/docs',
    'v1/docs/static/index.html',
    'v1/servers\n',
  ]) {
    assert.equal(forwardPath(rest), null, rest);
  }
});

test('only data goes back to the browser, never HTML or scripts', () => {
  assert.ok(forwardableType('application/json; charset=utf-8'));
  assert.ok(forwardableType('text/csv; charset=utf-8'));
  assert.ok(forwardableType('text/event-stream; charset=utf-8'));
  assert.ok(forwardableType('application/problem+json'));
  assert.ok(forwardableType(null));
  assert.ok(!forwardableType('text/html; charset=utf-8'));
  assert.ok(!forwardableType('application/javascript'));
  assert.ok(!forwardableType('image/svg+xml'));
});
