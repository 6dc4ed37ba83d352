import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Shutdown, stopOnSignals, type CodedError } from './index.js';

const silent = pino({ level: 'silent' });

test('closes in reverse order of registration, once, even when one close fails', async () => {
  const order: string[] = [];
  const s = new Shutdown(silent);
  s.register('pool', () => void order.push('pool'));
  s.register('producer', () => {
    order.push('producer');
    throw new Error('flush failed');
  });
  s.register('intake', async () => {
    await new Promise((r) => setTimeout(r, 5));
    order.push('intake');
  });
  const a = s.run('test');
  const b = s.run('again');
  assert.equal(a, b, 'a second call joins the first');
  await a;
  assert.deepEqual(order, ['intake', 'producer', 'pool']);
  assert.ok(s.isShuttingDown);
});

test('a hung close hits the deadline with RT_SHUTDOWN_TIMEOUT', async () => {
  const s = new Shutdown(silent, 50);
  s.register('hung', () => new Promise<void>(() => undefined));
  // The deadline timer is unref'd (it must not keep a dying process alive), so something
  // else has to keep this test's event loop running until it fires.
  const keepAlive = setTimeout(() => undefined, 5_000);
  await assert.rejects(s.run('test'), (e: CodedError) => e.code === 'RT_SHUTDOWN_TIMEOUT');
  clearTimeout(keepAlive);
});

test('stopOnSignals: a failed service shuts down and ends with exit code 1', async () => {
  const s = new Shutdown(silent);
  let closed = false;
  s.register('thing', () => void (closed = true));
  const code = await stopOnSignals(s, silent, Promise.reject(new Error('fenced')));
  assert.equal(code, 1);
  assert.equal(closed, true);
});

test('stopOnSignals: SIGTERM shuts down and ends with exit code 0', async () => {
  const s = new Shutdown(silent);
  let closed = false;
  s.register('thing', () => void (closed = true));
  const stopped = stopOnSignals(s, silent);
  process.emit('SIGTERM');
  assert.equal(await stopped, 0);
  assert.equal(closed, true);
});
