/** SEL events: every entry of every server's System Event Log, newest first. */
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { DEFAULT_LIMIT, MAX_LIMIT, decodeCursor, pageOf } from '../pagination.js';
import { parseRange } from './fleet.js';
import { pageOf as pageSchema } from './schemas.js';

const SEVERITIES = ['INFO', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;

const selEventSchema = {
  type: 'object',
  properties: {
    eventId: { type: 'string' },
    serverId: { type: 'string' },
    time: { type: 'string' },
    observedAt: { type: 'string' },
    recordId: { type: 'integer' },
    timestampBasis: { type: 'string' },
    bmcTimestampRaw: { type: ['string', 'null'] },
    sensorType: { type: 'string' },
    sensorNumber: { type: ['integer', 'null'] },
    sensorName: { type: ['string', 'null'] },
    sensorId: { type: ['string', 'null'] },
    direction: { type: 'string' },
    eventOffset: { type: ['integer', 'null'] },
    eventData: { type: ['string', 'null'] },
    description: { type: ['string', 'null'] },
    severity: { type: ['string', 'null'] },
    rawLine: {
      type: ['string', 'null'],
      description:
        "The tool's own line for this entry (ipmitool/FreeIPMI), as the collector read it.",
    },
  },
} as const;

export function eventRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{
    Querystring: {
      serverId?: string;
      severity?: string[];
      from?: string;
      to?: string;
      limit: number;
      cursor?: string;
    };
  }>(
    '/events',
    {
      config: { access: 'read' },
      schema: {
        tags: ['events'],
        summary: 'SEL events, newest first; the range defaults to the last 7 days.',
        querystring: {
          type: 'object',
          properties: {
            serverId: { type: 'string' },
            severity: { type: 'array', items: { type: 'string', enum: [...SEVERITIES] } },
            from: { type: 'string' },
            to: { type: 'string' },
            limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
            cursor: { type: 'string' },
          },
        },
        response: { 200: pageSchema(selEventSchema) },
      },
    },
    async (req) => {
      const q = req.query;
      const range = parseRange(q.from, q.to, (deps.clock ?? Date.now)(), 7 * 86_400_000);
      const after = decodeCursor(q.cursor, ['string', 'string']);
      const { rows } = await deps.db.query<{
        event_id: string;
        server_id: string;
        time: Date;
        observed_at: Date;
        record_id: number;
        timestamp_basis: string;
        bmc_timestamp_raw: string | null;
        sensor_type: string;
        sensor_number: number | null;
        sensor_name: string | null;
        sensor_id: string | null;
        event_direction: string;
        event_offset: number | null;
        event_data: string | null;
        description: string | null;
        severity: string | null;
        raw_line: string | null;
      }>(
        `SELECT event_id, server_id, time, observed_at, record_id, timestamp_basis,
                bmc_timestamp_raw, sensor_type, sensor_number, sensor_name, sensor_id,
                event_direction, event_offset, event_data, description, severity, raw_line
           FROM sel_events
          WHERE time >= $1 AND time < $2
            AND ($3::text IS NULL OR server_id = $3)
            AND ($4::text[] IS NULL OR coalesce(severity, 'UNKNOWN') = ANY($4))
            AND ($5::timestamptz IS NULL OR (time, event_id) < ($5, $6))
          ORDER BY time DESC, event_id DESC LIMIT $7`,
        [
          new Date(range.from).toISOString(),
          new Date(range.to).toISOString(),
          q.serverId ?? null,
          q.severity?.length ? q.severity : null,
          after?.[0] ?? null,
          after?.[1] ?? null,
          q.limit + 1,
        ],
      );
      return pageOf(
        rows,
        q.limit,
        (r) => [r.time.toISOString(), r.event_id],
        (r) => ({
          eventId: r.event_id,
          serverId: r.server_id,
          time: r.time.toISOString(),
          observedAt: r.observed_at.toISOString(),
          recordId: r.record_id,
          timestampBasis: r.timestamp_basis,
          bmcTimestampRaw: r.bmc_timestamp_raw,
          sensorType: r.sensor_type,
          sensorNumber: r.sensor_number,
          sensorName: r.sensor_name,
          sensorId: r.sensor_id,
          direction: r.event_direction,
          eventOffset: r.event_offset,
          eventData: r.event_data,
          description: r.description,
          severity: r.severity,
          rawLine: r.raw_line,
        }),
      );
    },
  );
}
