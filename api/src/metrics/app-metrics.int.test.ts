/**
 * The API's own /metrics, as Prometheus sees it: the app over a seeded database, listening
 * on loopback; `promtool check metrics` on what it serves, and a real Prometheus scraping it
 * with the scrape token and `honor_labels`, answering a query of the community
 * "IPMI Exporter" dashboard (panel "Temperatures": `ipmi_temperature_celsius{instance="$instance"}`).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually } from '@ipmi-monitor/runtime/testing';
import { testApi, type TestApi } from '../testing/app.js';
import { ALLOWED_LINT, promtoolCheck } from '../testing/promtool.js';
import { startPrometheus, type TestPrometheus } from '../testing/prometheus.js';
import { FEED_T0 } from '../testing/seed.js';

const SCRAPE_TOKEN = 'scrape-token-for-the-test-0123456789abcdef';
let t: TestApi;
let prom: TestPrometheus | undefined;

before(async () => {
  // Ten minutes after the feed's newest reading: inside the 15-minute staleness window.
  t = await testApi({
    clock: () => FEED_T0 + 20 * 60_000,
    settings: { metricsToken: SCRAPE_TOKEN },
  });
});
after(async () => {
  await prom?.stop();
  await t?.close();
});

test('GET /metrics passes promtool but for the one name ipmi_exporter uses', async () => {
  const res = await t.app.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: `Bearer ${SCRAPE_TOKEN}` },
  });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /^ipmi_temperature_celsius\{/m);
  assert.match(res.body, /^# TYPE ipmi_pipeline_/m, 'the pipeline metrics are there too');
  assert.match(res.body, /^process_cpu_seconds_total/m);
  assert.deepEqual((await promtoolCheck(res.body)).problems, [ALLOWED_LINT]);
  const other = await t.app.inject({
    method: 'GET',
    url: '/api/v1/servers',
    headers: { authorization: `Bearer ${SCRAPE_TOKEN}` },
  });
  assert.equal(other.statusCode, 401, 'the scrape token opens /metrics only');
});

test('a real Prometheus scrapes it and answers a community dashboard query', async () => {
  const address = new URL(await t.app.listen({ port: 0, host: '127.0.0.1' }));
  prom = await startPrometheus({ job: 'ipmi', targets: [address.host], bearer: SCRAPE_TOKEN });
  const { rows } = await t.seeded.db.query<{ name: string; server_id: string }>(
    `SELECT name, server_id FROM servers WHERE server_id = 'srv-001'`,
  );
  const instance = rows[0]!.name;
  const series = await eventually(
    async () => {
      const r = await prom!.query(`ipmi_temperature_celsius{instance="${instance}"}`);
      return r.length > 0 ? r : undefined;
    },
    { timeoutMs: 30_000, what: `a scrape (prometheus said: ${prom.output().slice(-500)})` },
  );
  assert.ok(series.every((s) => s.metric.server_id === 'srv-001' && s.metric.job === 'ipmi'));
  const { rows: sensors } = await t.seeded.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM sensors WHERE server_id = 'srv-001' AND sensor_type = 'TEMPERATURE'`,
  );
  assert.equal(series.length, sensors[0]!.n);
  const up = await prom.query('up{job="ipmi"}');
  assert.equal(up[0]?.value[1], '1');
});
