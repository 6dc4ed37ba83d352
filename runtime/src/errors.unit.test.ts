import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CodedError,
  defineErrorCatalog,
  hasCode,
  isCodedError,
  isRetriable,
  runtimeErrors,
} from './index.js';

test('catalog factories carry code, retriable, status and cause', () => {
  const cause = new Error('socket hang up');
  const err = runtimeErrors.error('RT_KAFKA_UNAVAILABLE', 'broker down', cause);
  assert.equal(err.code, 'RT_KAFKA_UNAVAILABLE');
  assert.equal(err.retriable, true);
  assert.equal(err.cause, cause);
  assert.ok(isCodedError(err) && isRetriable(err));
  assert.deepEqual(JSON.parse(JSON.stringify(err)), {
    name: 'CodedError',
    code: 'RT_KAFKA_UNAVAILABLE',
    message: 'broker down',
    retriable: true,
  });
});

test('codes must carry the package prefix', () => {
  assert.throws(
    () => defineErrorCatalog('XX_', { YY_OOPS: { retriable: false, doc: 'x' } }),
    /prefix/,
  );
});

test('unknown errors are not retriable; Node errors have a code but are not ours', () => {
  assert.equal(isRetriable(new Error('x')), false);
  assert.equal(isRetriable('x'), false);
  const nodeErr = Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
  assert.ok(hasCode(nodeErr));
  assert.ok(!isCodedError(nodeErr));
  assert.ok(isCodedError(new CodedError('X_Y', 'm', { retriable: false })));
});

test('every runtime code is documented', () => {
  for (const [code, spec] of Object.entries(runtimeErrors.catalog)) {
    assert.ok(spec.doc.length > 20, `${code} has a doc sentence`);
  }
});
