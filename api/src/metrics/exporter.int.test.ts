/**
 * The fleet gauges end to end: a real database holding the projections' known feed (plus
 * sensors of every unit on one server and one unreachable BMC), the gauges served over HTTP,
 * `promtool check metrics` on the exposition, and a real Prometheus scraping it with
 * `honor_labels: true` and answering queries copied from a community ipmi_exporter dashboard.
 *
 * The dashboard: "IPMI Exporter" (uid UKjaSZf7z), as kept in
 * github.com/time-spacex/monitoring-for-complex, grafana/dashboards/ipmi-exporter.json. Its
 * panels select a machine with `instance="$instance"`; `$instance` is a single-value
 * variable filled from `label_values({job="$Job"},instance)`, so Grafana puts the chosen
 * value in verbatim: below, a server's name.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import {
  sampleEvents,
  type BmcReachabilityChanged,
  type SensorReadingRecorded,
} from '@ipmi-monitor/schemas';
// Test helpers of a sibling package, by path: they are not part of its API.
import { serverName } from '../../../projections/src/testing/feed.js';
import { project, seededDb, seedLogger, type SeededDb } from '../testing/seed.js';
import { ALLOWED_LINT, promtoolCheck } from '../testing/promtool.js';
import { startPrometheus, type PromSeries, type TestPrometheus } from '../testing/prometheus.js';
import { registerFleetMetrics } from './exporter.js';

const JOB = 'ipmi-monitor';
const MINUTE = 60_000;
const STALE_MINUTES = 15;

let t: SeededDb;
let lastPoll: number;
let now: number;
let http: Server;
let metricsUrl: string;
let prom: TestPrometheus | undefined;

// A test process that dies without its after hook must not leave Prometheus running.

const SRV1 = serverName(1); // sensors of every unit, reachable
const SRV2 = serverName(2); // chassis power and DCMI
const SRV3 = serverName(3); // removed in the last test
const SRV4 = serverName(4); // BMC unreachable

/** Extra sensors on one server, read in the feed's last poll (one long stale). */
function extraReadings(): SensorReadingRecorded[] {
  const read = (
    name: string,
    number: number,
    over: Partial<SensorReadingRecorded>,
  ): SensorReadingRecorded => ({
    ...sampleEvents.SensorReadingRecorded,
    eventId: `rd-extra-${number}`,
    serverId: SRV1,
    occurredAt: lastPoll,
    observedAt: lastPoll + 500,
    pollId: 'poll-extra',
    sensorId: `${name}#0x${number.toString(16).padStart(2, '0')}`,
    sensorName: name,
    sensorNumber: number,
    state: 'OK',
    crossedThreshold: null,
    thresholds: null,
    ...over,
  });
  return [
    read('FAN1', 0x41, { sensorType: 'FAN', unit: 'RPM', value: 5400 }),
    read('FAN2 Duty', 0x42, { sensorType: 'FAN', unit: '%', value: 35 }),
    read('12V', 0x50, { sensorType: 'VOLTAGE', unit: 'V', value: 12.1, state: 'WARNING' }),
    read('PS1 Current', 0x51, { sensorType: 'CURRENT', unit: 'A', value: 1.4 }),
    read('PS1 Power', 0x52, { sensorType: 'POWER', unit: 'W', value: 310 }),
    read('Inlet', 0x60, { sensorType: 'TEMPERATURE', unit: 'F', value: 77 }),
    read('PS2 Status', 0xc9, {
      sensorType: 'POWER_SUPPLY',
      readingKind: 'DISCRETE',
      unit: null,
      value: null,
      state: 'CRITICAL',
      discreteStates: ['Power Supply AC lost'],
    }),
    read('Old Temp', 0x70, {
      unit: 'C',
      value: 33,
      occurredAt: now - 60 * MINUTE,
      observedAt: now - 60 * MINUTE,
    }),
  ];
}

async function metricsText(): Promise<string> {
  const res = await fetch(metricsUrl);
  assert.equal(res.status, 200);
  return res.text();
}

function promQuery(expr: string): Promise<PromSeries[]> {
  return prom!.query(expr);
}

/** Until `check` returns a value (Prometheus scrapes every second) or the deadline passes. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const got = await check().catch(() => undefined);
    if (got !== undefined) return got;
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within 90 s; prometheus said: ${prom?.output().slice(-2000)}`);
    }
    await sleep(250);
  }
}

/** A dashboard expression with its variables filled as Grafana fills single values. */
const fill = (expr: string, vars: Record<string, string>) =>
  expr.replace(/\$(\w+)/g, (m, name: string) => vars[name] ?? m);

/** name → sample value of a query's result (NaN stays NaN). */
const byName = (series: PromSeries[]) =>
  new Map(series.map((s) => [s.metric.name ?? '', Number(s.value[1])]));

describe('fleet gauges through promtool and Prometheus', () => {
  before(async () => {
    t = await seededDb();
    lastPoll = Math.max(...t.feed.expect.newest.values());
    // 30 s after the feed's last reading: every sensor of the feed is current.
    now = lastPoll + 30_000;
    const unreachable: BmcReachabilityChanged = {
      ...sampleEvents.BmcReachabilityChanged,
      eventId: `reach-${SRV4}-down`,
      serverId: SRV4,
      occurredAt: lastPoll,
      observedAt: lastPoll,
      reachable: false,
      previousReachable: null,
    };
    await project(t.db, [
      ...extraReadings().map((value) => ({
        topic: 'ipmi.readings.v1' as const,
        type: 'SensorReadingRecorded',
        value,
      })),
      { topic: 'ipmi.polls.v1', type: 'BmcReachabilityChanged', value: unreachable },
    ]);

    const registry = new Registry();
    registerFleetMetrics(registry, t.db, {
      staleSensorMinutes: STALE_MINUTES,
      clock: () => now,
      logger: seedLogger,
    });
    http = createServer((req, res) => {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          res.writeHead(500);
          res.end(String(err));
        },
      );
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const target = `127.0.0.1:${(http.address() as AddressInfo).port}`;
    metricsUrl = `http://${target}/metrics`;

    prom = await startPrometheus({ job: JOB, targets: [target] });
  });

  after(async () => {
    await prom?.stop();
    if (http) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
    await t?.dispose();
  });

  test('the exposition passes promtool check metrics but for the one name ipmi_exporter uses', async () => {
    const text = await metricsText();
    // Not vacuous: the gauges are there, read from the database.
    assert.match(text, /^ipmi_temperature_celsius\{/m);
    assert.match(text, /^ipmi_sensor_state\{/m);
    assert.match(text, /^ipmi_monitor_fleet_up 1$/m);
    assert.match(text, /^ipmi_sel_logs_count\{/m);
    const { problems } = await promtoolCheck(text);
    assert.deepEqual(problems, [ALLOWED_LINT]);
  });

  test('the SQL side: SEL since the clear, alerts, health, BMCs, polls', async () => {
    const text = await metricsText();
    const value = (series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      assert.ok(line, `${series} is exposed`);
      return Number(line.slice(series.length + 1));
    };
    const target = (id: string, name: string) => `instance="${name}",server_id="${id}"`;
    const servers = (
      await t.db.query<{ server_id: string; name: string; health: string }>(
        'SELECT server_id, name, health FROM server_overview ORDER BY server_id',
      )
    ).rows;
    assert.equal(servers.length, 5);
    // SEL: five entries per server, all of srv-000's before its clear.
    for (const s of servers) {
      const want = s.server_id === serverName(0) ? 0 : 5;
      assert.equal(value(`ipmi_monitor_sel_entries{${target(s.server_id, s.name)}}`), want);
    }
    const active =
      // The feed's removed server keeps an active alert: only configured servers count.
      (
        await t.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM alerts a JOIN servers s USING (server_id)
          WHERE a.status = 'ACTIVE' AND a.severity = 'CRITICAL'`,
        )
      ).rows[0]?.n;
    assert.ok(active !== undefined && active > 0);
    assert.equal(value('ipmi_monitor_active_alerts{severity="CRITICAL",silenced="false"}'), active);
    for (const h of ['OK', 'WARNING', 'CRITICAL', 'UNREACHABLE', 'UNKNOWN']) {
      const n = servers.filter((s) => s.health === h).length;
      assert.equal(value(`ipmi_monitor_servers{health="${h}"}`), n, h);
    }
    assert.equal(value('ipmi_monitor_bmcs'), 5);
    // srv-004 is down; the others answer (srv-001 by its reachability event, the rest by
    // their latest poll, PARTIAL, as the feed has no reachability event for them).
    assert.equal(value('ipmi_monitor_bmcs_up'), 4);
    const poll = (
      await t.db.query<{ duration_ms: number }>(
        "SELECT duration_ms FROM poll_outcomes WHERE server_id = $1 AND kind = 'SENSORS' ORDER BY time DESC LIMIT 1",
        [SRV1],
      )
    ).rows[0]?.duration_ms;
    assert.equal(typeof poll, 'number');
    const name1 = servers.find((s) => s.server_id === SRV1)?.name ?? '';
    assert.equal(value(`ipmi_scrape_duration_seconds{${target(SRV1, name1)}}`), (poll ?? 0) / 1000);
  });

  test('queries of the "IPMI Exporter" dashboard return what the database holds', async () => {
    // Wait for the first scrape that reached our series.
    await eventually('first scrape', async () =>
      (await promQuery(`up{job="${JOB}"} == 1`)).length === 1 ? true : undefined,
    );
    const names = new Map(
      (
        await t.db.query<{ server_id: string; name: string }>('SELECT server_id, name FROM servers')
      ).rows.map((r) => [r.server_id, r.name]),
    );
    const instance = (id: string) => {
      const n = names.get(id);
      assert.ok(n, `${id} is configured`);
      return n;
    };

    // Template variable "instance": label_values({job="$Job"},instance).
    const res = await fetch(
      `${prom!.url}/api/v1/label/instance/values?match[]=${encodeURIComponent(`{job="${JOB}"}`)}`,
    );
    const values = ((await res.json()) as { data: string[] }).data;
    for (const id of [SRV1, SRV2, SRV3]) assert.ok(values.includes(instance(id)), id);
    assert.ok(!values.includes('Server 5'), 'the removed server of the feed');

    // Panel "Temperatures" (id 16): ipmi_temperature_celsius{instance="$instance"}.
    const temps = await eventually('temperatures of SRV1', async () => {
      const r = await promQuery(
        fill('ipmi_temperature_celsius{instance="$instance"}', { instance: instance(SRV1) }),
      );
      return r.length > 0 ? r : undefined;
    });
    for (const s of temps) {
      // honor_labels: our instance, not the target's host:port; Prometheus' own job.
      assert.equal(s.metric.instance, instance(SRV1));
      assert.equal(s.metric.server_id, SRV1);
      assert.equal(s.metric.job, JOB);
    }
    const cutoff = new Date(now - STALE_MINUTES * MINUTE).toISOString();
    const want = new Map(
      (
        await t.db.query<{ name: string; unit: string; value: number | null }>(
          `SELECT name, unit, value FROM sensors
            WHERE server_id = $1 AND unit IN ('C', 'F') AND time >= $2::timestamptz`,
          [SRV1, cutoff],
        )
      ).rows.map((r) => [
        r.name,
        r.value === null ? Number.NaN : r.unit === 'F' ? ((r.value - 32) * 5) / 9 : r.value,
      ]),
    );
    assert.ok(want.size >= 12, `${want.size} temperature sensors`);
    assert.ok(!want.has('Old Temp'));
    const got = byName(temps);
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
    for (const [name, v] of want) {
      const g = got.get(name) ?? Number.NaN;
      if (Number.isNaN(v)) assert.ok(Number.isNaN(g), `${name}: ${g}, want NaN`);
      else assert.ok(Math.abs(g - v) < 1e-9, `${name}: ${g}, want ${v}`);
    }
    assert.equal(got.get('Inlet'), 25);

    // Panel "Temperature State" (id 17): an unreadable sensor is NaN, a hot one 2.
    const states = byName(
      await promQuery(
        fill('ipmi_temperature_state{instance="$instance"}', { instance: instance(SRV1) }),
      ),
    );
    const stateRows = (
      await t.db.query<{ name: string; state: string }>(
        `SELECT name, state FROM sensors
          WHERE server_id = $1 AND unit = 'C' AND time >= $2::timestamptz`,
        [SRV1, cutoff],
      )
    ).rows;
    for (const r of stateRows) {
      const expect = { OK: 0, WARNING: 1, CRITICAL: 2 }[r.state] ?? Number.NaN;
      const g = states.get(r.name) ?? -1;
      if (Number.isNaN(expect)) assert.ok(Number.isNaN(g), `${r.name} (${r.state}): ${g}`);
      else assert.equal(g, expect, `${r.name} (${r.state})`);
    }
    assert.ok(
      stateRows.some((r) => r.state === 'UNKNOWN'),
      'the feed has an unreadable sensor',
    );

    // Panel "Fan speed in rotations per minute" (id 4).
    const fans = byName(
      await promQuery(
        fill('ipmi_fan_speed_rpm{instance="$instance"}', { instance: instance(SRV1) }),
      ),
    );
    assert.deepEqual([...fans], [['FAN1', 5400]]);

    // Panel "IPMI Sensors State" (id 14): the discrete power supply sensor.
    const generic = await promQuery(
      fill('ipmi_sensor_state{instance="$instance"}', { instance: instance(SRV1) }),
    );
    assert.equal(generic.length, 1);
    assert.equal(generic[0]?.metric.name, 'PS2 Status');
    assert.equal(generic[0]?.metric.type, 'Power Supply');
    assert.equal(generic[0]?.metric.id, String(0xc9));
    assert.equal(generic[0]?.value[1], '2');

    // Panel "Power Consumption watts" (id 8).
    const dcmi = (
      await t.db.query<{ dcmi_watts: number }>(
        'SELECT dcmi_watts FROM server_status WHERE server_id = $1',
        [SRV2],
      )
    ).rows[0]?.dcmi_watts;
    assert.equal(typeof dcmi, 'number');
    const power = await promQuery(
      fill('ipmi_dcmi_power_consumption_watts{instance="$instance"}', {
        instance: instance(SRV2),
      }),
    );
    assert.deepEqual(
      power.map((s) => Number(s.value[1])),
      [dcmi],
    );

    // Panel "Power Status" (id 2): ipmi_chassis_power_state, every instance.
    const chassis = await promQuery('ipmi_chassis_power_state');
    assert.deepEqual(
      chassis.map((s) => [s.metric.instance, s.value[1]]),
      [[instance(SRV2), '1']],
    );

    // The unreachable BMC: ipmi_up 0 and none of its sensors.
    const down = await promQuery(`ipmi_up{instance="${instance(SRV4)}",collector="ipmi"}`);
    assert.deepEqual(
      down.map((s) => s.value[1]),
      ['0'],
    );
    assert.deepEqual(await promQuery(`ipmi_temperature_celsius{instance="${instance(SRV4)}"}`), []);
  });

  test('a removed server: its series are gone from the next scrape', async () => {
    const series = (text: string, id: string) =>
      text.split('\n').filter((l) => l.includes(`server_id="${id}"`));
    const removedName = (
      await t.db.query<{ name: string }>('SELECT name FROM servers WHERE server_id = $1', [SRV3])
    ).rows[0]?.name;
    assert.ok(removedName);
    const before = await metricsText();
    assert.ok(before.includes(`instance="${removedName}"`));
    assert.ok(series(before, SRV3).length > 12, 'the server has series before');
    assert.match(before, /^ipmi_monitor_bmcs 5$/m);

    await t.db.query('DELETE FROM servers WHERE server_id = $1', [SRV3]);

    const afterText = await metricsText();
    assert.deepEqual(series(afterText, SRV3), []);
    assert.ok(!afterText.includes(`instance="${removedName}"`));
    assert.ok(series(afterText, SRV1).length > 12, 'the others stay');
    assert.match(afterText, /^ipmi_monitor_bmcs 4$/m);
  });

  test('the database gone: fleet_up 0, the last values still served', async () => {
    await t.db.close();
    const text = await metricsText();
    assert.match(text, /^ipmi_monitor_fleet_up 0$/m);
    assert.match(text, new RegExp(`^ipmi_temperature_celsius\\{[^}]*server_id="${SRV1}"`, 'm'));
  });
});
