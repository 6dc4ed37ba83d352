import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditDetail, tokenStatus } from './access';

test('a token is active, expired or revoked', () => {
  const now = Date.parse('2026-11-29T12:00:00Z');
  assert.equal(tokenStatus({ revokedAt: null, expiresAt: null }, now), 'active');
  assert.equal(tokenStatus({ revokedAt: null, expiresAt: '2026-12-01T00:00:00Z' }, now), 'active');
  assert.equal(tokenStatus({ revokedAt: null, expiresAt: '2026-11-29T11:00:00Z' }, now), 'expired');
  assert.equal(
    tokenStatus({ revokedAt: '2026-11-28T00:00:00Z', expiresAt: '2026-11-29T11:00:00Z' }, now),
    'revoked',
  );
});

test('audit details read as key: value pairs', () => {
  assert.equal(auditDetail({}), '');
  assert.equal(auditDetail(null), '');
  assert.equal(
    auditDetail({ serverId: 'bmc1', changedFields: ['host', 'port'], unchanged: true }),
    'serverId: bmc1 · changedFields: host, port · unchanged: true',
  );
  assert.equal(
    auditDetail({ configured: ['a', 'b', 'c', 'd', 'e', 'f'] }),
    'configured: a, b, c, d, e … (6)',
  );
  assert.equal(auditDetail({ x: { y: 1 }, z: null }), 'x: {"y":1} · z: –');
  assert.equal(auditDetail('text'), 'text');
});
