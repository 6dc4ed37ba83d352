/**
 * The rows → samples mapping of the fleet gauges: which metric each sensor lands in, with
 * which labels and which state encoding (the exporter's: 0/1/2, NaN when unknown), and what
 * is left out (stale sensors, servers not configured or disabled, collectors never run).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createMetricsRegistry } from '@ipmi-monitor/runtime';
import { sensorStateSymbols, sensorTypeSymbols } from '@ipmi-monitor/schemas';
import {
  FLEET_METRICS,
  fleetSamples,
  freeipmiSensorType,
  registerFleetMetrics,
  stateValue,
  type FleetRows,
  type Sample,
  type SensorRow,
  type ServerRow,
} from './exporter.js';

const NOW = Date.parse('2026-11-20T12:00:00Z');
const WINDOW = { now: NOW, staleSensorMinutes: 15 };
const ago = (minutes: number) => new Date(NOW - minutes * 60_000);

function server(id: string, over: Partial<ServerRow> = {}): ServerRow {
  return {
    serverId: id,
    name: `name of ${id}`,
    enabled: true,
    health: 'OK',
    reachable: true,
    lastPollAt: ago(1),
    lastPollOutcome: 'OK',
    powerState: null,
    powerObservedAt: null,
    dcmiWatts: null,
    driveFault: null,
    coolingFault: null,
    hasInventory: false,
    firmwareRevision: null,
    manufacturerId: null,
    manufacturer: null,
    ...over,
  };
}

function sensor(serverId: string, name: string, over: Partial<SensorRow> = {}): SensorRow {
  const sensorNumber = over.sensorNumber === undefined ? 7 : over.sensorNumber;
  return {
    serverId,
    sensorId: sensorNumber === null ? name : `${name}#0x${sensorNumber.toString(16)}`,
    name,
    sensorNumber,
    sensorType: 'TEMPERATURE',
    unit: 'C',
    value: 40,
    state: 'OK',
    time: ago(1),
    ...over,
  };
}

const rows = (over: Partial<FleetRows> = {}): FleetRows => ({
  servers: [],
  sensors: [],
  polls: [],
  selEntries: [],
  alerts: [],
  ...over,
});

const named = (samples: Sample[], name: string) => samples.filter((s) => s.name === name);
const of = (samples: Sample[], serverId: string) =>
  samples.filter((s) => s.labels.server_id === serverId);

/** The one sample of `name` whose labels include `labels`. */
function one(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample {
  const found = named(samples, name).filter((s) =>
    Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  assert.equal(found.length, 1, `${name} ${JSON.stringify(labels)}: ${found.length} samples`);
  return found[0] as Sample;
}

describe('sensors', () => {
  const A = server('a', { name: 'rack1-db' });
  const cases: {
    unit: string | null;
    type?: string;
    value: number | null;
    metric: string;
    stateMetric: string;
    expect: number;
  }[] = [
    {
      unit: 'C',
      value: 41.5,
      metric: 'ipmi_temperature_celsius',
      stateMetric: 'ipmi_temperature_state',
      expect: 41.5,
    },
    {
      unit: 'F',
      value: 212,
      metric: 'ipmi_temperature_celsius',
      stateMetric: 'ipmi_temperature_state',
      expect: 100,
    },
    {
      unit: 'K',
      value: 300,
      metric: 'ipmi_temperature_celsius',
      stateMetric: 'ipmi_temperature_state',
      expect: 300 - 273.15,
    },
    {
      unit: 'RPM',
      type: 'FAN',
      value: 5400,
      metric: 'ipmi_fan_speed_rpm',
      stateMetric: 'ipmi_fan_speed_state',
      expect: 5400,
    },
    {
      unit: '%',
      type: 'FAN',
      value: 35,
      metric: 'ipmi_fan_speed_ratio',
      stateMetric: 'ipmi_fan_speed_state',
      expect: 0.35,
    },
    {
      unit: 'V',
      type: 'VOLTAGE',
      value: 12.1,
      metric: 'ipmi_voltage_volts',
      stateMetric: 'ipmi_voltage_state',
      expect: 12.1,
    },
    {
      unit: 'A',
      type: 'CURRENT',
      value: 1.4,
      metric: 'ipmi_current_amperes',
      stateMetric: 'ipmi_current_state',
      expect: 1.4,
    },
    {
      unit: 'W',
      type: 'POWER',
      value: 310,
      metric: 'ipmi_power_watts',
      stateMetric: 'ipmi_power_state',
      expect: 310,
    },
  ];
  for (const c of cases) {
    test(`unit ${c.unit} → ${c.metric} and ${c.stateMetric}`, () => {
      const s = fleetSamples(
        rows({
          servers: [A],
          sensors: [
            sensor('a', 'Probe', {
              unit: c.unit,
              sensorType: c.type ?? 'TEMPERATURE',
              value: c.value,
              state: 'WARNING',
              sensorNumber: 48,
            }),
          ],
        }),
        WINDOW,
      );
      const labels = { instance: 'rack1-db', server_id: 'a', id: '48', name: 'Probe' };
      const v = one(s, c.metric);
      assert.deepEqual(v.labels, labels);
      assert.ok(Math.abs(v.value - c.expect) < 1e-9, `${v.value} ≠ ${c.expect}`);
      assert.deepEqual(one(s, c.stateMetric), { name: c.stateMetric, labels, value: 1 });
      // Nothing else carries this sensor.
      const sensorSeries = s.filter((x) => x.labels.name === 'Probe').map((x) => x.name);
      assert.deepEqual(sensorSeries.sort(), [c.metric, c.stateMetric].sort());
    });
  }

  test('a discrete sensor is generic: value NaN, its state, FreeIPMI type name', () => {
    const s = fleetSamples(
      rows({
        servers: [A],
        sensors: [
          sensor('a', 'PS2 Status', {
            unit: null,
            value: null,
            sensorType: 'POWER_SUPPLY',
            state: 'CRITICAL',
            sensorNumber: 0xc9,
          }),
        ],
      }),
      WINDOW,
    );
    const labels = {
      instance: 'rack1-db',
      server_id: 'a',
      id: '201',
      name: 'PS2 Status',
      type: 'Power Supply',
    };
    const v = one(s, 'ipmi_sensor_value');
    assert.deepEqual(v.labels, labels);
    assert.ok(Number.isNaN(v.value));
    assert.deepEqual(one(s, 'ipmi_sensor_state'), {
      name: 'ipmi_sensor_state',
      labels,
      value: 2,
    });
  });

  test('percent on a sensor that is not a fan is generic, unscaled', () => {
    const s = fleetSamples(
      rows({
        servers: [A],
        sensors: [sensor('a', 'CPU Usage', { unit: '%', sensorType: 'OTHER_UNITS', value: 35 })],
      }),
      WINDOW,
    );
    const v = one(s, 'ipmi_sensor_value', { name: 'CPU Usage' });
    assert.equal(v.value, 35);
    assert.equal(v.labels.type, 'Other Units Based Sensor');
    assert.equal(named(s, 'ipmi_fan_speed_ratio').length, 0);
  });

  test('state encoding: OK 0, WARNING 1, CRITICAL 2, anything else NaN', () => {
    const want: Record<string, number> = { OK: 0, WARNING: 1, CRITICAL: 2 };
    for (const state of [...sensorStateSymbols, 'SOMETHING_NEW']) {
      const got = stateValue(state);
      if (state in want) assert.equal(got, want[state], state);
      else assert.ok(Number.isNaN(got), `${state} → ${got}`);
    }
  });

  test('an unreadable sensor keeps its series, value and state NaN (UNKNOWN)', () => {
    const s = fleetSamples(
      rows({ servers: [A], sensors: [sensor('a', 'VBAT', { value: null, state: 'UNKNOWN' })] }),
      WINDOW,
    );
    assert.ok(Number.isNaN(one(s, 'ipmi_temperature_celsius').value));
    assert.ok(Number.isNaN(one(s, 'ipmi_temperature_state').value));
  });

  test('every sensor type has its FreeIPMI name', () => {
    for (const t of sensorTypeSymbols) {
      const name = freeipmiSensorType(t);
      if (t === 'UNKNOWN') assert.equal(name, 'Unknown');
      else assert.notEqual(name, 'Unknown', t);
    }
    assert.equal(freeipmiSensorType('CABLE_INTERCONNECT'), 'Cable/Interconnect');
    assert.equal(freeipmiSensorType('OEM'), 'OEM Reserved');
    assert.equal(freeipmiSensorType('A_SYMBOL_FROM_THE_FUTURE'), 'Unknown');
  });

  test('a sensor without a number has an empty id', () => {
    const s = fleetSamples(
      rows({ servers: [A], sensors: [sensor('a', 'Inlet', { sensorNumber: null })] }),
      WINDOW,
    );
    assert.equal(one(s, 'ipmi_temperature_celsius').labels.id, '');
  });

  test('a stale sensor drops out; one read exactly at the window edge stays', () => {
    const s = fleetSamples(
      rows({
        servers: [A],
        sensors: [
          sensor('a', 'Old', { sensorNumber: 1, time: ago(15.01) }),
          sensor('a', 'Edge', { sensorNumber: 2, time: ago(15) }),
          sensor('a', 'New', { sensorNumber: 3, time: ago(0) }),
        ],
      }),
      WINDOW,
    );
    assert.deepEqual(
      named(s, 'ipmi_temperature_celsius').map((x) => x.labels.name),
      ['Edge', 'New'],
    );
  });

  test('no fresh sensor at all: ipmi_up{collector="ipmi"} is 0', () => {
    const s = fleetSamples(
      rows({ servers: [A], sensors: [sensor('a', 'Old', { time: ago(60) })] }),
      WINDOW,
    );
    assert.equal(one(s, 'ipmi_up', { collector: 'ipmi' }).value, 0);
    assert.equal(named(s, 'ipmi_temperature_celsius').length, 0);
  });

  test('two sensors that would make the same series give one', () => {
    const s = fleetSamples(
      rows({
        servers: [A],
        sensors: [
          sensor('a', 'T', { sensorId: 'T#0x07', value: 1 }),
          sensor('a', 'T', { sensorId: 'T#0x07 (dup)', value: 2 }),
        ],
      }),
      WINDOW,
    );
    assert.equal(named(s, 'ipmi_temperature_celsius').length, 1);
  });
});

describe('servers', () => {
  test('only configured, enabled servers have series; disabled ones still count by health', () => {
    const s = fleetSamples(
      rows({
        servers: [server('a'), server('off', { enabled: false, health: 'UNKNOWN' })],
        sensors: [sensor('a', 'T'), sensor('off', 'T'), sensor('gone', 'T')],
        polls: [{ serverId: 'gone', kind: 'SENSORS', durationMs: 900, time: ago(1) }],
        selEntries: [{ serverId: 'gone', entries: 4 }],
      }),
      WINDOW,
    );
    assert.deepEqual([...new Set(s.map((x) => x.labels.server_id).filter(Boolean))], ['a']);
    assert.equal(one(s, 'ipmi_monitor_servers', { health: 'OK' }).value, 1);
    assert.equal(one(s, 'ipmi_monitor_servers', { health: 'UNKNOWN' }).value, 1);
    assert.equal(one(s, 'ipmi_monitor_bmcs').value, 1);
  });

  test('a server removed between two reads leaves no series in the second', () => {
    const both = rows({
      servers: [server('a'), server('b')],
      sensors: [sensor('a', 'T'), sensor('b', 'T')],
      polls: [{ serverId: 'b', kind: 'SENSORS', durationMs: 900, time: ago(1) }],
      selEntries: [{ serverId: 'b', entries: 2 }],
      alerts: [{ serverId: 'b', severity: 'CRITICAL', silenced: false, count: 1 }],
    });
    const first = fleetSamples(both, WINDOW);
    assert.ok(of(first, 'b').length > 0);
    assert.equal(
      one(first, 'ipmi_monitor_active_alerts', { severity: 'CRITICAL', silenced: 'false' }).value,
      1,
    );
    // The servers row is gone; the other tables may still hold the server's rows.
    const second = fleetSamples({ ...both, servers: [server('a')] }, WINDOW);
    assert.deepEqual(of(second, 'b'), []);
    assert.ok(second.every((x) => x.labels.instance !== 'name of b'));
    assert.equal(
      one(second, 'ipmi_monitor_active_alerts', { severity: 'CRITICAL', silenced: 'false' }).value,
      0,
    );
    assert.equal(one(second, 'ipmi_monitor_bmcs').value, 1);
  });

  test('an unreachable BMC: every collector it had is 0, no other series', () => {
    const s = fleetSamples(
      rows({
        servers: [
          server('a', {
            reachable: false,
            powerState: 'ON',
            powerObservedAt: ago(1),
            dcmiWatts: 300,
            hasInventory: true,
          }),
        ],
        sensors: [sensor('a', 'T')],
      }),
      WINDOW,
    );
    const up = Object.fromEntries(
      named(s, 'ipmi_up').map((x) => [x.labels.collector ?? '', x.value]),
    );
    assert.deepEqual(up, { ipmi: 0, chassis: 0, dcmi: 0, bmc: 0 });
    for (const name of [
      'ipmi_temperature_celsius',
      'ipmi_chassis_power_state',
      'ipmi_dcmi_power_consumption_watts',
      'ipmi_bmc_info',
    ]) {
      assert.equal(named(s, name).length, 0, name);
    }
    assert.equal(one(s, 'ipmi_monitor_bmcs_up').value, 0);
  });

  test('no reachability event yet: a recent OK or PARTIAL poll means the BMC answers', () => {
    const s = fleetSamples(
      rows({
        servers: [
          server('partial', { reachable: null, lastPollOutcome: 'PARTIAL', lastPollAt: ago(2) }),
          server('failed', { reachable: null, lastPollOutcome: 'FAILED', lastPollAt: ago(2) }),
          server('old', { reachable: null, lastPollOutcome: 'OK', lastPollAt: ago(30) }),
          server('never', { reachable: null, lastPollOutcome: null, lastPollAt: null }),
        ],
        sensors: ['partial', 'failed', 'old', 'never'].map((id) => sensor(id, 'T')),
      }),
      WINDOW,
    );
    const up = Object.fromEntries(
      named(s, 'ipmi_up').map((x) => [x.labels.server_id ?? '', x.value]),
    );
    assert.deepEqual(up, { failed: 0, never: 0, old: 0, partial: 1 });
    assert.equal(one(s, 'ipmi_monitor_bmcs_up').value, 1);
    assert.equal(one(s, 'ipmi_monitor_bmcs').value, 4);
  });

  test('collectors never run for a server have no ipmi_up', () => {
    const s = fleetSamples(rows({ servers: [server('a')], sensors: [sensor('a', 'T')] }), WINDOW);
    assert.deepEqual(
      named(s, 'ipmi_up').map((x) => x.labels.collector),
      ['ipmi'],
    );
  });

  test('chassis: ON 1, OFF 0, faults inverted as the exporter does, unknown state is down', () => {
    const power = { powerObservedAt: ago(1), driveFault: true, coolingFault: false };
    const s = fleetSamples(
      rows({
        servers: [
          server('on', { ...power, powerState: 'ON' }),
          server('off', { ...power, powerState: 'OFF' }),
          server('unknown', { ...power, powerState: 'UNKNOWN' }),
          server('stale', { ...power, powerState: 'ON', powerObservedAt: ago(20) }),
        ],
      }),
      WINDOW,
    );
    const state = (id: string) => one(s, 'ipmi_chassis_power_state', { server_id: id }).value;
    assert.equal(state('on'), 1);
    assert.equal(state('off'), 0);
    for (const id of ['unknown', 'stale']) {
      assert.equal(named(of(s, id), 'ipmi_chassis_power_state').length, 0, id);
      assert.equal(one(s, 'ipmi_up', { server_id: id, collector: 'chassis' }).value, 0, id);
    }
    assert.equal(one(s, 'ipmi_up', { server_id: 'on', collector: 'chassis' }).value, 1);
    assert.equal(one(s, 'ipmi_chassis_drive_fault_state', { server_id: 'on' }).value, 0);
    assert.equal(one(s, 'ipmi_chassis_cooling_fault_state', { server_id: 'on' }).value, 1);
  });

  test('DCMI: the watts when the BMC gives them; no DCMI reading, no dcmi collector', () => {
    const s = fleetSamples(
      rows({
        servers: [
          server('dcmi', { powerState: 'ON', powerObservedAt: ago(1), dcmiWatts: 312 }),
          server('none', { powerState: 'ON', powerObservedAt: ago(1), dcmiWatts: null }),
        ],
      }),
      WINDOW,
    );
    assert.deepEqual(one(s, 'ipmi_dcmi_power_consumption_watts'), {
      name: 'ipmi_dcmi_power_consumption_watts',
      labels: { instance: 'name of dcmi', server_id: 'dcmi' },
      value: 312,
    });
    assert.equal(one(s, 'ipmi_up', { server_id: 'dcmi', collector: 'dcmi' }).value, 1);
    assert.equal(
      named(of(s, 'none'), 'ipmi_up').filter((x) => x.labels.collector === 'dcmi').length,
      0,
    );
  });

  test('ipmi_bmc_info: the inventory, N/A for what is not known', () => {
    const s = fleetSamples(
      rows({
        servers: [
          server('a', {
            hasInventory: true,
            firmwareRevision: '1.73.14',
            manufacturerId: 10876,
            manufacturer: 'Supermicro',
          }),
          server('b', { hasInventory: true }),
        ],
      }),
      WINDOW,
    );
    assert.deepEqual(one(s, 'ipmi_bmc_info', { server_id: 'a' }), {
      name: 'ipmi_bmc_info',
      labels: {
        instance: 'name of a',
        server_id: 'a',
        firmware_revision: '1.73.14',
        manufacturer: 'Supermicro',
        manufacturer_id: '10876',
        system_firmware_version: 'N/A',
      },
      value: 1,
    });
    const b = one(s, 'ipmi_bmc_info', { server_id: 'b' }).labels;
    assert.equal(b.firmware_revision, 'N/A');
    assert.equal(b.manufacturer_id, 'N/A');
  });

  test('polls: the latest of each kind in seconds; SENSORS is also the scrape duration', () => {
    const s = fleetSamples(
      rows({
        servers: [server('a')],
        polls: [
          { serverId: 'a', kind: 'SENSORS', durationMs: 2166, time: ago(1) },
          { serverId: 'a', kind: 'SEL', durationMs: 400, time: ago(2) },
          { serverId: 'a', kind: 'INVENTORY', durationMs: 9000, time: ago(600) },
        ],
      }),
      WINDOW,
    );
    assert.equal(one(s, 'ipmi_scrape_duration_seconds').value, 2.166);
    assert.deepEqual(
      named(s, 'ipmi_monitor_last_poll_duration_seconds').map((x) => [x.labels.kind, x.value]),
      [
        ['SEL', 0.4],
        ['SENSORS', 2.166],
      ],
    );
  });

  test('SEL entries: the count, 0 when none', () => {
    const s = fleetSamples(
      rows({ servers: [server('a'), server('b')], selEntries: [{ serverId: 'a', entries: 5 }] }),
      WINDOW,
    );
    assert.equal(one(s, 'ipmi_monitor_sel_entries', { server_id: 'a' }).value, 5);
    assert.equal(one(s, 'ipmi_sel_logs_count', { server_id: 'a' }).value, 5);
    assert.equal(one(s, 'ipmi_monitor_sel_entries', { server_id: 'b' }).value, 0);
  });
});

describe('fleet totals', () => {
  test('health: all five values always present', () => {
    const s = fleetSamples(
      rows({
        servers: [
          server('a', { health: 'CRITICAL' }),
          server('b', { health: 'CRITICAL' }),
          server('c', { health: 'UNREACHABLE' }),
        ],
      }),
      WINDOW,
    );
    assert.deepEqual(
      Object.fromEntries(named(s, 'ipmi_monitor_servers').map((x) => [x.labels.health, x.value])),
      { OK: 0, WARNING: 0, CRITICAL: 2, UNREACHABLE: 1, UNKNOWN: 0 },
    );
  });

  test('active alerts by severity and silence, summed over configured servers', () => {
    const s = fleetSamples(
      rows({
        servers: [server('a'), server('b')],
        alerts: [
          { serverId: 'a', severity: 'CRITICAL', silenced: false, count: 2 },
          { serverId: 'b', severity: 'CRITICAL', silenced: false, count: 1 },
          { serverId: 'b', severity: 'WARNING', silenced: true, count: 3 },
          { serverId: 'removed', severity: 'CRITICAL', silenced: false, count: 9 },
        ],
      }),
      WINDOW,
    );
    const got = Object.fromEntries(
      named(s, 'ipmi_monitor_active_alerts').map((x) => [
        `${x.labels.severity}/${x.labels.silenced}`,
        x.value,
      ]),
    );
    assert.deepEqual(got, {
      'INFO/false': 0,
      'INFO/true': 0,
      'WARNING/false': 0,
      'WARNING/true': 3,
      'CRITICAL/false': 3,
      'CRITICAL/true': 0,
    });
  });
});

describe('the catalogue', () => {
  const everything = fleetSamples(
    rows({
      servers: [
        server('a', {
          powerState: 'ON',
          powerObservedAt: ago(1),
          dcmiWatts: 300,
          driveFault: false,
          coolingFault: false,
          hasInventory: true,
        }),
      ],
      sensors: [
        sensor('a', 'T1', { sensorNumber: 1 }),
        sensor('a', 'F1', { sensorNumber: 2, unit: 'RPM', sensorType: 'FAN' }),
        sensor('a', 'F2', { sensorNumber: 3, unit: '%', sensorType: 'FAN' }),
        sensor('a', 'V1', { sensorNumber: 4, unit: 'V' }),
        sensor('a', 'A1', { sensorNumber: 5, unit: 'A' }),
        sensor('a', 'W1', { sensorNumber: 6, unit: 'W' }),
        sensor('a', 'D1', { sensorNumber: 8, unit: null, sensorType: 'PROCESSOR' }),
      ],
      polls: [{ serverId: 'a', kind: 'SENSORS', durationMs: 1000, time: ago(1) }],
      selEntries: [{ serverId: 'a', entries: 1 }],
    }),
    WINDOW,
  );

  test('every metric is produced, each sample with exactly its declared labels', () => {
    const produced = new Set(everything.map((s) => s.name));
    for (const name of Object.keys(FLEET_METRICS)) {
      if (name === 'ipmi_monitor_fleet_up') continue; // set by the I/O part
      assert.ok(produced.has(name as Sample['name']), `${name} never produced`);
    }
    for (const s of everything) {
      assert.deepEqual(
        Object.keys(s.labels).sort(),
        [...FLEET_METRICS[s.name].labels].sort(),
        s.name,
      );
    }
  });

  test('names: ours or the exporter’s, none that promtool rejects or others own', () => {
    for (const name of Object.keys(FLEET_METRICS)) {
      assert.match(name, /^ipmi_[a-z0-9_]+$/);
      // The registry also holds the pipeline's, projections', collector's and streams' metrics.
      assert.doesNotMatch(name, /^ipmi_(pipeline|projection|collector|streams)_/);
      // promtool: _total is for counters, _count/_sum/_bucket for histograms and summaries.
      // One exception: ipmi_exporter's own `ipmi_sel_logs_count`, kept for its dashboards.
      if (name !== 'ipmi_sel_logs_count') assert.doesNotMatch(name, /_(total|count|sum|bucket)$/);
    }
  });

  test('registers beside the default process metrics; twice in one registry is a coded error', () => {
    const registry = createMetricsRegistry({ service: 'api' });
    const unused = {
      query: () => Promise.reject(new Error('not scraped in this test')),
      exec: () => Promise.reject(new Error('not scraped in this test')),
      copyRows: () => Promise.reject(new Error('not scraped in this test')),
    };
    registerFleetMetrics(registry, unused, { staleSensorMinutes: 15 });
    for (const name of Object.keys(FLEET_METRICS)) assert.ok(registry.getSingleMetric(name));
    assert.throws(
      () => registerFleetMetrics(registry, unused, { staleSensorMinutes: 15 }),
      (err: { code?: string }) => err.code === 'API_INTERNAL',
    );
  });
});
