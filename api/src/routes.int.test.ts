/**
 * The API's routes over real parts: a database holding the projections' known stream, the
 * real broker and registry, a real credential store, and ipmi_sim BMCs for the connection
 * check. Requests go through fastify's `inject` (the whole request pipeline: auth, schemas,
 * serialization, error handler) except /stream, which needs a socket.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startFleet, type Fleet } from '@ipmi-monitor/collector/fleet';
import { eventually } from '@ipmi-monitor/runtime/testing';
import { FEED_T0, project } from './testing/seed.js';
import { testApi, type TestApi } from './testing/app.js';

/** The feed's last poll is at FEED_T0 + 19 × 30 s; "now" is a minute after. */
const NOW = FEED_T0 + 20 * 60_000;
const PASSWORD = 'Sup3r-S3cret-pw';
const PATCHED_PASSWORD = 'An0ther-S3cret';

let t: TestApi;
/** Every response body of this file, for the secret check at the end. */
const bodies: string[] = [];

async function call(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  o: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {},
) {
  const token = o.token === undefined ? t.adminToken : o.token;
  const res = await t.app.inject({
    method,
    url,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...o.headers,
    },
    ...(o.body === undefined
      ? {}
      : typeof o.body === 'string'
        ? { payload: o.body }
        : { payload: o.body as object }),
  });
  bodies.push(res.body);
  return res;
}

const json = <T = Record<string, unknown>>(res: { body: string }) => JSON.parse(res.body) as T;

before(async () => {
  t = await testApi({ clock: () => NOW });
});
after(async () => {
  await t?.close();
});

describe('problem details and the API document', () => {
  test('unknown route: 404 problem+json with a code and a type that explains it', async () => {
    const res = await call('GET', '/api/v1/nope');
    assert.equal(res.statusCode, 404);
    assert.match(res.headers['content-type'] as string, /^application\/problem\+json/);
    const p = json(res);
    assert.equal(p.code, 'API_NOT_FOUND');
    assert.equal(p.status, 404);
    const explained = await call('GET', p.type as string, { token: null });
    assert.equal(explained.statusCode, 200);
    assert.match(json(explained).description as string, /No such resource/);
  });

  test('a bad query parameter: 400 with each problem and its place', async () => {
    const res = await call('GET', '/api/v1/servers?limit=0&health=GREEN');
    assert.equal(res.statusCode, 400);
    const p = json<{ code: string; errors: { field: string }[] }>(res);
    assert.equal(p.code, 'API_INVALID_REQUEST');
    assert.ok(p.errors.some((e) => e.field.includes('limit')));
    assert.ok(p.errors.some((e) => e.field.includes('health')));
  });

  test('openapi.json lists every route with its method, and its access', async () => {
    const res = await call('GET', '/api/v1/openapi.json', { token: null });
    assert.equal(res.statusCode, 200);
    const doc = json<{
      openapi: string;
      paths: Record<string, Record<string, { 'x-access'?: string; security?: unknown }>>;
    }>(res);
    assert.equal(doc.openapi, '3.1.0');
    for (const r of t.app.routeTable) {
      if (r.url.startsWith('/api/v1/docs') || r.url === '/api/v1/openapi.json') continue;
      const path = r.url.replace(/:(\w+)/g, '{$1}');
      const op = doc.paths[path]?.[r.method.toLowerCase()];
      assert.ok(op, `${r.method} ${r.url} is in the document`);
      if (r.access !== 'public') {
        assert.equal(op['x-access'], r.access, `${r.method} ${r.url} access`);
        assert.ok(op.security, `${r.method} ${r.url} needs a token`);
      }
    }
    const page = await call('GET', '/api/v1/docs/', { token: null });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /swagger/i);
  });
});

describe('reading the fleet', () => {
  test('servers: the configured ones (removed one gone), with health; licence beside them', async () => {
    const res = await call('GET', '/api/v1/servers', { token: t.readToken });
    assert.equal(res.statusCode, 200);
    const body = json<{
      items: { serverId: string; health: string; name: string }[];
      licence: { serversUsed: number; serversLimit: number };
    }>(res);
    assert.deepEqual(
      body.items.map((s) => s.serverId),
      ['srv-000', 'srv-001', 'srv-002', 'srv-003', 'srv-004'],
    );
    const { rows } = await t.seeded.db.query<{ server_id: string; health: string }>(
      'SELECT server_id, health FROM server_overview ORDER BY server_id',
    );
    assert.deepEqual(
      body.items.map((s) => [s.serverId, s.health]),
      rows.map((r) => [r.server_id, r.health]),
    );
    assert.deepEqual(body.licence, {
      tier: 'free',
      serversUsed: 5,
      serversLimit: 50,
      overLimit: false,
      upgradeHint: null,
    });
  });

  test('servers: cursor pages cover the list exactly once; a forged cursor is refused', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await call(
        'GET',
        `/api/v1/servers?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      const body = json<{ items: { serverId: string }[]; nextCursor: string | null }>(res);
      seen.push(...body.items.map((s) => s.serverId));
      cursor = body.nextCursor;
      pages++;
    } while (cursor !== null);
    assert.equal(pages, 3);
    assert.deepEqual(seen, ['srv-000', 'srv-001', 'srv-002', 'srv-003', 'srv-004']);
    const forged = await call('GET', '/api/v1/servers?cursor=bm90LWEtY3Vyc29y');
    assert.equal(forged.statusCode, 400);
    assert.equal(json(forged).code, 'API_INVALID_CURSOR');
  });

  test('fleet summary: counts by health and alerts equal the tables; attention list ordered', async () => {
    const res = await call('GET', '/api/v1/fleet/summary', { token: t.readToken });
    assert.equal(res.statusCode, 200);
    const body = json<{
      servers: number;
      byHealth: Record<string, number>;
      activeAlerts: Record<string, number>;
      attention: { serverId: string; health: string }[];
    }>(res);
    assert.equal(body.servers, 5);
    const active = t.seeded.feed.expect.alerts.active;
    assert.equal(
      Object.values(body.activeAlerts).reduce((a, b) => a + b, 0),
      active,
    );
    const rank = { CRITICAL: 0, UNREACHABLE: 1, WARNING: 2 } as Record<string, number>;
    const ranks = body.attention.map((s) => rank[s.health]!);
    assert.deepEqual(
      ranks,
      [...ranks].sort((a, b) => a - b),
      'worst first',
    );
    assert.equal(
      body.attention.length,
      (body.byHealth.CRITICAL ?? 0) +
        (body.byHealth.WARNING ?? 0) +
        (body.byHealth.UNREACHABLE ?? 0),
    );
  });

  test('sensors of one server: latest reading with thresholds and state; 404 for unknown', async () => {
    const res = await call('GET', '/api/v1/servers/srv-001/sensors', { token: t.readToken });
    assert.equal(res.statusCode, 200);
    const items = json<{
      items: { sensorId: string; time: string; state: string; thresholds: object }[];
    }>(res).items;
    assert.equal(items.length, 12);
    for (const s of items) {
      assert.equal(
        s.time,
        new Date(t.seeded.feed.expect.newest.get(`srv-001\u0000${s.sensorId}`)!).toISOString(),
      );
      assert.ok('ucr' in s.thresholds);
    }
    const missing = await call('GET', '/api/v1/servers/nope/sensors');
    assert.equal(missing.statusCode, 404);
  });

  test('inventory of one server: the newest collected; null before one; 404 for unknown', async () => {
    const res = await call('GET', '/api/v1/servers/srv-001/inventory', { token: t.readToken });
    assert.equal(res.statusCode, 200);
    const inv = json<{ inventory: { bmcFirmwareVersion: string; collectedAt: string } | null }>(
      res,
    ).inventory;
    assert.equal(inv?.bmcFirmwareVersion, '1.2', 'the second, newer inventory');
    assert.equal(inv?.collectedAt, new Date(FEED_T0 + 2 * 60_000).toISOString());
    const missing = await call('GET', '/api/v1/servers/nope/inventory');
    assert.equal(missing.statusCode, 404);
  });

  test('readings: raw for an hour, per-minute for 2 days, hourly for 7 days; values agree', async () => {
    const to = new Date(FEED_T0 + 10 * 60_000).toISOString();
    const from1h = new Date(FEED_T0 - 50 * 60_000).toISOString();
    const sensor = encodeURIComponent('Sensor 1#0x01');
    const hour = json<{
      source: string;
      stepSeconds: number;
      series: { sensorId: string; points: { avg: number; t: string }[] }[];
    }>(
      await call(
        'GET',
        `/api/v1/servers/srv-001/readings?sensor=${sensor}&from=${from1h}&to=${to}&step=30s`,
      ),
    );
    assert.equal(hour.source, 'readings');
    assert.equal(hour.series.length, 1);
    // 20 polls, 30 s apart: one point per poll up to `to` (FEED_T0 + 10 min).
    assert.equal(hour.series[0]!.points.length, 20);
    const { rows } = await t.seeded.db.query<{ value: number }>(
      `SELECT value FROM readings WHERE server_id = 'srv-001' AND sensor_id = 'Sensor 1#0x01' ORDER BY time`,
    );
    assert.deepEqual(
      hour.series[0]!.points.map((p) => p.avg),
      rows.map((r) => r.value),
    );

    const twoDays = json<{ source: string }>(
      await call(
        'GET',
        `/api/v1/servers/srv-001/readings?from=${new Date(FEED_T0 - 86_400_000).toISOString()}&to=${new Date(FEED_T0 + 86_400_000).toISOString()}`,
      ),
    );
    assert.equal(twoDays.source, 'readings_1m');
    const week = json<{ source: string; series: { points: { avg: number }[] }[] }>(
      await call(
        'GET',
        `/api/v1/servers/srv-001/readings?sensor=${sensor}&from=${new Date(FEED_T0 - 3 * 86_400_000).toISOString()}&to=${new Date(FEED_T0 + 4 * 86_400_000).toISOString()}`,
      ),
    );
    assert.equal(week.source, 'readings_1h');
    const mean = rows.reduce((a, r) => a + r.value, 0) / rows.length;
    assert.equal(week.series[0]!.points.length, 1);
    assert.ok(
      Math.abs(week.series[0]!.points[0]!.avg - mean) < 1e-9,
      'hourly average of the raw values',
    );

    const bad = await call('GET', `/api/v1/servers/srv-001/readings?from=${to}&to=${from1h}`);
    assert.equal(bad.statusCode, 400);
  });

  test('SEL events: filter by server and severity, pages in order without loss', async () => {
    const range = `from=${new Date(FEED_T0 - 3_600_000).toISOString()}&to=${new Date(NOW).toISOString()}`;
    const all = json<{ items: { eventId: string; serverId: string; time: string }[] }>(
      await call('GET', `/api/v1/events?${range}&limit=1000`, { token: t.readToken }),
    ).items;
    assert.equal(all.length, t.seeded.feed.expect.selEntries);
    // The tool's own line is there on demand (the UI shows it under each entry).
    const { rows: raw } = await t.seeded.db.query<{ event_id: string; raw_line: string | null }>(
      'SELECT event_id, raw_line FROM sel_events',
    );
    const rawOf = new Map(raw.map((r) => [r.event_id, r.raw_line]));
    for (const e of all as { eventId: string; rawLine?: string | null }[]) {
      assert.equal(e.rawLine, rawOf.get(e.eventId));
    }
    assert.ok(
      raw.some((r) => r.raw_line !== null),
      'the feed has raw lines',
    );
    const times = all.map((e) => e.time);
    assert.deepEqual(times, [...times].sort().reverse(), 'newest first');
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(
        'GET',
        `/api/v1/events?${range}&limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      const body = json<{ items: { eventId: string }[]; nextCursor: string | null }>(res);
      paged.push(...body.items.map((e) => e.eventId));
      cursor = body.nextCursor;
    } while (cursor !== null);
    assert.deepEqual(
      paged,
      all.map((e) => e.eventId),
    );
    const one = json<{ items: { serverId: string }[] }>(
      await call('GET', `/api/v1/events?${range}&serverId=srv-002`),
    ).items;
    assert.equal(one.length, 5);
    assert.ok(one.every((e) => e.serverId === 'srv-002'));
    const sev = json<{ items: { severity: string }[] }>(
      await call('GET', `/api/v1/events?${range}&severity=CRITICAL`),
    ).items;
    const { rows } = await t.seeded.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sel_events WHERE severity = 'CRITICAL'`,
    );
    assert.equal(sev.length, rows[0]!.n);
  });

  test('alerts: active and resolved as the feed left them; ack is kept beside the alert', async () => {
    const active = json<{ items: { alertId: string; status: string }[] }>(
      await call('GET', '/api/v1/alerts?state=active', { token: t.readToken }),
    ).items;
    assert.equal(active.length, t.seeded.feed.expect.alerts.active);
    assert.ok(active.every((a) => a.status === 'ACTIVE'));
    const resolved = json<{ items: unknown[] }>(
      await call('GET', '/api/v1/alerts?state=resolved'),
    ).items;
    assert.equal(resolved.length, t.seeded.feed.expect.alerts.resolved);
    const id = active[0]!.alertId;
    const denied = await call('POST', `/api/v1/alerts/${id}/ack`, { token: t.readToken, body: {} });
    assert.equal(denied.statusCode, 403);
    const ack = await call('POST', `/api/v1/alerts/${id}/ack`, {
      body: { comment: 'replacing the fan' },
    });
    assert.equal(ack.statusCode, 200);
    const detail = json<{
      alert: { acknowledged: { by: string; comment: string } };
      history: unknown[];
    }>(await call('GET', `/api/v1/alerts/${id}`));
    assert.equal(detail.alert.acknowledged.by, 'token:test-admin');
    assert.equal(detail.alert.acknowledged.comment, 'replacing the fan');
    assert.ok(detail.history.length >= 2);
    assert.equal((await call('POST', '/api/v1/alerts/nope/ack', { body: {} })).statusCode, 404);
  });

  test('insights: by kind and server; acknowledge and complete are recorded', async () => {
    const all = json<{ items: { insightId: string; kind: string; serverId: string }[] }>(
      await call('GET', '/api/v1/insights', { token: t.readToken }),
    ).items;
    const { rows } = await t.seeded.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM insights',
    );
    assert.equal(all.length, rows[0]!.n);
    const kind = all[0]!.kind;
    const byKind = json<{ items: { kind: string }[] }>(
      await call('GET', `/api/v1/insights?kind=${kind}`),
    ).items;
    assert.ok(byKind.length > 0 && byKind.every((i) => i.kind === kind));
    const id = all[0]!.insightId;
    assert.equal(
      (await call('POST', `/api/v1/insights/${id}/complete`, { body: { comment: 'DIMM swapped' } }))
        .statusCode,
      200,
    );
    const after = json<{
      items: { insightId: string; action: { action: string; comment: string } | null }[];
    }>(await call('GET', `/api/v1/insights?serverId=${all[0]!.serverId}`)).items.find(
      (i) => i.insightId === id,
    )!;
    assert.equal(after.action?.action, 'completed');
    assert.equal(after.action?.comment, 'DIMM swapped');
  });
});

describe('changing the fleet: configuration events on Kafka', () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await startFleet({
      count: 1,
      basePort: 18900,
      consoleBase: 19900,
      home: join(t.stateDir, 'fleet'),
      dcmi: false,
    });
  });
  after(async () => {
    await fleet?.stopAll();
  });

  const configEvents = async () =>
    (await t.seam.readAll('ipmi.servers.v1')).map(
      (m) => m.event as { type: string; value: Record<string, unknown> },
    );

  test('POST /servers: 201, a ServerConfigured without secrets, password encrypted at rest', async () => {
    const bmc = fleet.bmc(1);
    const res = await call('POST', '/api/v1/servers', {
      body: {
        name: 'sim-bmc-1',
        host: bmc.host,
        port: bmc.port,
        username: bmc.username,
        password: bmc.password,
        privilege: 'ADMINISTRATOR',
        cipherSuite: 3,
        workaroundFlags: ['opensesspriv'],
        tags: ['rack:a1'],
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.headers.location, '/api/v1/servers/sim-bmc-1');
    const events = await configEvents();
    const added = events.find((e) => e.value.serverId === 'sim-bmc-1')!;
    assert.equal(added.type, 'ServerConfigured');
    assert.equal(added.value.revision, 1);
    assert.equal(added.value.actor, 'token:test-admin');
    const store = await readFile(join(t.stateDir, 'credentials.json'), 'utf8');
    assert.ok(!store.includes(bmc.password), 'the store holds no clear text');
    const again = await call('POST', '/api/v1/servers', {
      body: { name: 'sim-bmc-1', host: '10.9.9.9', username: 'u', password: 'p' },
    });
    assert.equal(again.statusCode, 409);
    const sameBmc = await call('POST', '/api/v1/servers', {
      body: { name: 'other', host: bmc.host, port: bmc.port, username: 'u', password: 'p' },
    });
    assert.equal(sameBmc.statusCode, 409);
  });

  test('POST /servers with bad fields: 422 naming each field; nothing published', async () => {
    const before = (await configEvents()).length;
    const res = await call('POST', '/api/v1/servers', {
      body: { name: 'bad', host: '', port: 70000, password: PASSWORD, colour: 'red' },
    });
    assert.equal(res.statusCode, 422);
    const p = json<{ code: string; errors: { field: string }[] }>(res);
    assert.equal(p.code, 'API_INVALID_SERVER');
    const fields = p.errors.map((e) => e.field);
    for (const f of ['host', 'port', 'colour', 'username'])
      assert.ok(fields.includes(f), `${f} in ${fields.join(',')}`);
    assert.equal((await configEvents()).length, before);
  });

  test('POST /servers/:id/test: the probe opens a session on the simulator', async () => {
    const res = await call('POST', '/api/v1/servers/sim-bmc-1/test');
    assert.equal(res.statusCode, 200, res.body);
    const r = json<{ ok: boolean; steps: { name: string; ok: boolean }[] }>(res);
    assert.equal(r.ok, true, res.body);
    assert.ok(r.steps.length >= 2);
  });

  test('PATCH: the next revision with the changed fields; a wrong password fails the probe', async () => {
    const res = await call('PATCH', '/api/v1/servers/sim-bmc-1', {
      body: { tags: ['rack:b2'], password: PATCHED_PASSWORD },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(json(res).changed, true);
    const e = (await configEvents()).filter((x) => x.value.serverId === 'sim-bmc-1').at(-1)!;
    assert.equal(e.value.revision, 2);
    assert.deepEqual([...(e.value.changedFields as string[])].sort(), [
      'credentialVersion',
      'tags',
    ]);
    const probe = json<{ ok: boolean; steps: { errorCode?: string }[] }>(
      await call('POST', '/api/v1/servers/sim-bmc-1/test'),
    );
    assert.equal(probe.ok, false);
    assert.ok(
      probe.steps.some((s) => s.errorCode === 'COL_BMC_AUTH'),
      JSON.stringify(probe.steps),
    );
    const same = await call('PATCH', '/api/v1/servers/sim-bmc-1', { body: { tags: ['rack:b2'] } });
    assert.equal(json(same).changed, false, 'an unchanged PATCH publishes nothing');
  });

  test('the projection follows: GET /servers/:id shows it with its user, never a password', async () => {
    await project(
      t.seeded.db,
      (await configEvents()).map((e) => ({
        topic: 'ipmi.servers.v1',
        type: e.type,
        value: e.value as { serverId: string },
      })),
    );
    const res = await call('GET', '/api/v1/servers/sim-bmc-1', { token: t.readToken });
    assert.equal(res.statusCode, 200);
    const s = json(res);
    assert.equal(s.username, fleet.bmc(1).username);
    assert.deepEqual(s.tags, ['rack:b2']);
    assert.ok(!('password' in s));
  });

  test('import CSV: all or nothing with line numbers; then configures every row', async () => {
    const bad = await call('POST', '/api/v1/servers/import', {
      headers: { 'content-type': 'text/csv' },
      body: `name,host,username,password\nimp-1,10.1.0.1,admin,${PASSWORD}\nimp-2,,admin,x\n`,
    });
    assert.equal(bad.statusCode, 422);
    assert.ok(
      json<{ errors: { message: string }[] }>(bad).errors.some((e) =>
        e.message.startsWith('line 3'),
      ),
    );
    const ok = await call('POST', '/api/v1/servers/import', {
      headers: { 'content-type': 'text/csv' },
      body: `name,host,username,password\nimp-1,10.1.0.1,admin,${PASSWORD}\nimp-2,10.1.0.2,admin,${PASSWORD}\n`,
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(json(ok).configured, ['imp-1', 'imp-2']);
    const rerun = await call('POST', '/api/v1/servers/import?format=csv', {
      headers: { 'content-type': 'text/plain' },
      body: `name,host,username,password\nimp-1,10.1.0.1,admin,${PASSWORD}\nimp-2,10.1.0.2,admin,${PASSWORD}\n`,
    });
    assert.deepEqual(json(rerun).configured, [], 'idempotent');
  });

  test('free tier: past the limit servers are still added, and the API says so', async () => {
    const limited = await testApi({ clock: () => NOW, settings: { serversLimit: 5 } });
    try {
      const res = await limited.app.inject({
        method: 'POST',
        url: '/api/v1/servers',
        headers: { authorization: `Bearer ${limited.adminToken}` },
        payload: { name: 'sixth', host: '10.2.0.6', username: 'admin', password: PASSWORD },
      });
      assert.equal(res.statusCode, 201, res.body);
      const licence = json<{
        licence: {
          serversUsed: number;
          serversLimit: number;
          overLimit: boolean;
          upgradeHint: string;
        };
      }>(res).licence;
      assert.equal(licence.serversLimit, 5);
      assert.equal(licence.overLimit, false, 'the topic of this instance holds one server');
      const list = json<{
        licence: { serversUsed: number; overLimit: boolean; upgradeHint: string | null };
      }>(
        await limited.app.inject({
          method: 'GET',
          url: '/api/v1/servers',
          headers: { authorization: `Bearer ${limited.adminToken}` },
        }),
      ).licence;
      assert.equal(list.serversUsed, 5);
      assert.match(list.upgradeHint ?? '', /5 of the 5/);
      await limited.deps.db.query(
        `INSERT INTO servers SELECT 'extra', revision, 'extra', '10.2.0.7', port, driver, cipher_suite,
                privilege_level, workaround_flags, tags, model, sensors_interval_ms, sel_interval_ms,
                power_interval_ms, inventory_interval_ms, enabled, credential_version, configured_at, 'x'
           FROM servers WHERE server_id = 'srv-000'`,
      );
      const over = json<{
        licence: { serversUsed: number; overLimit: boolean; upgradeHint: string };
      }>(
        await limited.app.inject({
          method: 'GET',
          url: '/api/v1/fleet/summary',
          headers: { authorization: `Bearer ${limited.adminToken}` },
        }),
      ).licence;
      assert.equal(over.serversUsed, 6);
      assert.equal(over.overLimit, true);
      assert.match(over.upgradeHint, /All of them are monitored/);
    } finally {
      await limited.close();
    }
  });

  test('silences: set (one event per server) and lift', async () => {
    const res = await call('POST', '/api/v1/silences', {
      body: { serverIds: ['srv-001', 'srv-002'], duration: '2h', comment: 'PSU swap' },
    });
    assert.equal(res.statusCode, 201, res.body);
    const { silenceId } = json<{ silenceId: string }>(res);
    const events = (await t.seam.readAll('ipmi.silences.v1')).map((m) => m.event);
    assert.equal(events.filter((e) => e.type === 'SilenceSet').length, 2);
    assert.equal(
      (
        await call('POST', '/api/v1/silences', {
          body: { serverIds: ['srv-001'], duration: '2h', comment: ' ' },
        })
      ).statusCode,
      400,
    );
    const lift = await call('DELETE', `/api/v1/silences/${silenceId}`);
    assert.equal(lift.statusCode, 204);
    const after = (await t.seam.readAll('ipmi.silences.v1')).map((m) => m.event);
    assert.equal(after.filter((e) => e.type === 'SilenceLifted').length, 2);
    assert.equal((await call('DELETE', `/api/v1/silences/${silenceId}`)).statusCode, 404);
  });

  test('DELETE: a ServerRemoved, the stored password gone, 404 after', async () => {
    const res = await call('DELETE', '/api/v1/servers/sim-bmc-1?reason=decommissioned');
    assert.equal(res.statusCode, 204);
    const e = (await configEvents()).filter((x) => x.value.serverId === 'sim-bmc-1').at(-1)!;
    assert.equal(e.type, 'ServerRemoved');
    assert.equal(e.value.reason, 'decommissioned');
    assert.equal(await t.deps.credentials.has('sim-bmc-1'), false);
    assert.equal((await call('DELETE', '/api/v1/servers/sim-bmc-1')).statusCode, 404);
  });
});

describe('users, tokens, audit', () => {
  test('login gives a session; a read-only user cannot change anything; logout ends it', async () => {
    const created = await call('POST', '/api/v1/users', {
      body: { username: 'viewer', password: 'viewer-password-1', role: 'read-only' },
    });
    assert.equal(created.statusCode, 201);
    const wrong = await call('POST', '/api/v1/auth/login', {
      token: null,
      body: { username: 'viewer', password: 'nope-nope-nope' },
    });
    assert.equal(wrong.statusCode, 401);
    const login = await call('POST', '/api/v1/auth/login', {
      token: null,
      body: { username: 'viewer', password: 'viewer-password-1' },
    });
    assert.equal(login.statusCode, 200);
    assert.match(login.headers['set-cookie'] as string, /ipmi_session=.*HttpOnly; SameSite=Strict/);
    const session = json<{ token: string }>(login).token;
    const me = json(await call('GET', '/api/v1/auth/me', { token: session }));
    assert.deepEqual(me, { actor: 'user:viewer', role: 'read-only', kind: 'session' });
    const byCookie = await t.app.inject({
      method: 'GET',
      url: '/api/v1/fleet/summary',
      headers: { cookie: `ipmi_session=${encodeURIComponent(session)}` },
    });
    assert.equal(byCookie.statusCode, 200);
    assert.equal(
      (await call('POST', '/api/v1/tokens', { token: session, body: { name: 'x', role: 'admin' } }))
        .statusCode,
      403,
    );
    assert.equal((await call('POST', '/api/v1/auth/logout', { token: session })).statusCode, 204);
    assert.equal((await call('GET', '/api/v1/auth/me', { token: session })).statusCode, 401);
  });

  test('tokens: shown once, listed without secrets, revoked for good', async () => {
    const res = await call('POST', '/api/v1/tokens', {
      body: { name: 'grafana', role: 'read-only' },
    });
    assert.equal(res.statusCode, 201);
    const { token, info } = json<{ token: string; info: { tokenId: string } }>(res);
    assert.equal((await call('GET', '/api/v1/servers', { token })).statusCode, 200);
    const list = await call('GET', '/api/v1/tokens');
    assert.ok(!list.body.includes(token.split('_')[2]!), 'no secret in the list');
    assert.equal((await call('DELETE', `/api/v1/tokens/${info.tokenId}`)).statusCode, 204);
    assert.equal((await call('GET', '/api/v1/servers', { token })).statusCode, 401);
  });

  test('audit: changes and refusals are recorded with who, what and the outcome', async () => {
    const res = await call('GET', '/api/v1/audit?limit=1000');
    assert.equal(res.statusCode, 200);
    const items = json<{
      items: { actor: string; action: string; outcome: string; target: string | null }[];
    }>(res).items;
    const has = (action: string, outcome: string) =>
      items.some((i) => i.action === action && i.outcome === outcome);
    assert.ok(has('server.create', 'ok'));
    assert.ok(has('server.update', 'ok'));
    assert.ok(has('server.delete', 'ok'));
    assert.ok(has('alert.ack', 'denied'), 'the read-only attempt');
    assert.ok(has('auth.login', 'denied'), 'the wrong password');
    assert.ok(items.some((i) => i.action === 'auth.login' && i.actor === 'user:viewer'));
    assert.equal((await call('GET', '/api/v1/audit', { token: t.readToken })).statusCode, 403);
  });
});

describe('live updates', () => {
  test('GET /stream delivers an event produced after connecting, as SSE', async () => {
    const live = await testApi({ clock: () => NOW, live: true });
    try {
      await live.deps.live.ready();
      const address = await live.app.listen({ port: 0, host: '127.0.0.1' });
      const ctl = new AbortController();
      const res = await fetch(`${address}/api/v1/stream?types=ServerConfigured`, {
        headers: { authorization: `Bearer ${live.readToken}` },
        signal: ctl.signal,
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      let text = '';
      const produced = live.app.inject({
        method: 'POST',
        url: '/api/v1/servers',
        headers: { authorization: `Bearer ${live.adminToken}` },
        payload: { name: 'live-1', host: '10.3.0.1', username: 'admin', password: PASSWORD },
      });
      await eventually(
        async () => {
          const { value } = await reader.read();
          text += new TextDecoder().decode(value);
          return text.includes('event: ServerConfigured') ? true : undefined;
        },
        { timeoutMs: 30_000, what: 'the ServerConfigured event on the stream' },
      );
      assert.equal((await produced).statusCode, 201);
      const frame = text.split('\n\n').find((f) => f.includes('event: ServerConfigured'))!;
      const data = JSON.parse(
        frame
          .split('\n')
          .find((l) => l.startsWith('data: '))!
          .slice(6),
      ) as { serverId: string };
      assert.equal(data.serverId, 'live-1');
      assert.ok(!frame.includes(PASSWORD));
      ctl.abort();
      const anonymous = await fetch(`${address}/api/v1/stream`);
      assert.equal(anonymous.status, 401);
    } finally {
      await live.close();
    }
  });
});

describe('secrets', () => {
  test('no BMC password in any response, log line, event or audit record', async () => {
    const secrets = [PASSWORD, PATCHED_PASSWORD];
    for (const b of bodies)
      for (const s of secrets)
        assert.ok(!b.includes(s), `a response held a password: ${b.slice(0, 200)}`);
    for (const line of t.logLines)
      for (const s of secrets)
        assert.ok(!line.includes(s), `a log line held a password: ${line.slice(0, 200)}`);
    const topics = ['ipmi.servers.v1', 'ipmi.silences.v1'];
    for (const topic of topics) {
      for (const m of await t.seam.readAll(topic)) {
        const raw = m.raw?.toString('latin1') ?? '';
        for (const s of secrets)
          assert.ok(!raw.includes(s), `an event on ${topic} held a password`);
      }
    }
    const audit = await t.seeded.db.query<{ detail: unknown; target: string | null }>(
      'SELECT detail, target FROM api_audit',
    );
    const text = JSON.stringify(audit.rows);
    for (const s of secrets) assert.ok(!text.includes(s), 'the audit trail held a password');
    assert.ok(t.logLines.length > 0, 'logs were captured');
  });
});
