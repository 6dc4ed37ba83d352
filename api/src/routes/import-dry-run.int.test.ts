/**
 * `POST /servers/import?dryRun=true` over real parts (the broker, a private topic prefix, a
 * real credential store): the same parsing, validation, conflicts and licence as the import,
 * each server's would-be action, and nothing stored or published. Each dry run is checked
 * against the real import of the same file.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FEED_T0 } from '../testing/seed.js';
import { testApi, type TestApi } from '../testing/app.js';

/** As in routes.int.test.ts: a minute after the seeded feed's last poll. */
const NOW = FEED_T0 + 20 * 60_000;
const PASSWORD = 'Dry-Run-S3cret-pw';
const NEW_PASSWORD = 'An0ther-Dry-S3cret';

let t: TestApi;
const bodies: string[] = [];

async function importCall(
  body: string | { format?: string; content: string },
  o: { query?: string; contentType?: string } = {},
) {
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1/servers/import${o.query ?? ''}`,
    headers: {
      authorization: `Bearer ${t.adminToken}`,
      ...(o.contentType ? { 'content-type': o.contentType } : {}),
    },
    payload: body,
  });
  bodies.push(res.body);
  return res;
}

const json = <T = Record<string, unknown>>(res: { body: string }) => JSON.parse(res.body) as T;

interface Preview {
  dryRun: true;
  format: string;
  rows: {
    line: number | null;
    serverId: string;
    name: string;
    action: string;
    changedFields: string[];
  }[];
  licence: { serversUsed: number; serversLimit: number; overLimit: boolean };
}

/** What a dry run must leave alone: the topic, the credential store, the server list. */
async function snapshot() {
  const events = await t.seam.readAll('ipmi.servers.v1');
  const store = await readFile(join(t.stateDir, 'credentials.json'), 'utf8').catch(() => '');
  const list = await t.app.inject({
    method: 'GET',
    url: '/api/v1/servers?limit=500',
    headers: { authorization: `Bearer ${t.adminToken}` },
  });
  const ids = json<{ items: { serverId: string }[] }>(list).items.map((s) => s.serverId);
  return { events: events.length, store, ids };
}

const CSV = `name,host,username,password
dry-1,10.7.0.1,admin,${PASSWORD}
dry-2,10.7.0.2,admin,${PASSWORD}
`;

before(async () => {
  t = await testApi({ clock: () => NOW, settings: { serversLimit: 3 } });
  const res = await importCall(CSV, { contentType: 'text/csv' });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(json(res).configured, ['dry-1', 'dry-2']);
});
after(async () => {
  await t?.close();
});

describe('import dry run', () => {
  test('the same file again: every row unchanged, nothing published', async () => {
    const before = await snapshot();
    const res = await importCall(CSV, { query: '?dryRun=true', contentType: 'text/csv' });
    assert.equal(res.statusCode, 200, res.body);
    const p = json<Preview>(res);
    assert.equal(p.dryRun, true);
    assert.equal(p.format, 'csv');
    assert.deepEqual(p.rows, [
      { line: 2, serverId: 'dry-1', name: 'dry-1', action: 'unchanged', changedFields: [] },
      { line: 3, serverId: 'dry-2', name: 'dry-2', action: 'unchanged', changedFields: [] },
    ]);
    assert.equal(p.licence.serversUsed, 2);
    assert.deepEqual(await snapshot(), before);
  });

  test('YAML as JSON { format, content }: add, update (which fields), unchanged; then the import agrees', async () => {
    const yaml = `defaults:
  username: admin
servers:
  - name: dry-1
    host: 10.7.0.1
    password: ${PASSWORD}
  - name: dry-2
    host: 10.7.0.22
    privilege: OPERATOR
    intervals: { sel: 5m }
    password: ${NEW_PASSWORD}
  - name: dry-3
    host: 10.7.0.3
    password: ${PASSWORD}
  - name: dry-4
    host: 10.7.0.4
    password: ${PASSWORD}
`;
    const before = await snapshot();
    const res = await importCall(
      { format: 'yaml', content: yaml },
      { query: '?format=yaml&dryRun=true' },
    );
    assert.equal(res.statusCode, 200, res.body);
    const p = json<Preview>(res);
    assert.equal(p.format, 'yaml');
    assert.deepEqual(
      p.rows.map((r) => [r.line, r.serverId, r.action, r.changedFields]),
      [
        [4, 'dry-1', 'unchanged', []],
        [7, 'dry-2', 'update', ['host', 'privilege', 'intervals.sel', 'password']],
        [12, 'dry-3', 'add', []],
        [15, 'dry-4', 'add', []],
      ],
    );
    assert.equal(p.licence.serversUsed, 4, 'the licence as after the import');
    assert.equal(p.licence.overLimit, true);
    assert.deepEqual(await snapshot(), before, 'nothing stored, published or listed');

    const real = await importCall({ format: 'yaml', content: yaml });
    assert.equal(real.statusCode, 200, real.body);
    const r = json<{ configured: string[]; unchanged: string[]; licence: unknown }>(real);
    assert.deepEqual(
      r.configured,
      p.rows.filter((x) => x.action !== 'unchanged').map((x) => x.serverId),
    );
    assert.deepEqual(
      r.unchanged,
      p.rows.filter((x) => x.action === 'unchanged').map((x) => x.serverId),
    );
    assert.deepEqual(r.licence, p.licence);
    assert.ok(!('dryRun' in r), 'the real import answers as before');
    const events = await t.seam.readAll('ipmi.servers.v1');
    const dry2 = events
      .map((m) => m.event as { value: { serverId: string; changedFields: string[] } })
      .filter((e) => e.value.serverId === 'dry-2')
      .at(-1)!;
    assert.deepEqual([...dry2.value.changedFields].sort(), [
      'credentialVersion',
      'host',
      'pollIntervals',
      'privilegeLevel',
    ]);
  });

  test('a user name change is named; a detected format is reported', async () => {
    const csv = `name,host,username,password\ndry-3,10.7.0.3,root,${PASSWORD}\n`;
    const res = await importCall({ content: csv }, { query: '?dryRun=true' });
    assert.equal(res.statusCode, 200, res.body);
    const p = json<Preview>(res);
    assert.equal(p.format, 'csv');
    assert.deepEqual(p.rows[0]?.changedFields, ['username']);
    assert.equal(p.rows[0]?.action, 'update');
  });

  test('invalid: the same 422 problem with per-line errors as the import; nothing published', async () => {
    const bad = `name,host,username,password
dry-5,10.7.0.5,admin,${PASSWORD}
dry-6,,admin,x
dry-7,10.7.0.7,admin,${PASSWORD},extra
dry-8,10.7.0.8,admin,${PASSWORD}
`;
    const before = await snapshot();
    const dry = await importCall(bad, { query: '?dryRun=true', contentType: 'text/csv' });
    assert.equal(dry.statusCode, 422, dry.body);
    const real = await importCall(bad, { contentType: 'text/csv' });
    assert.equal(real.statusCode, 422, real.body);
    const d = json<{ code: string; detail: string; errors: { message: string }[] }>(dry);
    const r = json<{ code: string; detail: string; errors: { message: string }[] }>(real);
    assert.equal(d.code, 'API_INVALID_SERVER');
    assert.equal(d.code, r.code);
    assert.equal(d.detail, r.detail);
    assert.deepEqual(d.errors, r.errors);
    assert.ok(
      d.errors.some((e) => e.message.startsWith('line 3')),
      dry.body,
    );
    assert.ok(
      d.errors.some((e) => e.message.startsWith('line 4')),
      dry.body,
    );
    assert.deepEqual(await snapshot(), before);
  });

  test('a BMC configured as another server: the same 409 as the import', async () => {
    const clash = `name,host,username,password\ndry-9,10.7.0.1,admin,${PASSWORD}\n`;
    const dry = await importCall(clash, { query: '?dryRun=true', contentType: 'text/csv' });
    const real = await importCall(clash, { contentType: 'text/csv' });
    assert.equal(dry.statusCode, 409, dry.body);
    assert.equal(real.statusCode, 409, real.body);
    assert.equal(json(dry).detail, json(real).detail);
  });

  test('read-only tokens may not dry-run either', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/servers/import?dryRun=true',
      headers: { authorization: `Bearer ${t.readToken}`, 'content-type': 'text/csv' },
      payload: CSV,
    });
    assert.equal(res.statusCode, 403);
  });

  test('audited as an import with dryRun in its detail', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/audit?limit=1000',
      headers: { authorization: `Bearer ${t.adminToken}` },
    });
    const items = json<{
      items: { action: string; outcome: string; detail: Record<string, unknown> | null }[];
    }>(res).items;
    const dry = items.filter((i) => i.action === 'server.import' && i.detail?.dryRun === true);
    assert.ok(
      dry.some((i) => i.outcome === 'ok' && i.detail?.add === 2 && i.detail.update === 1),
      JSON.stringify(dry),
    );
    assert.ok(dry.some((i) => i.outcome === 'failed'));
  });

  test('no BMC password in any response', () => {
    for (const b of bodies)
      for (const s of [PASSWORD, NEW_PASSWORD])
        assert.ok(!b.includes(s), `a response held a password: ${b.slice(0, 200)}`);
  });
});
