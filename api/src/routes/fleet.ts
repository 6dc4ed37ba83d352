/**
 * What the dashboard reads: the fleet summary, one server's current sensors, and series over
 * any range, each from the source that suits the range (raw readings up to 6 h, the
 * per-minute aggregate up to 3 days, the hourly one beyond), as the Grafana dashboards do:
 * a 7-day graph reads a few thousand aggregate rows, never millions of raw ones.
 */
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { apiErrors } from '../errors.js';
import { licenceOf } from '../servers.js';
import { countServers, SERVER_SELECT, serverOfRow } from './servers.js';
import { idParam, licenceSchema, serverSchema } from './schemas.js';

const HOUR = 3_600_000;
const RAW_MAX_MS = 6 * HOUR;
const MINUTE_MAX_MS = 72 * HOUR;
/** Points per series a range is cut into when no step is given. */
const TARGET_POINTS = 500;

export type SeriesSource = 'readings' | 'readings_1m' | 'readings_1h';

/** The source and bucket width (s) for a range; pure, unit-tested. */
export function seriesPlan(
  fromMs: number,
  toMs: number,
  stepSeconds?: number,
): { source: SeriesSource; stepSeconds: number } {
  const range = toMs - fromMs;
  const wanted = stepSeconds ?? Math.max(1, Math.ceil(range / 1000 / TARGET_POINTS));
  // A step coarser than a source's resolution may use the coarser source.
  if (range > MINUTE_MAX_MS || wanted >= 3600) {
    return { source: 'readings_1h', stepSeconds: Math.max(3600, Math.ceil(wanted / 3600) * 3600) };
  }
  if (range > RAW_MAX_MS || wanted >= 60) {
    return { source: 'readings_1m', stepSeconds: Math.max(60, Math.ceil(wanted / 60) * 60) };
  }
  return { source: 'readings', stepSeconds: wanted };
}

/** `60`, `60s`, `5m`, `1h`, `1d` → seconds; undefined when absent. */
export function parseStep(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const m = /^(\d+)\s*(s|m|h|d)?$/.exec(text.trim());
  if (!m) throw apiErrors.error('API_INVALID_REQUEST', `step "${text}": use 60, 60s, 5m, 1h or 1d`);
  const n = Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[(m[2] ?? 's') as 's'];
  if (n < 1 || n > 30 * 86_400)
    throw apiErrors.error('API_INVALID_REQUEST', 'step must be 1 s to 30 d');
  return n;
}

/** `from`/`to` as ISO-8601; defaults: the last 24 hours. */
export function parseRange(
  from: string | undefined,
  to: string | undefined,
  now: number,
  defaultMs = 24 * HOUR,
): { from: number; to: number } {
  const toMs = to === undefined ? now : Date.parse(to);
  const fromMs = from === undefined ? toMs - defaultMs : Date.parse(from);
  if (Number.isNaN(toMs))
    throw apiErrors.error('API_INVALID_REQUEST', `to "${to}" is not an ISO-8601 time`);
  if (Number.isNaN(fromMs)) {
    throw apiErrors.error('API_INVALID_REQUEST', `from "${from}" is not an ISO-8601 time`);
  }
  if (fromMs >= toMs) throw apiErrors.error('API_INVALID_REQUEST', 'from must be before to');
  return { from: fromMs, to: toMs };
}

/** The two aggregates have the same columns; an average of averages weighs by samples. */
function aggregateSeries(view: 'readings_1m' | 'readings_1h'): string {
  return `
    SELECT time_bucket(make_interval(secs => $5), bucket) AS t, sensor_id,
           min(min_value) AS min, sum(sum_value) / NULLIF(sum(value_samples), 0) AS avg,
           max(max_value) AS max, last(last_value, bucket) AS last,
           last(last_state, bucket) AS state
      FROM ${view}
     WHERE server_id = $1 AND ($2::text[] IS NULL OR sensor_id = ANY($2))
       AND bucket >= $3 AND bucket < $4
     GROUP BY 1, 2 ORDER BY 2, 1`;
}

export const SERIES_SQL: Record<SeriesSource, string> = {
  readings: `
    SELECT time_bucket(make_interval(secs => $5), time) AS t, sensor_id,
           min(value) AS min, avg(value) AS avg, max(value) AS max,
           last(value, time) AS last, last(state, time) AS state
      FROM readings
     WHERE server_id = $1 AND ($2::text[] IS NULL OR sensor_id = ANY($2))
       AND time >= $3 AND time < $4
     GROUP BY 1, 2 ORDER BY 2, 1`,
  readings_1m: aggregateSeries('readings_1m'),
  readings_1h: aggregateSeries('readings_1h'),
};

export const SENSORS_SQL = `
  SELECT sensor_id, name, sensor_number, entity, sensor_type, reading_kind, unit, value, state,
         crossed_threshold, lnr, lcr, lnc, unc, ucr, unr, discrete_states, time
    FROM sensors WHERE server_id = $1 ORDER BY sensor_type, name, sensor_id`;

export const INVENTORY_SQL = `
  SELECT time, bmc_firmware_version, ipmi_version, bmc_manufacturer_id, bmc_product_id,
         bmc_mac_address, manufacturer, product_name, product_part_number, product_serial,
         board_serial, chassis_serial, system_guid, fru
    FROM server_inventory WHERE server_id = $1`;

const nullable = (type: string) => ({ type: [type, 'null'] });

export const SUMMARY_SQL = {
  health: `SELECT health, count(*)::int AS n FROM server_overview GROUP BY health`,
  alerts: `SELECT severity, count(*)::int AS n FROM alerts WHERE status = 'ACTIVE' GROUP BY severity`,
  attention: `
    ${SERVER_SELECT}
     WHERE o.health IN ('CRITICAL', 'UNREACHABLE', 'WARNING')
     ORDER BY CASE o.health WHEN 'CRITICAL' THEN 0 WHEN 'UNREACHABLE' THEN 1 ELSE 2 END,
              o.critical_alerts DESC, o.warning_alerts DESC, s.server_id
     LIMIT $1`,
};

async function serverExists(deps: ApiDeps, id: string): Promise<void> {
  const { rows } = await deps.db.query('SELECT 1 FROM servers WHERE server_id = $1', [id]);
  if (rows.length === 0) throw apiErrors.error('API_NOT_FOUND', `no server ${id}`);
}

const sensorSchema = {
  type: 'object',
  properties: {
    sensorId: { type: 'string' },
    name: { type: 'string' },
    number: { type: ['integer', 'null'] },
    entity: { type: ['string', 'null'] },
    type: { type: 'string' },
    readingKind: { type: 'string' },
    unit: { type: ['string', 'null'] },
    value: { type: ['number', 'null'] },
    state: { type: 'string' },
    crossedThreshold: { type: ['string', 'null'] },
    thresholds: {
      type: 'object',
      description: 'IPMI thresholds: lower/upper non-recoverable, critical, non-critical.',
      properties: Object.fromEntries(
        ['lnr', 'lcr', 'lnc', 'unc', 'ucr', 'unr'].map((k) => [k, { type: ['number', 'null'] }]),
      ),
    },
    discreteStates: { type: 'array', items: {} },
    time: { type: 'string' },
  },
} as const;

export function fleetRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const now = () => (deps.clock ?? Date.now)();

  app.get<{ Querystring: { attention: number } }>(
    '/fleet/summary',
    {
      config: { access: 'read' },
      schema: {
        tags: ['fleet'],
        summary:
          'Servers by health, active alerts by severity, and the servers needing attention first.',
        querystring: {
          type: 'object',
          properties: { attention: { type: 'integer', minimum: 0, maximum: 500, default: 20 } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              servers: { type: 'integer' },
              byHealth: {
                type: 'object',
                properties: Object.fromEntries(
                  ['OK', 'WARNING', 'CRITICAL', 'UNREACHABLE', 'UNKNOWN'].map((h) => [
                    h,
                    { type: 'integer' },
                  ]),
                ),
              },
              activeAlerts: {
                type: 'object',
                properties: Object.fromEntries(
                  ['CRITICAL', 'WARNING', 'INFO'].map((h) => [h, { type: 'integer' }]),
                ),
              },
              attention: { type: 'array', items: serverSchema },
              licence: licenceSchema,
            },
          },
        },
      },
    },
    async (req) => {
      const health = await deps.db.query<{ health: string; n: number }>(SUMMARY_SQL.health);
      const alerts = await deps.db.query<{ severity: string; n: number }>(SUMMARY_SQL.alerts);
      const attention = await deps.db.query<Parameters<typeof serverOfRow>[0]>(
        SUMMARY_SQL.attention,
        [req.query.attention],
      );
      const byHealth: Record<string, number> = {
        OK: 0,
        WARNING: 0,
        CRITICAL: 0,
        UNREACHABLE: 0,
        UNKNOWN: 0,
      };
      for (const r of health.rows) byHealth[r.health] = r.n;
      const activeAlerts: Record<string, number> = { CRITICAL: 0, WARNING: 0, INFO: 0 };
      for (const r of alerts.rows) activeAlerts[r.severity] = r.n;
      const servers = Object.values(byHealth).reduce((a, b) => a + b, 0);
      return {
        servers,
        byHealth,
        activeAlerts,
        attention: attention.rows.map(serverOfRow),
        licence: licenceOf(await countServers(deps), deps.settings.serversLimit),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/servers/:id/sensors',
    {
      config: { access: 'read' },
      schema: {
        tags: ['fleet'],
        summary: 'The latest reading of every sensor of a server, with its thresholds and state.',
        params: idParam,
        response: {
          200: { type: 'object', properties: { items: { type: 'array', items: sensorSchema } } },
        },
      },
    },
    async (req) => {
      const { rows } = await deps.db.query<{
        sensor_id: string;
        name: string;
        sensor_number: number | null;
        entity: string | null;
        sensor_type: string;
        reading_kind: string;
        unit: string | null;
        value: number | null;
        state: string;
        crossed_threshold: string | null;
        lnr: number | null;
        lcr: number | null;
        lnc: number | null;
        unc: number | null;
        ucr: number | null;
        unr: number | null;
        discrete_states: unknown[];
        time: Date;
      }>(SENSORS_SQL, [req.params.id]);
      // Only an empty answer needs the second look: no sensors yet, or no such server.
      if (rows.length === 0) await serverExists(deps, req.params.id);
      return {
        items: rows.map((r) => ({
          sensorId: r.sensor_id,
          name: r.name,
          number: r.sensor_number,
          entity: r.entity,
          type: r.sensor_type,
          readingKind: r.reading_kind,
          unit: r.unit,
          value: r.value,
          state: r.state,
          crossedThreshold: r.crossed_threshold,
          thresholds: { lnr: r.lnr, lcr: r.lcr, lnc: r.lnc, unc: r.unc, ucr: r.ucr, unr: r.unr },
          discreteStates: r.discrete_states,
          time: r.time.toISOString(),
        })),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/servers/:id/inventory',
    {
      config: { access: 'read' },
      schema: {
        tags: ['fleet'],
        summary:
          "A server's last collected inventory: BMC firmware and IPMI version, FRU identity (manufacturer, product, part and serial numbers, GUID) and every FRU record; null before the first inventory poll.",
        params: idParam,
        response: {
          200: {
            type: 'object',
            properties: {
              inventory: {
                type: ['object', 'null'],
                properties: {
                  collectedAt: { type: 'string' },
                  bmcFirmwareVersion: nullable('string'),
                  ipmiVersion: nullable('string'),
                  bmcManufacturerId: nullable('integer'),
                  bmcProductId: nullable('integer'),
                  bmcMacAddress: nullable('string'),
                  manufacturer: nullable('string'),
                  productName: nullable('string'),
                  productPartNumber: nullable('string'),
                  productSerial: nullable('string'),
                  boardSerial: nullable('string'),
                  chassisSerial: nullable('string'),
                  systemGuid: nullable('string'),
                  fru: { type: 'array', items: { type: 'object', additionalProperties: true } },
                },
              },
            },
          },
        },
      },
    },
    async (req) => {
      const { rows } = await deps.db.query<{
        time: Date;
        bmc_firmware_version: string | null;
        ipmi_version: string | null;
        bmc_manufacturer_id: number | null;
        bmc_product_id: number | null;
        bmc_mac_address: string | null;
        manufacturer: string | null;
        product_name: string | null;
        product_part_number: string | null;
        product_serial: string | null;
        board_serial: string | null;
        chassis_serial: string | null;
        system_guid: string | null;
        fru: unknown[];
      }>(INVENTORY_SQL, [req.params.id]);
      const r = rows[0];
      if (!r) {
        await serverExists(deps, req.params.id);
        return { inventory: null };
      }
      return {
        inventory: {
          collectedAt: r.time.toISOString(),
          bmcFirmwareVersion: r.bmc_firmware_version,
          ipmiVersion: r.ipmi_version,
          bmcManufacturerId: r.bmc_manufacturer_id,
          bmcProductId: r.bmc_product_id,
          bmcMacAddress: r.bmc_mac_address,
          manufacturer: r.manufacturer,
          productName: r.product_name,
          productPartNumber: r.product_part_number,
          productSerial: r.product_serial,
          boardSerial: r.board_serial,
          chassisSerial: r.chassis_serial,
          systemGuid: r.system_guid,
          fru: r.fru,
        },
      };
    },
  );

  app.get<{
    Params: { id: string };
    Querystring: { sensor?: string[]; from?: string; to?: string; step?: string };
  }>(
    '/servers/:id/readings',
    {
      config: { access: 'read' },
      schema: {
        tags: ['fleet'],
        summary:
          "Series of one server's sensors (min, avg, max, last, state per step), from raw readings up to 6 h, the per-minute aggregate up to 3 days, the hourly one beyond.",
        params: idParam,
        querystring: {
          type: 'object',
          properties: {
            sensor: {
              type: 'array',
              items: { type: 'string' },
              description: 'Sensor id(s); repeat for several; all sensors when absent.',
            },
            from: { type: 'string', description: 'ISO-8601; default: 24 h before `to`.' },
            to: { type: 'string', description: 'ISO-8601; default: now.' },
            step: {
              type: 'string',
              description: 'Bucket width: 60, 60s, 5m, 1h, 1d; default: about 500 points.',
            },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              serverId: { type: 'string' },
              from: { type: 'string' },
              to: { type: 'string' },
              stepSeconds: { type: 'integer' },
              source: { type: 'string' },
              series: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    sensorId: { type: 'string' },
                    points: {
                      type: 'array',
                      items: {
                        type: 'object',
                        properties: {
                          t: { type: 'string' },
                          min: { type: ['number', 'null'] },
                          avg: { type: ['number', 'null'] },
                          max: { type: ['number', 'null'] },
                          last: { type: ['number', 'null'] },
                          state: { type: ['string', 'null'] },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (req) => {
      const range = parseRange(req.query.from, req.query.to, now());
      const plan = seriesPlan(range.from, range.to, parseStep(req.query.step));
      const sensors = req.query.sensor?.length ? req.query.sensor : null;
      const { rows } = await deps.db.query<{
        t: Date;
        sensor_id: string;
        min: number | null;
        avg: number | null;
        max: number | null;
        last: number | null;
        state: string | null;
      }>(SERIES_SQL[plan.source], [
        req.params.id,
        sensors,
        new Date(range.from).toISOString(),
        new Date(range.to).toISOString(),
        plan.stepSeconds,
      ]);
      if (rows.length === 0) await serverExists(deps, req.params.id);
      const series = new Map<string, { sensorId: string; points: object[] }>();
      for (const r of rows) {
        let s = series.get(r.sensor_id);
        if (!s) series.set(r.sensor_id, (s = { sensorId: r.sensor_id, points: [] }));
        s.points.push({
          t: r.t.toISOString(),
          min: r.min,
          avg: r.avg,
          max: r.max,
          last: r.last,
          state: r.state,
        });
      }
      return {
        serverId: req.params.id,
        from: new Date(range.from).toISOString(),
        to: new Date(range.to).toISOString(),
        stepSeconds: plan.stepSeconds,
        source: plan.source,
        series: [...series.values()],
      };
    },
  );
}
