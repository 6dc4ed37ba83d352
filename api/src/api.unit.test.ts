/** The API's pure parts: cursors, range plans, the licence, secrets, SSE frames, problems. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { diffConfig, parseServerObject, toServerConfigured } from '@ipmi-monitor/collector';
import type { FastifyRequest } from 'fastify';
import { bearerOf } from './app.js';
import { withDeadline } from './kafka.js';
import {
  generateToken,
  hashPassword,
  parseToken,
  secretMatches,
  verifyPassword,
} from './auth/secrets.js';
import { decodeCursor, encodeCursor, pageOf } from './pagination.js';
import { apiProblem, problem } from './problem.js';
import { parseRange, parseStep, seriesPlan } from './routes/fleet.js';
import { sseFrame } from './routes/stream.js';
import { fieldsOf, licenceOf } from './servers.js';

const H = 3_600_000;

describe('cursors', () => {
  test('round trip, and anything else is refused with API_INVALID_CURSOR', () => {
    const c = encodeCursor(['2026-11-20T00:00:00.000Z', 'ev-1']);
    assert.deepEqual(decodeCursor(c, ['string', 'string']), ['2026-11-20T00:00:00.000Z', 'ev-1']);
    assert.equal(decodeCursor(undefined, ['string']), null);
    for (const bad of ['x', encodeCursor([1]), encodeCursor(['a', 'b', 'c']), 'e30']) {
      assert.throws(() => decodeCursor(bad, ['string', 'string']), { code: 'API_INVALID_CURSOR' });
    }
  });

  test('a page of limit+1 rows has a next cursor at its last item; a short page has none', () => {
    const rows = [1, 2, 3, 4];
    const p = pageOf(
      rows,
      3,
      (r) => [r],
      (r) => r * 10,
    );
    assert.deepEqual(p.items, [10, 20, 30]);
    assert.deepEqual(decodeCursor(p.nextCursor!, ['number']), [3]);
    assert.equal(
      pageOf(
        [1, 2],
        3,
        (r) => [r],
        (r) => r,
      ).nextCursor,
      null,
    );
  });
});

describe('series plan', () => {
  test('raw up to 6 h, per-minute up to 3 days, hourly beyond; about 500 points by default', () => {
    assert.deepEqual(seriesPlan(0, H), { source: 'readings', stepSeconds: 8 });
    assert.deepEqual(seriesPlan(0, 6 * H), { source: 'readings', stepSeconds: 44 });
    assert.equal(seriesPlan(0, 6 * H + 1000).source, 'readings_1m');
    assert.deepEqual(seriesPlan(0, 72 * H), { source: 'readings_1m', stepSeconds: 540 });
    assert.deepEqual(seriesPlan(0, 7 * 24 * H), { source: 'readings_1h', stepSeconds: 3600 });
  });

  test('an explicit step is kept on a source fine enough, rounded to the source otherwise', () => {
    assert.deepEqual(seriesPlan(0, H, 30), { source: 'readings', stepSeconds: 30 });
    assert.deepEqual(seriesPlan(0, H, 300), { source: 'readings_1m', stepSeconds: 300 });
    assert.deepEqual(seriesPlan(0, 7 * 24 * H, 90), { source: 'readings_1h', stepSeconds: 3600 });
    assert.deepEqual(seriesPlan(0, 2 * H, 5400), { source: 'readings_1h', stepSeconds: 7200 });
  });

  test('steps and ranges parse, or fail with API_INVALID_REQUEST', () => {
    assert.equal(parseStep('60'), 60);
    assert.equal(parseStep('5m'), 300);
    assert.equal(parseStep('1d'), 86_400);
    assert.equal(parseStep(undefined), undefined);
    for (const bad of ['1w', '-5', '0', 'soon', '31d']) {
      assert.throws(() => parseStep(bad), { code: 'API_INVALID_REQUEST' });
    }
    assert.deepEqual(parseRange(undefined, undefined, 100 * H), { from: 76 * H, to: 100 * H });
    assert.throws(() => parseRange('2026-11-21T00:00:00Z', '2026-11-20T00:00:00Z', 0), {
      code: 'API_INVALID_REQUEST',
    });
    assert.throws(() => parseRange('yesterday', undefined, 0), { code: 'API_INVALID_REQUEST' });
  });
});

describe('free tier licence', () => {
  test('under, near and over the limit; over the limit is reported, never refused', () => {
    assert.equal(licenceOf(10, 50).upgradeHint, null);
    assert.match(licenceOf(45, 50).upgradeHint!, /45 of the 50/);
    const over = licenceOf(51, 50);
    assert.equal(over.overLimit, true);
    assert.match(over.upgradeHint!, /51 servers configured; the free tier includes 50/);
  });
});

describe('secrets', () => {
  test('a password hash verifies its password only, and differs per call (salt)', async () => {
    const h1 = await hashPassword('correct horse');
    const h2 = await hashPassword('correct horse');
    assert.notEqual(h1, h2);
    assert.match(h1, /^scrypt\$32768\$8\$1\$/);
    assert.equal(await verifyPassword('correct horse', h1), true);
    assert.equal(await verifyPassword('correct horsf', h1), false);
    assert.equal(await verifyPassword('x', 'plain'), false);
  });

  test('tokens: parse back to id and secret; only the digest is needed to check them', () => {
    const t = generateToken();
    const parsed = parseToken(t.token)!;
    assert.equal(parsed.tokenId, t.tokenId);
    assert.equal(secretMatches(parsed.secret, t.secretSha256), true);
    assert.equal(secretMatches(`${parsed.secret.slice(0, -1)}A`, t.secretSha256), false);
    assert.equal(parseToken('Bearer abc'), null);
    assert.equal(parseToken(`${t.token}x`), null);
  });

  test('the bearer comes from the header, else from the session cookie', () => {
    const req = (headers: Record<string, string>) => ({ headers }) as unknown as FastifyRequest;
    assert.equal(bearerOf(req({ authorization: 'Bearer abc' })), 'abc');
    assert.equal(bearerOf(req({ authorization: 'Basic abc' })), null);
    assert.equal(bearerOf(req({ cookie: 'a=1; ipmi_session=ipm_x%5Fy; b=2' })), 'ipm_x_y');
    assert.equal(bearerOf(req({})), null);
  });
});

describe('wire formats', () => {
  test('an SSE frame: id, event, one data line, blank line', () => {
    assert.equal(
      sseFrame({ type: 'AlertRaised', id: 't:0:5', data: { summary: 'line1\nline2' } }),
      'id: t:0:5\nevent: AlertRaised\ndata: {"summary":"line1\\nline2"}\n\n',
    );
  });

  test('problems carry status, title, code and a type that links to the code', () => {
    assert.deepEqual(apiProblem('API_FORBIDDEN', 'no'), {
      type: '/api/v1/problems/API_FORBIDDEN',
      title: 'Forbidden',
      status: 403,
      detail: 'no',
      code: 'API_FORBIDDEN',
    });
    assert.equal(problem('DB_UNAVAILABLE', 503, 'x').title, 'Service Unavailable');
  });

  test('a configured server turned back into fields reads as the same configuration', () => {
    const parsed = parseServerObject({
      name: 'db-07',
      host: '10.0.0.7',
      port: 6230,
      username: 'admin',
      password: 'pw',
      driver: 'ipmitool',
      privilege: 'OPERATOR',
      cipherSuite: 17,
      workaroundFlags: ['opensesspriv'],
      tags: ['rack:a1'],
      intervals: { sensors: '30s', sel: 'off', power: null },
      enabled: false,
    });
    assert.deepEqual(parsed.issues, []);
    const ctx = { now: 1, source: 'test', revision: 1, credentialVersion: 1 };
    const first = toServerConfigured(parsed.servers[0]!, ctx);
    const again = parseServerObject({ ...fieldsOf(first, 'admin'), password: 'pw' });
    assert.deepEqual(again.issues, []);
    assert.deepEqual(diffConfig(first, toServerConfigured(again.servers[0]!, ctx)), []);
  });
});

describe('Kafka deadline', () => {
  test('work that outlasts the deadline is API_UNAVAILABLE saying it may still land; faster work passes', async () => {
    let finish: (v: string) => void = () => undefined;
    const slow = new Promise<string>((r) => (finish = r));
    await assert.rejects(withDeadline(slow, 20, 'the write'), {
      code: 'API_UNAVAILABLE',
      message: /the write did not complete within 20 ms; it may still be applied/,
    });
    finish('late');
    assert.equal(await slow, 'late', 'the work itself was not cancelled');
    assert.equal(await withDeadline(Promise.resolve('quick'), 1000, 'x'), 'quick');
    await assert.rejects(withDeadline(Promise.reject(new Error('broker said no')), 1000, 'x'), {
      message: 'broker said no',
    });
  });
});
