/**
 * Insights: trends, predictions and maintenance tasks from the stream processors, with what
 * an operator did about them (acknowledged, or the task completed) kept beside them.
 */
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { apiErrors } from '../errors.js';
import { DEFAULT_LIMIT, MAX_LIMIT, decodeCursor, pageOf } from '../pagination.js';
import { pageOf as pageSchema } from './schemas.js';

const KINDS = ['TREND', 'PREDICTION', 'MAINTENANCE_TASK'] as const;

const insightSchema = {
  type: 'object',
  properties: {
    insightId: { type: 'string' },
    serverId: { type: 'string' },
    status: { type: 'string', description: 'OPEN or CLOSED.' },
    kind: { type: 'string' },
    priority: { type: 'string' },
    detector: { type: 'string' },
    title: { type: 'string' },
    summary: { type: 'string' },
    componentType: { type: 'string' },
    component: { type: 'string' },
    sensorId: { type: ['string', 'null'] },
    confidence: { type: ['number', 'null'] },
    dueAt: { type: ['string', 'null'] },
    evidence: { type: 'array', items: {} },
    metrics: { type: 'object', additionalProperties: true },
    raisedAt: { type: 'string' },
    updatedAt: { type: 'string' },
    closedAt: { type: ['string', 'null'] },
    closeReason: { type: ['string', 'null'] },
    action: {
      type: ['object', 'null'],
      properties: {
        action: { type: 'string' },
        by: { type: 'string' },
        at: { type: 'string' },
        comment: { type: 'string' },
      },
    },
  },
} as const;

interface InsightRow {
  insight_id: string;
  server_id: string;
  status: string;
  kind: string;
  priority: string;
  detector: string;
  title: string;
  summary: string;
  component_type: string;
  component: string;
  sensor_id: string | null;
  confidence: number | null;
  due_at: Date | null;
  evidence: unknown[];
  metrics: Record<string, unknown>;
  raised_at: Date;
  updated_at: Date;
  closed_at: Date | null;
  close_reason: string | null;
  action: string | null;
  by_user: string | null;
  at: Date | null;
  comment: string | null;
}

const insightOf = (r: InsightRow) => ({
  insightId: r.insight_id,
  serverId: r.server_id,
  status: r.status,
  kind: r.kind,
  priority: r.priority,
  detector: r.detector,
  title: r.title,
  summary: r.summary,
  componentType: r.component_type,
  component: r.component,
  sensorId: r.sensor_id,
  confidence: r.confidence,
  dueAt: r.due_at?.toISOString() ?? null,
  evidence: r.evidence,
  metrics: r.metrics,
  raisedAt: r.raised_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
  closedAt: r.closed_at?.toISOString() ?? null,
  closeReason: r.close_reason,
  action:
    r.action === null
      ? null
      : { action: r.action, by: r.by_user!, at: r.at!.toISOString(), comment: r.comment ?? '' },
});

export function insightRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{
    Querystring: {
      serverId?: string;
      kind?: string[];
      status?: 'open' | 'closed';
      limit: number;
      cursor?: string;
    };
  }>(
    '/insights',
    {
      config: { access: 'read' },
      schema: {
        tags: ['insights'],
        summary: 'Trends, predictions and maintenance tasks, most recently changed first.',
        querystring: {
          type: 'object',
          properties: {
            serverId: { type: 'string' },
            kind: { type: 'array', items: { type: 'string', enum: [...KINDS] } },
            status: { type: 'string', enum: ['open', 'closed'] },
            limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
            cursor: { type: 'string' },
          },
        },
        response: { 200: pageSchema(insightSchema) },
      },
    },
    async (req) => {
      const q = req.query;
      const after = decodeCursor(q.cursor, ['string', 'string']);
      const { rows } = await deps.db.query<InsightRow>(
        `SELECT i.*, x.action, x.by_user, x.at, x.comment
           FROM insights i LEFT JOIN insight_actions x ON x.insight_id = i.insight_id
          WHERE ($1::text IS NULL OR i.server_id = $1)
            AND ($2::text[] IS NULL OR i.kind = ANY($2))
            AND ($3::text IS NULL OR i.status = $3)
            AND ($4::timestamptz IS NULL OR (i.updated_at, i.insight_id) < ($4, $5))
          ORDER BY i.updated_at DESC, i.insight_id DESC LIMIT $6`,
        [
          q.serverId ?? null,
          q.kind?.length ? q.kind : null,
          q.status === undefined ? null : q.status.toUpperCase(),
          after?.[0] ?? null,
          after?.[1] ?? null,
          q.limit + 1,
        ],
      );
      return pageOf(rows, q.limit, (r) => [r.updated_at.toISOString(), r.insight_id], insightOf);
    },
  );

  for (const action of ['acknowledge', 'complete'] as const) {
    app.post<{ Params: { id: string }; Body: { comment?: string } | undefined }>(
      `/insights/:id/${action}`,
      {
        config: { access: 'admin', audit: `insight.${action}` },
        schema: {
          tags: ['insights'],
          summary:
            action === 'acknowledge'
              ? 'Marks an insight as seen.'
              : 'Marks a maintenance task as done (e.g. the DIMM was replaced).',
          params: {
            type: 'object',
            required: ['id'],
            properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
          },
          body: {
            type: ['object', 'null'],
            properties: { comment: { type: 'string', maxLength: 2000 } },
          },
        },
      },
      async (req) => {
        const { rows } = await deps.db.query('SELECT 1 FROM insights WHERE insight_id = $1', [
          req.params.id,
        ]);
        if (rows.length === 0)
          throw apiErrors.error('API_NOT_FOUND', `no insight ${req.params.id}`);
        const at = new Date((deps.clock ?? Date.now)()).toISOString();
        const done = action === 'acknowledge' ? 'acknowledged' : 'completed';
        await deps.db.query(
          `INSERT INTO insight_actions (insight_id, action, by_user, at, comment)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (insight_id) DO UPDATE
             SET action = EXCLUDED.action, by_user = EXCLUDED.by_user, at = EXCLUDED.at,
                 comment = EXCLUDED.comment`,
          [req.params.id, done, req.principal!.actor, at, req.body?.comment ?? ''],
        );
        return { insightId: req.params.id, action: done, by: req.principal!.actor, at };
      },
    );
  }
}
