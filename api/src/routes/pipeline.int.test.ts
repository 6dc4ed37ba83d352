/**
 * GET /api/v1/pipeline over real parts: the seeded database (the projections' known stream)
 * and the real broker under a private topic prefix, so the lag is Kafka's own watermarks
 * against the stored offsets.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sampleEvents, type BmcReachabilityChanged } from '@ipmi-monitor/schemas';
import { publish } from '../kafka.js';
import type { PipelineHealth } from '../pipeline.js';
import { FEED_T0, project } from '../testing/seed.js';
import { testApi, type TestApi } from '../testing/app.js';

/** The feed's last poll is at FEED_T0 + 19 × 30 s; "now" is half a minute after. */
const NOW = FEED_T0 + 10 * 60_000;

let t: TestApi;

before(async () => {
  t = await testApi({ clock: () => NOW, settings: { pipelineLagWarn: 2 } });
});
after(async () => {
  await t?.close();
});

async function get(token: string | null) {
  return t.app.inject({
    method: 'GET',
    url: '/api/v1/pipeline',
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
}

describe('GET /api/v1/pipeline', () => {
  test('without a token: 401', async () => {
    const res = await get(null);
    assert.equal(res.statusCode, 401);
    assert.equal((JSON.parse(res.body) as { code: string }).code, 'API_UNAUTHENTICATED');
  });

  test('a read token: 200, the documented shape; seeded polls are fresh, nothing lags', async () => {
    const res = await get(t.readToken);
    assert.equal(res.statusCode, 200);
    const h = JSON.parse(res.body) as PipelineHealth;
    assert.deepEqual(Object.keys(h).sort(), [
      'bmcs',
      'checkedAt',
      'collector',
      'problems',
      'projections',
      'status',
    ]);
    assert.equal(h.status, 'ok');
    assert.equal(h.checkedAt, new Date(NOW).toISOString());
    // The seeded servers poll sensors every 30 s: 3 × 30 s is below the 120 s floor.
    assert.equal(h.collector.staleAfterSeconds, 120);
    assert.equal(h.collector.stale, false);
    assert.ok(h.collector.lastPollAt !== null);
    assert.equal(
      h.collector.ageSeconds,
      Math.floor((NOW - Date.parse(h.collector.lastPollAt)) / 1000),
    );
    // The private topics are empty while the seed stored offsets past their end: clamped to 0.
    assert.equal(h.projections.kafkaReachable, true);
    assert.equal(h.projections.lag, 0);
    assert.ok(h.projections.topics.some((x) => x.topic === 'ipmi.readings.v1'));
    assert.ok(h.projections.topics.every((x) => x.lag === 0));
    // srv-001's BMC went down and came back up in the feed; the removed server is not counted.
    assert.deepEqual(h.bmcs, { total: 5, unreachable: 0, servers: [] });
    assert.deepEqual(h.problems, []);
  });

  test('an unreachable BMC and events not yet projected: degraded, both reported', async () => {
    const down: BmcReachabilityChanged = {
      ...sampleEvents.BmcReachabilityChanged,
      eventId: 'reach-srv-002-down',
      serverId: 'srv-002',
      reachable: false,
      previousReachable: true,
      reason: 'TIMEOUT',
      occurredAt: FEED_T0 + 9 * 60_000,
    };
    await project(t.seeded.db, [
      { topic: 'ipmi.polls.v1', type: 'BmcReachabilityChanged', value: down },
    ]);
    // Three inventory events in Kafka that no projection has read (none stored for the topic).
    await t.seeded.db.query(`DELETE FROM projection_offsets WHERE topic = 'ipmi.inventory.v1'`);
    await publish(
      t.seam,
      'ipmi.inventory.v1',
      [1, 2, 3].map((i) => ({
        type: 'InventoryCollected' as const,
        value: {
          ...sampleEvents.InventoryCollected,
          eventId: `inv-pipeline-${i}`,
          serverId: 'srv-000',
        },
      })),
    );

    const res = await get(t.readToken);
    assert.equal(res.statusCode, 200);
    const h = JSON.parse(res.body) as PipelineHealth;
    assert.equal(h.status, 'degraded');
    assert.deepEqual(h.bmcs, {
      total: 5,
      unreachable: 1,
      servers: [{ serverId: 'srv-002', name: 'Server 2', reason: 'TIMEOUT' }],
    });
    assert.equal(h.projections.lag, 3);
    assert.deepEqual(
      h.projections.topics.find((x) => x.topic === 'ipmi.inventory.v1'),
      { topic: 'ipmi.inventory.v1', lag: 3 },
    );
    assert.equal(h.projections.lagging, true);
    assert.deepEqual(
      h.problems.map((p) => [p.code, p.severity]),
      [
        ['PIPE_PROJECTION_LAG', 'warning'],
        ['PIPE_BMCS_UNREACHABLE', 'warning'],
      ],
    );
    assert.match(h.problems[1]?.message ?? '', /1 of 5 BMCs unreachable: Server 2/);
  });

  test('the admin token reads it too; the route is in the API document as read', async () => {
    assert.equal((await get(t.adminToken)).statusCode, 200);
    const doc = JSON.parse((await t.app.inject({ url: '/api/v1/openapi.json' })).body) as {
      paths: Record<string, Record<string, { 'x-access'?: string; tags?: string[] }>>;
    };
    assert.equal(doc.paths['/api/v1/pipeline']?.get?.['x-access'], 'read');
    assert.deepEqual(doc.paths['/api/v1/pipeline']?.get?.tags, ['fleet']);
  });
});
