/**
 * GET /api/v1/retention reports what the database enforces: the migrations' defaults, then
 * whatever applyRetention set (as a restart with other variables would).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { applyRetention, DEFAULT_RETENTION } from '@ipmi-monitor/db';
import { testApi, type TestApi } from '../testing/app.js';

let t: TestApi;
before(async () => {
  t = await testApi({ servers: 2, sensors: 2, polls: 2 });
});
after(async () => {
  await t?.close();
});

interface Item {
  key: string;
  table: string;
  dropAfter: string | null;
  dropAfterSeconds: number | null;
  variable: string;
}

async function retention(token = t.readToken): Promise<{ status: number; items: Item[] }> {
  const res = await t.app.inject({
    method: 'GET',
    url: '/api/v1/retention',
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: res.statusCode, items: res.json<{ items?: Item[] }>().items ?? [] };
}

test('the defaults the migrations install, with the variable that changes each', async () => {
  const { status, items } = await retention();
  assert.equal(status, 200);
  const byKey = new Map(items.map((i) => [i.key, i]));
  assert.equal(byKey.get('readings')?.dropAfterSeconds, 7 * 86_400);
  assert.equal(byKey.get('readings1m')?.dropAfterSeconds, 30 * 86_400);
  assert.equal(byKey.get('readings1h')?.dropAfterSeconds, 400 * 86_400);
  assert.equal(byKey.get('pollOutcomes')?.dropAfterSeconds, 7 * 86_400);
  assert.equal(byKey.get('readings')?.variable, 'IPMI_READINGS_RETENTION');
  assert.equal(byKey.get('readings1h')?.table, 'readings_1h');
});

test('a changed retention is what the route then reports; no token, no answer', async () => {
  await applyRetention(t.seeded.db, { ...DEFAULT_RETENTION, readings: '36 hours' });
  const { items } = await retention();
  assert.equal(items.find((i) => i.key === 'readings')?.dropAfterSeconds, 36 * 3600);
  const anonymous = await t.app.inject({ method: 'GET', url: '/api/v1/retention' });
  assert.equal(anonymous.statusCode, 401);
});
