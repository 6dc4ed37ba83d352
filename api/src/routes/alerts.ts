/**
 * Alerts (the stream processor's deduplicated lifecycle, as projected) with operators'
 * acknowledgements beside them, and silences. Acknowledging does not resolve: an alert
 * resolves when its condition clears. A silence is a SilenceSet event per server, which the
 * alert processor applies (a silenced alert is still recorded, without notifications).
 */
import type { FastifyInstance } from 'fastify';
import { isCodedError } from '@ipmi-monitor/runtime';
import type { ComponentType } from '@ipmi-monitor/schemas';
import {
  liftEvents,
  parseDuration,
  silenceEvents,
  silencesInForce,
  type SilenceEvent,
} from '@ipmi-monitor/streams';
import type { ApiDeps } from '../deps.js';
import { apiErrors } from '../errors.js';
import { publish, readTopic } from '../kafka.js';
import { DEFAULT_LIMIT, MAX_LIMIT, decodeCursor, pageOf } from '../pagination.js';
import { idParam, pageOf as pageSchema } from './schemas.js';

const SILENCES = 'ipmi.silences.v1';
const COMPONENT_TYPES = ['SENSOR', 'SEL', 'BMC', 'POWER', 'INVENTORY', 'SERVER'] as const;

const alertSchema = {
  type: 'object',
  properties: {
    alertId: { type: 'string' },
    serverId: { type: 'string' },
    status: { type: 'string', description: 'ACTIVE or RESOLVED.' },
    severity: { type: 'string' },
    condition: { type: 'string' },
    summary: { type: 'string' },
    componentType: { type: 'string' },
    component: { type: 'string' },
    sensorId: { type: ['string', 'null'] },
    value: { type: ['number', 'null'] },
    threshold: { type: ['number', 'null'] },
    unit: { type: ['string', 'null'] },
    occurrences: { type: 'integer' },
    raisedAt: { type: 'string' },
    updatedAt: { type: 'string' },
    resolvedAt: { type: ['string', 'null'] },
    resolutionReason: { type: ['string', 'null'] },
    silencedBy: { type: ['string', 'null'] },
    revision: { type: 'integer' },
    acknowledged: {
      type: ['object', 'null'],
      properties: { by: { type: 'string' }, at: { type: 'string' }, comment: { type: 'string' } },
    },
  },
} as const;

interface AlertRow {
  alert_id: string;
  server_id: string;
  status: string;
  severity: string;
  condition: string;
  summary: string;
  component_type: string;
  component: string;
  sensor_id: string | null;
  value: number | null;
  threshold: number | null;
  unit: string | null;
  occurrences: number;
  raised_at: Date;
  updated_at: Date;
  resolved_at: Date | null;
  resolution_reason: string | null;
  silenced_by: string | null;
  revision: number;
  acked_by: string | null;
  acked_at: Date | null;
  ack_comment: string | null;
}

const alertOf = (r: AlertRow) => ({
  alertId: r.alert_id,
  serverId: r.server_id,
  status: r.status,
  severity: r.severity,
  condition: r.condition,
  summary: r.summary,
  componentType: r.component_type,
  component: r.component,
  sensorId: r.sensor_id,
  value: r.value,
  threshold: r.threshold,
  unit: r.unit,
  occurrences: r.occurrences,
  raisedAt: r.raised_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
  resolvedAt: r.resolved_at?.toISOString() ?? null,
  resolutionReason: r.resolution_reason,
  silencedBy: r.silenced_by,
  revision: r.revision,
  acknowledged:
    r.acked_by === null
      ? null
      : { by: r.acked_by, at: r.acked_at!.toISOString(), comment: r.ack_comment ?? '' },
});

export function alertRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const now = () => (deps.clock ?? Date.now)();

  app.get<{
    Querystring: {
      state?: 'active' | 'resolved';
      serverId?: string;
      severity?: string[];
      limit: number;
      cursor?: string;
    };
  }>(
    '/alerts',
    {
      config: { access: 'read' },
      schema: {
        tags: ['alerts'],
        summary: 'Alerts, most recently changed first.',
        querystring: {
          type: 'object',
          properties: {
            state: { type: 'string', enum: ['active', 'resolved'] },
            serverId: { type: 'string' },
            severity: {
              type: 'array',
              items: { type: 'string', enum: ['INFO', 'WARNING', 'CRITICAL'] },
            },
            limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
            cursor: { type: 'string' },
          },
        },
        response: { 200: pageSchema(alertSchema) },
      },
    },
    async (req) => {
      const q = req.query;
      const after = decodeCursor(q.cursor, ['string', 'string']);
      const { rows } = await deps.db.query<AlertRow>(
        `SELECT a.*, k.acked_by, k.acked_at, k.comment AS ack_comment
           FROM alerts a LEFT JOIN alert_acks k ON k.alert_id = a.alert_id
          WHERE ($1::text IS NULL OR a.status = $1)
            AND ($2::text IS NULL OR a.server_id = $2)
            AND ($3::text[] IS NULL OR a.severity = ANY($3))
            AND ($4::timestamptz IS NULL OR (a.updated_at, a.alert_id) < ($4, $5))
          ORDER BY a.updated_at DESC, a.alert_id DESC LIMIT $6`,
        [
          q.state === undefined ? null : q.state.toUpperCase(),
          q.serverId ?? null,
          q.severity?.length ? q.severity : null,
          after?.[0] ?? null,
          after?.[1] ?? null,
          q.limit + 1,
        ],
      );
      return pageOf(rows, q.limit, (r) => [r.updated_at.toISOString(), r.alert_id], alertOf);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/alerts/:id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['alerts'],
        summary: 'One alert with its history (raised, each update, resolved).',
        params: idParam,
        response: {
          200: {
            type: 'object',
            properties: {
              alert: alertSchema,
              history: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    type: { type: 'string' },
                    revision: { type: 'integer' },
                    time: { type: 'string' },
                    severity: { type: 'string' },
                    summary: { type: 'string' },
                    value: { type: ['number', 'null'] },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (req) => {
      const { rows } = await deps.db.query<AlertRow>(
        `SELECT a.*, k.acked_by, k.acked_at, k.comment AS ack_comment
           FROM alerts a LEFT JOIN alert_acks k ON k.alert_id = a.alert_id
          WHERE a.alert_id = $1`,
        [req.params.id],
      );
      if (!rows[0]) throw apiErrors.error('API_NOT_FOUND', `no alert ${req.params.id}`);
      const history = await deps.db.query<{
        type: string;
        revision: number;
        time: Date;
        severity: string;
        summary: string;
        value: number | null;
      }>(
        `SELECT type, revision, time, severity, summary, value FROM alert_history
          WHERE alert_id = $1 ORDER BY revision`,
        [req.params.id],
      );
      return {
        alert: alertOf(rows[0]),
        history: history.rows.map((h) => ({ ...h, time: h.time.toISOString() })),
      };
    },
  );

  app.post<{ Params: { id: string }; Body: { comment?: string } | undefined }>(
    '/alerts/:id/ack',
    {
      config: { access: 'admin', audit: 'alert.ack' },
      schema: {
        tags: ['alerts'],
        summary:
          'Acknowledges an alert: someone is on it. It stays active until its condition clears.',
        params: idParam,
        body: {
          type: ['object', 'null'],
          properties: { comment: { type: 'string', maxLength: 2000 } },
        },
      },
    },
    async (req) => {
      const { rows } = await deps.db.query('SELECT 1 FROM alerts WHERE alert_id = $1', [
        req.params.id,
      ]);
      if (rows.length === 0) throw apiErrors.error('API_NOT_FOUND', `no alert ${req.params.id}`);
      const at = new Date(now()).toISOString();
      await deps.db.query(
        `INSERT INTO alert_acks (alert_id, acked_by, acked_at, comment) VALUES ($1, $2, $3, $4)
         ON CONFLICT (alert_id) DO UPDATE
           SET acked_by = EXCLUDED.acked_by, acked_at = EXCLUDED.acked_at, comment = EXCLUDED.comment`,
        [req.params.id, req.principal!.actor, at, req.body?.comment ?? ''],
      );
      return {
        alertId: req.params.id,
        acknowledged: { by: req.principal!.actor, at, comment: req.body?.comment ?? '' },
      };
    },
  );

  app.get(
    '/silences',
    {
      config: { access: 'read' },
      schema: { tags: ['alerts'], summary: 'Silences in force now or scheduled, by start.' },
    },
    async () => {
      const { rows } = await deps.db.query<{
        silence_id: string;
        servers: string[];
        component_type: string | null;
        component: string | null;
        condition: string | null;
        starts_at: Date;
        ends_at: Date;
        created_by: string;
        comment: string;
      }>(
        `SELECT silence_id, array_agg(server_id ORDER BY server_id) AS servers, component_type,
                component, condition, starts_at, ends_at, created_by, comment
           FROM silences WHERE lifted_at IS NULL AND ends_at > $1
          GROUP BY silence_id, component_type, component, condition, starts_at, ends_at,
                   created_by, comment
          ORDER BY starts_at, silence_id`,
        [new Date(now()).toISOString()],
      );
      return {
        items: rows.map((r) => ({
          silenceId: r.silence_id,
          serverIds: r.servers,
          componentType: r.component_type,
          component: r.component,
          condition: r.condition,
          startsAt: r.starts_at.toISOString(),
          endsAt: r.ends_at.toISOString(),
          createdBy: r.created_by,
          comment: r.comment,
        })),
      };
    },
  );

  app.post<{
    Body: {
      serverIds: string[];
      componentType?: ComponentType | null;
      component?: string | null;
      condition?: string | null;
      startsAt?: string;
      endsAt?: string;
      duration?: string;
      comment: string;
    };
  }>(
    '/silences',
    {
      config: { access: 'admin', audit: 'silence.set' },
      schema: {
        tags: ['alerts'],
        summary:
          'Silences matching alerts of some servers for a while (maintenance): one SilenceSet event per server.',
        body: {
          type: 'object',
          required: ['serverIds', 'comment'],
          additionalProperties: false,
          properties: {
            serverIds: { type: 'array', minItems: 1, maxItems: 10_000, items: { type: 'string' } },
            componentType: { type: ['string', 'null'], enum: [...COMPONENT_TYPES, null] },
            component: { type: ['string', 'null'], description: 'e.g. a sensor id; null: any.' },
            condition: {
              type: ['string', 'null'],
              description: 'e.g. SENSOR_THRESHOLD; null: any.',
            },
            startsAt: { type: 'string', description: 'ISO-8601; default now.' },
            endsAt: { type: 'string', description: 'ISO-8601; or give `duration`.' },
            duration: { type: 'string', description: '`30m`, `2h`, `7d`.' },
            comment: { type: 'string', minLength: 1, maxLength: 2000 },
          },
        },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const t = now();
      let events: SilenceEvent[];
      let silenceId: string;
      try {
        const startsAt = b.startsAt === undefined ? t : Date.parse(b.startsAt);
        const endsAt =
          b.endsAt !== undefined
            ? Date.parse(b.endsAt)
            : b.duration !== undefined
              ? startsAt + parseDuration(b.duration)
              : Number.NaN;
        if (Number.isNaN(startsAt) || Number.isNaN(endsAt)) {
          throw apiErrors.error(
            'API_INVALID_REQUEST',
            'give endsAt or duration, and ISO-8601 times',
          );
        }
        ({ silenceId, events } = silenceEvents(
          {
            serverIds: b.serverIds,
            componentType: b.componentType ?? null,
            component: b.component ?? null,
            condition: b.condition ?? null,
            startsAt,
            endsAt,
            createdBy: req.principal!.actor,
            comment: b.comment,
          },
          { now: t, source: deps.source },
        ));
      } catch (err) {
        if (isCodedError(err) && err.code === 'STR_SILENCE_INVALID') {
          throw apiErrors.error('API_INVALID_REQUEST', err.message);
        }
        throw err;
      }
      await publish(deps.seam, SILENCES, events);
      req.auditDetail = { silenceId, servers: b.serverIds.length };
      return reply.status(201).send({ silenceId, servers: events.length });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/silences/:id',
    {
      config: { access: 'admin', audit: 'silence.lift' },
      schema: {
        tags: ['alerts'],
        summary: 'Lifts a silence on every server it covers.',
        params: idParam,
      },
    },
    async (req, reply) => {
      const history = await readTopic(deps.seam, SILENCES);
      const silence = silencesInForce(
        history.map((m) => m.event as SilenceEvent),
        now(),
      ).find((s) => s.silenceId === req.params.id);
      if (!silence) throw apiErrors.error('API_NOT_FOUND', `no silence ${req.params.id} in force`);
      await publish(
        deps.seam,
        SILENCES,
        liftEvents(silence.silenceId, silence.serverIds, {
          now: now(),
          source: deps.source,
          by: req.principal!.actor,
        }),
      );
      return reply.status(204).send();
    },
  );
}
