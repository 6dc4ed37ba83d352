import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dbErrors, isDbError, sqlState, toDbError } from './errors.js';

function pgError(code: string, message = 'boom'): Error {
  return Object.assign(new Error(message), { code });
}

describe('toDbError', () => {
  const cases: [string, unknown, string, boolean][] = [
    ['unique violation', pgError('23505'), 'DB_QUERY_FAILED', false],
    ['syntax error', pgError('42601'), 'DB_QUERY_FAILED', false],
    ['serialization failure', pgError('40001'), 'DB_CONFLICT', true],
    ['deadlock', pgError('40P01'), 'DB_CONFLICT', true],
    ['admin shutdown', pgError('57P01'), 'DB_UNAVAILABLE', true],
    ['connection exception class 08', pgError('08006'), 'DB_UNAVAILABLE', true],
    ['too many connections', pgError('53300'), 'DB_UNAVAILABLE', true],
    [
      'connection refused',
      pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'),
      'DB_UNAVAILABLE',
      true,
    ],
    [
      'pg client lost its connection',
      new Error('Connection terminated unexpectedly'),
      'DB_UNAVAILABLE',
      true,
    ],
    ['a plain error', new Error('weird'), 'DB_QUERY_FAILED', false],
    ['not even an error', 'text', 'DB_QUERY_FAILED', false],
  ];
  for (const [name, err, code, retriable] of cases) {
    test(name, () => {
      const e = toDbError(err, 'SELECT 1');
      assert.equal(e.code, code);
      assert.equal(e.retriable, retriable);
      assert.equal(e.cause, err);
    });
  }

  test('quotes the statement (flattened, truncated), never parameters', () => {
    const e = toDbError(
      pgError('23505', 'duplicate key'),
      `INSERT INTO t\n  VALUES ($1)  ${'x'.repeat(300)}`,
    );
    assert.match(e.message, /^23505 duplicate key \(in: INSERT INTO t VALUES \(\$1\) x+\.\.\.\)$/);
    assert.ok(e.message.length < 220);
  });

  test('an error that is already ours passes through', () => {
    const ours = dbErrors.error('DB_LOCKED', 'locked');
    assert.equal(toDbError(ours), ours);
  });
});

test('sqlState finds the SQLSTATE through the cause chain', () => {
  const wrapped = toDbError(pgError('23505'));
  assert.equal(sqlState(wrapped), '23505');
  assert.equal(sqlState(new Error('x')), undefined);
  assert.equal(sqlState(pgError('ECONNREFUSED')), undefined);
});

test('isDbError knows only our codes', () => {
  assert.equal(isDbError(dbErrors.error('DB_CLOSED', 'x')), true);
  assert.equal(isDbError(pgError('23505')), false);
  assert.equal(isDbError(Object.assign(new Error('x'), { code: 'RT_CONFIG_INVALID' })), false);
});
