/**
 * The fleet on the API's Prometheus `/metrics`, under the names Prometheus' ipmi_exporter
 * (prometheus-community/ipmi_exporter, collector*.go) gives them, so community Grafana
 * dashboards and alert rules made for that exporter work against IPMI Monitor unchanged;
 * plus a few gauges of our own under `ipmi_monitor_`.
 *
 * Nothing here talks to a BMC: every value is the pipeline's current state in the database,
 * read when Prometheus scrapes (each gauge's `collect()`), so a removed server or a sensor
 * that is no longer read is gone at the next scrape. The mapping rows → samples is pure
 * (`fleetSamples`); `registerFleetMetrics` only runs the SQL and fills the gauges.
 *
 * One endpoint, every server. The exporter is scraped once per BMC (multi-target mode) and
 * Prometheus sets `instance` from the target, which is what the dashboards select on
 * (`ipmi_temperature_celsius{instance="$instance"}`). Here every per-server series carries
 * `instance="<server name>"` and `server_id`, so the scrape job MUST keep our labels:
 *
 *     scrape_configs:
 *       - job_name: ipmi-monitor
 *         honor_labels: true          # our `instance` wins over the target's host:port
 *         static_configs: [{ targets: ['api-host:8080'] }]
 *
 * Without `honor_labels` Prometheus renames ours to `exported_instance` and every dashboard
 * shows one "instance", the API. Series without an `instance` of their own (the
 * `ipmi_monitor_*` fleet totals, the process metrics) keep the target's. Server names are
 * not unique in the schema: two servers with one name stay two series (`server_id`), but a
 * dashboard filtering on `instance` shows both.
 *
 * Every per-server series has `instance` and `server_id`; sensor series also `id`, `name`.
 *
 * | metric                                     | more labels        | from                      |
 * | ------------------------------------------ | ------------------ | ------------------------- |
 * | ipmi_up                                    | collector          | (1)                       |
 * | ipmi_scrape_duration_seconds               |                    | poll_outcomes (2)         |
 * | ipmi_temperature_celsius, _state           |                    | sensors, C (F, K) (3)     |
 * | ipmi_fan_speed_rpm, ipmi_fan_speed_state   |                    | sensors, RPM              |
 * | ipmi_fan_speed_ratio, ipmi_fan_speed_state |                    | sensors, % of a FAN / 100 |
 * | ipmi_voltage_volts, _state                 |                    | sensors, V                |
 * | ipmi_current_amperes, _state               |                    | sensors, A                |
 * | ipmi_power_watts, _state                   |                    | sensors, W                |
 * | ipmi_sensor_value, ipmi_sensor_state       | type               | every other sensor (4)    |
 * | ipmi_dcmi_power_consumption_watts          |                    | server_status.dcmi_watts  |
 * | ipmi_chassis_power_state                   |                    | server_status.power_state |
 * | ipmi_chassis_drive_fault_state             |                    | server_status (5)         |
 * | ipmi_chassis_cooling_fault_state           |                    | server_status (5)         |
 * | ipmi_bmc_info                              | (6)                | server_inventory (6)      |
 * | ipmi_monitor_sel_entries                   |                    | sel_events (7)            |
 * | ipmi_monitor_last_poll_duration_seconds    | kind               | poll_outcomes             |
 * | ipmi_monitor_servers (no instance)         | health             | server_overview.health    |
 * | ipmi_monitor_bmcs, _bmcs_up (no labels)    |                    | servers, server_status    |
 * | ipmi_monitor_active_alerts (no instance)   | severity, silenced | alerts, ACTIVE            |
 * | ipmi_monitor_fleet_up (no labels)          |                    | 1: the database answered  |
 *
 * (1) `ipmi`: the BMC answers and has fresh sensors; `chassis`: answers and power was observed
 *     in the window with a known state; `dcmi`: answers and power was observed in the window;
 *     `bmc`: answers. A collector the pipeline never ran for a BMC (no power observation, no
 *     DCMI reading, no inventory) has no `ipmi_up` at all; one that is down has no other
 *     series, as with the exporter.
 * (2) The latest SENSORS poll in the window: the BMC read a scrape of the exporter stands for.
 * (3) F and K are converted to Celsius (the exporter would file them as generic sensors).
 * (4) Discrete, unitless or other units; `type` is FreeIPMI's name of the sensor type, which
 *     is what the exporter passes on from ipmimonitoring.
 * (5) The exporter's inverted encoding: 1 = no fault, 0 = fault.
 * (6) `firmware_revision` (BMC firmware), `manufacturer` (FRU), `manufacturer_id` (IANA
 *     number), `system_firmware_version`: the BIOS version is not collected, so `N/A`, as the
 *     exporter says when it cannot read it. The native collector's label set.
 * (7) Entries recorded since the newest SelCleared: what the BMC's SEL holds, as seen.
 *
 * Rules: only servers present in `servers` and enabled (a disabled server is not polled, as a
 * target removed from the exporter's config); only sensors read within `staleSensorMinutes`
 * (the same window decides whether a power observation or a poll is current). "Answers" is
 * `server_status.reachable`; before a server's first reachability event, its latest poll
 * being OK or PARTIAL within the window. Sensor state as the exporter encodes it: OK 0,
 * WARNING 1, CRITICAL 2 (non-recoverable included, as FreeIPMI reports it), NaN otherwise
 * (UNKNOWN, DISABLED); a value that could not be read is NaN, the series is still there.
 *
 * `id` is the IPMI sensor number (decimal), as the exporter's native collector gives it; its
 * FreeIPMI collector gives the SDR record id, which the pipeline does not carry. Within a
 * server (name, number) is unique (it is the `sensor_id` key); a sensor without a number has
 * `id=""`.
 *
 * `ipmi_sel_logs_count` is exported under the exporter's name although `promtool check
 * metrics` flags a gauge ending in `_count` (the exporter's own output draws the same lint
 * line): matching the name is what lets its dashboards work unchanged. The same number is
 * also `ipmi_monitor_sel_entries`, for alerts written against a lint-clean name. It is the
 * only lint line /metrics produces, and the tests allow exactly that one.
 */
import type { Queryable } from '@ipmi-monitor/db';
import type { Logger } from '@ipmi-monitor/runtime';
import type { SensorType } from '@ipmi-monitor/schemas';
import { Gauge, type Registry } from 'prom-client';
import { apiErrors } from '../errors.js';

const MINUTE = 60_000;

const TARGET = ['instance', 'server_id'] as const;
const SENSOR = [...TARGET, 'id', 'name'] as const;

interface MetricDef {
  readonly help: string;
  readonly labels: readonly string[];
}

/** Every gauge this module registers: name, HELP, label names. */
export const FLEET_METRICS = {
  ipmi_up: {
    help: "'1' if the data of this collector could be read from the BMC, '0' otherwise.",
    labels: [...TARGET, 'collector'],
  },
  ipmi_scrape_duration_seconds: {
    help: 'How long the latest sensor read of the BMC took, in seconds.',
    labels: TARGET,
  },
  ipmi_temperature_celsius: { help: 'Temperature reading in degree Celsius.', labels: SENSOR },
  ipmi_temperature_state: {
    help: 'Reported state of a temperature sensor (0=nominal, 1=warning, 2=critical).',
    labels: SENSOR,
  },
  ipmi_fan_speed_rpm: { help: 'Fan speed in rotations per minute.', labels: SENSOR },
  ipmi_fan_speed_ratio: {
    help: 'Fan speed as a proportion of the maximum speed.',
    labels: SENSOR,
  },
  ipmi_fan_speed_state: {
    help: 'Reported state of a fan speed sensor (0=nominal, 1=warning, 2=critical).',
    labels: SENSOR,
  },
  ipmi_voltage_volts: { help: 'Voltage reading in Volts.', labels: SENSOR },
  ipmi_voltage_state: {
    help: 'Reported state of a voltage sensor (0=nominal, 1=warning, 2=critical).',
    labels: SENSOR,
  },
  ipmi_current_amperes: { help: 'Current reading in Amperes.', labels: SENSOR },
  ipmi_current_state: {
    help: 'Reported state of a current sensor (0=nominal, 1=warning, 2=critical).',
    labels: SENSOR,
  },
  ipmi_power_watts: { help: 'Power reading in Watts.', labels: SENSOR },
  ipmi_power_state: {
    help: 'Reported state of a power sensor (0=nominal, 1=warning, 2=critical).',
    labels: SENSOR,
  },
  ipmi_sensor_value: {
    help: 'Generic data read from an IPMI sensor of unknown type, relying on labels for context.',
    labels: [...SENSOR, 'type'],
  },
  ipmi_sensor_state: {
    help: 'Indicates the severity of the state reported by an IPMI sensor (0=nominal, 1=warning, 2=critical).',
    labels: [...SENSOR, 'type'],
  },
  ipmi_dcmi_power_consumption_watts: {
    help: 'Current power consumption in Watts.',
    labels: TARGET,
  },
  ipmi_chassis_power_state: { help: 'Current power state (1=on, 0=off).', labels: TARGET },
  ipmi_chassis_drive_fault_state: {
    help: 'Current drive fault state (1=false, 0=true).',
    labels: TARGET,
  },
  ipmi_chassis_cooling_fault_state: {
    help: 'Current Cooling/fan fault state (1=false, 0=true).',
    labels: TARGET,
  },
  ipmi_bmc_info: {
    help: "Constant metric with value '1' providing details about the BMC.",
    labels: [
      ...TARGET,
      'firmware_revision',
      'manufacturer',
      'manufacturer_id',
      'system_firmware_version',
    ],
  },
  ipmi_sel_logs_count: {
    help: 'Current number of log entries in the SEL.',
    labels: TARGET,
  },
  ipmi_monitor_sel_entries: {
    help: "Entries in the server's System Event Log recorded since it was last cleared.",
    labels: TARGET,
  },
  ipmi_monitor_last_poll_duration_seconds: {
    help: 'Duration of the latest poll of each kind of a server, in seconds.',
    labels: [...TARGET, 'kind'],
  },
  ipmi_monitor_servers: {
    help: 'Configured servers by health (OK, WARNING, CRITICAL, UNREACHABLE, UNKNOWN).',
    labels: ['health'],
  },
  ipmi_monitor_bmcs: { help: 'BMCs configured and enabled for polling.', labels: [] },
  ipmi_monitor_bmcs_up: {
    help: 'BMCs configured and enabled for polling that answer.',
    labels: [],
  },
  ipmi_monitor_active_alerts: {
    help: 'Active alerts of configured servers by severity and whether a silence covers them.',
    labels: ['severity', 'silenced'],
  },
  ipmi_monitor_fleet_up: {
    help: "'1' if the fleet gauges were read from the database at this scrape, '0' if they are the last values read.",
    labels: [],
  },
} as const satisfies Record<string, MetricDef>;

export type FleetMetricName = keyof typeof FLEET_METRICS;

export interface Sample {
  name: FleetMetricName;
  labels: Record<string, string>;
  value: number;
}

// ---------------------------------------------------------------------------------------------
// Rows (what the SQL below returns)
// ---------------------------------------------------------------------------------------------

/** One configured server, enabled or not, with its status and inventory. */
export interface ServerRow {
  serverId: string;
  name: string;
  enabled: boolean;
  /** `server_overview.health`. */
  health: string;
  reachable: boolean | null;
  lastPollAt: Date | null;
  lastPollOutcome: string | null;
  powerState: string | null;
  powerObservedAt: Date | null;
  dcmiWatts: number | null;
  driveFault: boolean | null;
  coolingFault: boolean | null;
  hasInventory: boolean;
  firmwareRevision: string | null;
  manufacturerId: number | null;
  manufacturer: string | null;
}

/** The latest reading of one sensor (`sensors`). */
export interface SensorRow {
  serverId: string;
  sensorId: string;
  name: string;
  sensorNumber: number | null;
  sensorType: string;
  unit: string | null;
  value: number | null;
  state: string;
  time: Date;
}

/** The latest poll of one kind of one server (`poll_outcomes`). */
export interface PollRow {
  serverId: string;
  kind: string;
  durationMs: number;
  time: Date;
}

export interface SelCountRow {
  serverId: string;
  entries: number;
}

export interface AlertCountRow {
  serverId: string;
  severity: string;
  silenced: boolean;
  count: number;
}

export interface FleetRows {
  servers: readonly ServerRow[];
  sensors: readonly SensorRow[];
  polls: readonly PollRow[];
  selEntries: readonly SelCountRow[];
  alerts: readonly AlertCountRow[];
}

// ---------------------------------------------------------------------------------------------
// Pure mapping
// ---------------------------------------------------------------------------------------------

export interface FleetWindow {
  /** Epoch ms of the scrape. */
  now: number;
  staleSensorMinutes: number;
}

/** Oldest time a reading, power observation or poll may have and still be current. */
export const freshSince = (w: FleetWindow): number => w.now - w.staleSensorMinutes * MINUTE;

/** The exporter's state encoding (collector_ipmi.go): N/A and anything unknown are NaN. */
export function stateValue(state: string): number {
  switch (state) {
    case 'OK':
      return 0;
    case 'WARNING':
      return 1;
    case 'CRITICAL':
      return 2;
    default:
      return Number.NaN;
  }
}

/**
 * The `type` label: FreeIPMI's sensor type names (ipmi_sensor_types[] in libfreeipmi), which
 * is what ipmimonitoring prints and the exporter passes on. The contract's SensorType has
 * no type code for WATCHDOG (Watchdog 1 or 2) nor POWER (a watt meter under whatever code
 * the vendor used): the IPMI 2.0 watchdog, and the code PSU meters mostly use.
 */
const FREEIPMI_TYPE: Readonly<Record<SensorType, string>> = {
  TEMPERATURE: 'Temperature',
  VOLTAGE: 'Voltage',
  CURRENT: 'Current',
  FAN: 'Fan',
  POWER: 'Power Supply',
  PHYSICAL_SECURITY: 'Physical Security',
  PLATFORM_SECURITY: 'Platform Security Violation Attempt',
  PROCESSOR: 'Processor',
  POWER_SUPPLY: 'Power Supply',
  POWER_UNIT: 'Power Unit',
  COOLING_DEVICE: 'Cooling Device',
  OTHER_UNITS: 'Other Units Based Sensor',
  MEMORY: 'Memory',
  DRIVE_SLOT: 'Drive Slot',
  POST_MEMORY_RESIZE: 'POST Memory Resize',
  SYSTEM_FIRMWARE_PROGRESS: 'System Firmware Progress',
  EVENT_LOGGING_DISABLED: 'Event Logging Disabled',
  WATCHDOG: 'Watchdog 2',
  SYSTEM_EVENT: 'System Event',
  CRITICAL_INTERRUPT: 'Critical Interrupt',
  BUTTON_SWITCH: 'Button/Switch',
  MODULE_BOARD: 'Module/Board',
  MICROCONTROLLER: 'Microcontroller/Coprocessor',
  ADD_IN_CARD: 'Add In Card',
  CHASSIS: 'Chassis',
  CHIP_SET: 'Chip Set',
  OTHER_FRU: 'Other Fru',
  CABLE_INTERCONNECT: 'Cable/Interconnect',
  TERMINATOR: 'Terminator',
  SYSTEM_BOOT: 'System Boot Initiated',
  BOOT_ERROR: 'Boot Error',
  OS_BOOT: 'OS Boot',
  OS_CRITICAL_STOP: 'OS Critical Stop',
  SLOT_CONNECTOR: 'Slot/Connector',
  SYSTEM_ACPI_POWER_STATE: 'System ACPI Power State',
  PLATFORM_ALERT: 'Platform Alert',
  ENTITY_PRESENCE: 'Entity Presence',
  MONITOR_ASIC: 'Monitor ASIC/IC',
  LAN: 'LAN',
  MANAGEMENT_SUBSYSTEM_HEALTH: 'Management Subsystem Health',
  BATTERY: 'Battery',
  SESSION_AUDIT: 'Session Audit',
  VERSION_CHANGE: 'Version Change',
  FRU_STATE: 'FRU State',
  OEM: 'OEM Reserved',
  OTHER: 'Reserved',
  UNKNOWN: 'Unknown',
};

export const freeipmiSensorType = (sensorType: string): string =>
  (FREEIPMI_TYPE as Readonly<Record<string, string | undefined>>)[sensorType] ?? 'Unknown';

type Push = (name: FleetMetricName, labels: Record<string, string>, value: number) => void;

/**
 * One sensor's value and state series. Routed by unit, as the exporter does (a BMC files
 * a CPU temperature under whatever type it likes, but its unit is degrees).
 */
function pushSensor(push: Push, target: Record<string, string>, s: SensorRow): void {
  const labels = {
    ...target,
    id: s.sensorNumber === null ? '' : String(s.sensorNumber),
    name: s.name,
  };
  const value = s.value ?? Number.NaN;
  const state = stateValue(s.state);
  const typed = (valueName: FleetMetricName, stateName: FleetMetricName, v: number) => {
    push(valueName, labels, v);
    push(stateName, labels, state);
  };
  switch (s.unit) {
    case 'C':
      return typed('ipmi_temperature_celsius', 'ipmi_temperature_state', value);
    case 'F':
      return typed('ipmi_temperature_celsius', 'ipmi_temperature_state', ((value - 32) * 5) / 9);
    case 'K':
      return typed('ipmi_temperature_celsius', 'ipmi_temperature_state', value - 273.15);
    case 'RPM':
      return typed('ipmi_fan_speed_rpm', 'ipmi_fan_speed_state', value);
    case 'V':
      return typed('ipmi_voltage_volts', 'ipmi_voltage_state', value);
    case 'A':
      return typed('ipmi_current_amperes', 'ipmi_current_state', value);
    case 'W':
      return typed('ipmi_power_watts', 'ipmi_power_state', value);
    case '%':
      if (s.sensorType === 'FAN') {
        return typed('ipmi_fan_speed_ratio', 'ipmi_fan_speed_state', value * 0.01);
      }
      break;
  }
  const generic = { ...labels, type: freeipmiSensorType(s.sensorType) };
  push('ipmi_sensor_value', generic, value);
  push('ipmi_sensor_state', generic, state);
}

const HEALTHS = ['OK', 'WARNING', 'CRITICAL', 'UNREACHABLE', 'UNKNOWN'] as const;
const SEVERITIES = ['INFO', 'WARNING', 'CRITICAL'] as const;

const byServer = <T extends { serverId: string }>(rows: readonly T[]): Map<string, T[]> => {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const list = out.get(r.serverId) ?? [];
    list.push(r);
    out.set(r.serverId, list);
  }
  return out;
};

/** Every sample of every fleet gauge for one scrape (`ipmi_monitor_fleet_up` excepted). */
export function fleetSamples(rows: FleetRows, window: FleetWindow): Sample[] {
  const since = freshSince(window);
  const fresh = (t: Date | null): boolean => t !== null && t.getTime() >= since;
  const out: Sample[] = [];
  const seen = new Set<string>();
  // A series twice in one exposition is an error for Prometheus; (name, number) is unique
  // per server by construction of sensor_id, so this only guards against odd names.
  const push: Push = (name, labels, value) => {
    const key = `${name}\u0000${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ name, labels, value });
  };

  const health = new Map<string, number>(HEALTHS.map((h) => [h, 0]));
  for (const s of rows.servers) health.set(s.health, (health.get(s.health) ?? 0) + 1);
  for (const [h, n] of health) push('ipmi_monitor_servers', { health: h }, n);

  const configured = new Set(rows.servers.map((s) => s.serverId));
  const alerts = new Map<string, number>();
  for (const severity of SEVERITIES) {
    for (const silenced of ['false', 'true']) alerts.set(`${severity}\u0000${silenced}`, 0);
  }
  for (const a of rows.alerts) {
    if (!configured.has(a.serverId)) continue;
    const key = `${a.severity}\u0000${String(a.silenced)}`;
    alerts.set(key, (alerts.get(key) ?? 0) + a.count);
  }
  for (const [key, n] of alerts) {
    const [severity = '', silenced = ''] = key.split('\u0000');
    push('ipmi_monitor_active_alerts', { severity, silenced }, n);
  }

  const monitored = rows.servers
    .filter((s) => s.enabled)
    .sort((a, b) => a.serverId.localeCompare(b.serverId));
  const sensors = byServer(rows.sensors.filter((s) => fresh(s.time)));
  const polls = byServer(rows.polls.filter((p) => fresh(p.time)));
  const selEntries = new Map(rows.selEntries.map((r) => [r.serverId, r.entries]));
  let bmcsUp = 0;

  for (const s of monitored) {
    const target = { instance: s.name, server_id: s.serverId };
    const answers =
      s.reachable ??
      ((s.lastPollOutcome === 'OK' || s.lastPollOutcome === 'PARTIAL') && fresh(s.lastPollAt));
    if (answers) bmcsUp++;

    const own = (sensors.get(s.serverId) ?? []).sort((a, b) =>
      a.sensorId.localeCompare(b.sensorId),
    );
    const ipmiUp = answers && own.length > 0;
    push('ipmi_up', { ...target, collector: 'ipmi' }, ipmiUp ? 1 : 0);
    if (ipmiUp) for (const sensor of own) pushSensor(push, target, sensor);

    // A collector the pipeline never ran for this BMC is not "down": no ipmi_up for it,
    // or every server without DCMI would fire the community's `ipmi_up == 0` alerts.
    const powerFresh = answers && fresh(s.powerObservedAt);
    if (s.powerObservedAt !== null) {
      const chassisUp = powerFresh && (s.powerState === 'ON' || s.powerState === 'OFF');
      push('ipmi_up', { ...target, collector: 'chassis' }, chassisUp ? 1 : 0);
      if (chassisUp) {
        push('ipmi_chassis_power_state', target, s.powerState === 'ON' ? 1 : 0);
        if (s.driveFault !== null) {
          push('ipmi_chassis_drive_fault_state', target, s.driveFault ? 0 : 1);
        }
        if (s.coolingFault !== null) {
          push('ipmi_chassis_cooling_fault_state', target, s.coolingFault ? 0 : 1);
        }
      }
    }
    if (s.dcmiWatts !== null) {
      push('ipmi_up', { ...target, collector: 'dcmi' }, powerFresh ? 1 : 0);
      if (powerFresh) push('ipmi_dcmi_power_consumption_watts', target, s.dcmiWatts);
    }
    if (s.hasInventory) {
      push('ipmi_up', { ...target, collector: 'bmc' }, answers ? 1 : 0);
      if (answers) {
        push(
          'ipmi_bmc_info',
          {
            ...target,
            firmware_revision: s.firmwareRevision ?? 'N/A',
            manufacturer: s.manufacturer ?? 'N/A',
            manufacturer_id: s.manufacturerId === null ? 'N/A' : String(s.manufacturerId),
            system_firmware_version: 'N/A',
          },
          1,
        );
      }
    }

    push('ipmi_sel_logs_count', target, selEntries.get(s.serverId) ?? 0);
    push('ipmi_monitor_sel_entries', target, selEntries.get(s.serverId) ?? 0);
    for (const p of (polls.get(s.serverId) ?? []).sort((a, b) => a.kind.localeCompare(b.kind))) {
      if (p.kind === 'SENSORS') push('ipmi_scrape_duration_seconds', target, p.durationMs / 1000);
      push(
        'ipmi_monitor_last_poll_duration_seconds',
        { ...target, kind: p.kind },
        p.durationMs / 1000,
      );
    }
  }
  push('ipmi_monitor_bmcs', {}, monitored.length);
  push('ipmi_monitor_bmcs_up', {}, bmcsUp);
  return out;
}

// ---------------------------------------------------------------------------------------------
// I/O: the SQL and the gauges
// ---------------------------------------------------------------------------------------------

// Current-state tables only, never the readings hypertable: ~100 servers × 30 sensors is
// one small row set per table. poll_outcomes is a hypertable, but the time bound lets
// TimescaleDB skip all chunks but the newest.
export const FLEET_SQL = {
  servers: `
    SELECT o.server_id AS "serverId", o.name, o.enabled, o.health,
           st.reachable, st.last_poll_at AS "lastPollAt", st.last_poll_outcome AS "lastPollOutcome",
           st.power_state AS "powerState", st.power_observed_at AS "powerObservedAt",
           st.dcmi_watts AS "dcmiWatts", st.drive_fault AS "driveFault",
           st.cooling_fault AS "coolingFault",
           inv.server_id IS NOT NULL AS "hasInventory",
           inv.bmc_firmware_version AS "firmwareRevision",
           inv.bmc_manufacturer_id AS "manufacturerId", inv.manufacturer
      FROM server_overview o
      LEFT JOIN server_status st ON st.server_id = o.server_id
      LEFT JOIN server_inventory inv ON inv.server_id = o.server_id`,
  sensors: `
    SELECT se.server_id AS "serverId", se.sensor_id AS "sensorId", se.name,
           se.sensor_number AS "sensorNumber", se.sensor_type AS "sensorType", se.unit,
           se.value, se.state, se.time
      FROM sensors se
      JOIN servers s ON s.server_id = se.server_id
     WHERE s.enabled AND se.time >= $1::timestamptz`,
  polls: `
    SELECT DISTINCT ON (p.server_id, p.kind)
           p.server_id AS "serverId", p.kind, p.duration_ms AS "durationMs", p.time
      FROM poll_outcomes p
     WHERE p.time >= $1::timestamptz
     ORDER BY p.server_id, p.kind, p.time DESC`,
  // Entries after the newest clear: what the BMC's SEL holds now, as far as the pipeline saw.
  selEntries: `
    SELECT e.server_id AS "serverId", count(*)::int AS entries
      FROM sel_events e
      JOIN servers s ON s.server_id = e.server_id
      LEFT JOIN (SELECT server_id, max(time) AS cleared_at
                   FROM sel_log_events
                  WHERE type = 'SelCleared'
                  GROUP BY server_id) c ON c.server_id = e.server_id
     WHERE c.cleared_at IS NULL OR e.time > c.cleared_at
     GROUP BY e.server_id`,
  alerts: `
    SELECT server_id AS "serverId", severity, silenced_by IS NOT NULL AS silenced,
           count(*)::int AS count
      FROM alerts
     WHERE status = 'ACTIVE'
     GROUP BY server_id, severity, silenced_by IS NOT NULL`,
} as const;

/** The rows of one scrape. Statements run one after another (the embedded engine would anyway). */
export async function readFleet(db: Queryable, since: number): Promise<FleetRows> {
  const at = [new Date(since).toISOString()];
  const servers = (await db.query<ServerRow>(FLEET_SQL.servers)).rows;
  const sensors = (await db.query<SensorRow>(FLEET_SQL.sensors, at)).rows;
  const polls = (await db.query<PollRow>(FLEET_SQL.polls, at)).rows;
  const selEntries = (await db.query<SelCountRow>(FLEET_SQL.selEntries)).rows;
  const alerts = (await db.query<AlertCountRow>(FLEET_SQL.alerts)).rows;
  return { servers, sensors, polls, selEntries, alerts };
}

export interface FleetMetricsOptions {
  /** A sensor (power observation, poll) older than this is no longer current. */
  staleSensorMinutes: number;
  clock?: () => number;
  /** Where a failed database read is reported (the scrape itself still succeeds). */
  logger?: Logger;
}

/**
 * Registers the fleet gauges in `registry`. Each scrape reads the database once (the
 * gauges' `collect()` calls share one read) and replaces every gauge's series. When the
 * read fails, `ipmi_monitor_fleet_up` is 0 and the gauges keep the last values read: the
 * process's other metrics are still served, and a database hiccup does not make the whole
 * fleet vanish and reappear (every `absent()` alert firing at once).
 */
export function registerFleetMetrics(
  registry: Registry,
  db: Queryable,
  options: FleetMetricsOptions,
): void {
  const clock = options.clock ?? Date.now;
  const names = Object.keys(FLEET_METRICS) as FleetMetricName[];
  for (const name of names) {
    if (registry.getSingleMetric(name) !== undefined) {
      throw apiErrors.error(
        'API_INTERNAL',
        `metric ${name} is already registered: the fleet gauges are registered once per registry`,
      );
    }
  }

  let last: Map<FleetMetricName, Sample[]> | undefined;
  let up = 0;
  let reading: Promise<void> | undefined;
  // registry.metrics() calls every collect() synchronously before awaiting any: the first
  // starts the read, the others join it.
  const refresh = (): Promise<void> => {
    reading ??= (async () => {
      const window = { now: clock(), staleSensorMinutes: options.staleSensorMinutes };
      try {
        const rows = await readFleet(db, freshSince(window));
        const next = new Map<FleetMetricName, Sample[]>();
        for (const s of fleetSamples(rows, window)) {
          const list = next.get(s.name) ?? [];
          list.push(s);
          next.set(s.name, list);
        }
        last = next;
        up = 1;
      } catch (err) {
        up = 0;
        options.logger?.warn(
          { err },
          'fleet metrics: database read failed; serving the last values',
        );
      }
    })().finally(() => {
      reading = undefined;
    });
    return reading;
  };

  for (const name of names) {
    new Gauge({
      name,
      help: FLEET_METRICS[name].help,
      labelNames: FLEET_METRICS[name].labels,
      registers: [registry],
      async collect() {
        await refresh();
        if (name === 'ipmi_monitor_fleet_up') {
          this.set(up);
          return;
        }
        if (last === undefined) return;
        this.reset();
        for (const s of last.get(name) ?? []) this.set(s.labels, s.value);
      },
    });
  }
}
