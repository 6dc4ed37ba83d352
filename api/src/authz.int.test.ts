/**
 * The authorization matrix: every route the app registers × no token, a read-only token and
 * an admin token, over real HTTP. The route list comes from the app itself, so a route
 * added later is checked without anyone remembering to add it here; a route that forgot to
 * declare its access is admin-only, and this test says which routes are open.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Access } from './app.js';
import { testApi, type TestApi } from './testing/app.js';
import { FEED_T0 } from './testing/seed.js';

let t: TestApi;
let base: string;

before(async () => {
  t = await testApi({ clock: () => FEED_T0 + 20 * 60_000 });
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
after(async () => {
  await t?.close();
});

/** Who may call a route of each access class (metrics needs a token by default). */
const EXPECTED: Record<Access, Record<'none' | 'read' | 'admin', boolean>> = {
  public: { none: true, read: true, admin: true },
  read: { none: false, read: true, admin: true },
  metrics: { none: false, read: true, admin: true },
  admin: { none: false, read: false, admin: true },
};

/** The only routes anyone may call without a token. */
const PUBLIC = [
  'GET /health',
  'GET /api/v1/openapi.json',
  'GET /api/v1/problems/:code',
  'POST /api/v1/auth/login',
];

test('every route × no token / read-only / admin', async () => {
  const routes = t.app.routeTable.filter((r) => !r.url.startsWith('/api/v1/docs'));
  assert.ok(routes.length >= 35, `found ${routes.length} routes`);
  const open = routes.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.url}`);
  assert.deepEqual(open.sort(), [...PUBLIC].sort(), 'no route is public by accident');

  const failures: string[] = [];
  for (const r of routes) {
    // Real ids where a route needs one that exists; the answer may be 404 or 422 past the
    // auth check, which is all this test is about.
    const url = r.url.replace(':id', 'srv-001').replace(':code', 'API_NOT_FOUND').replace('*', '');
    for (const who of ['none', 'read', 'admin'] as const) {
      // A fresh token per call: logout revokes the token it is called with.
      const token =
        who === 'none'
          ? null
          : (
              await t.deps.auth.issue({
                kind: 'api',
                name: `matrix-${who}`,
                role: who === 'admin' ? 'admin' : 'read-only',
                createdBy: 'test',
              })
            ).token;
      const ctl = new AbortController();
      const res = await fetch(`${base}${url}`, {
        method: r.method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(['POST', 'PATCH', 'PUT'].includes(r.method)
            ? { 'content-type': 'application/json' }
            : {}),
        },
        ...(['POST', 'PATCH', 'PUT'].includes(r.method) ? { body: '{}' } : {}),
        signal: ctl.signal,
      });
      // The stream never ends by itself: the status and headers are the answer.
      ctl.abort();
      const allowed = res.status !== 401 && res.status !== 403;
      const expected = EXPECTED[r.access][who];
      if (allowed !== expected) {
        failures.push(
          `${r.method} ${r.url} as ${who}: ${res.status}, expected ${expected ? 'allowed' : '401/403'}`,
        );
      }
      if (!expected && who === 'none') assert.equal(res.status, 401, `${r.method} ${r.url}`);
      if (!expected && who === 'read') assert.equal(res.status, 403, `${r.method} ${r.url}`);
      if (!expected) {
        assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
      }
    }
  }
  assert.deepEqual(failures, []);
});

test('/metrics opens without a token only when configured so', async () => {
  const open = await testApi({ settings: { metricsAuth: false } });
  try {
    const res = await open.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /# TYPE/);
    const closed = await t.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(closed.statusCode, 401);
  } finally {
    await open.close();
  }
});

test('rate limit: past the limit a client gets 429 with Retry-After, others are not affected', async () => {
  const limited = await testApi({ settings: { rateLimit: 5 } });
  try {
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 7; i++) {
      const res = await limited.app.inject({
        method: 'GET',
        url: '/api/v1/fleet/summary',
        headers: { authorization: `Bearer ${limited.readToken}` },
      });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) retryAfter = String(res.headers['retry-after']);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
    assert.ok(Number(retryAfter) > 0);
    const other = await limited.app.inject({
      method: 'GET',
      url: '/api/v1/fleet/summary',
      headers: { authorization: `Bearer ${limited.adminToken}` },
    });
    assert.equal(other.statusCode, 200, 'another token has its own budget');
    const health = await limited.app.inject({ method: 'GET', url: '/health' });
    assert.equal(health.statusCode, 200, '/health is never limited');
  } finally {
    await limited.close();
  }
});
