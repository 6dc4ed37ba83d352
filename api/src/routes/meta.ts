/**
 * The routes about the API itself: /health (public, for load balancers and compose), /metrics
 * (Prometheus), the OpenAPI document and the problem-type pages that error responses link to.
 */
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { apiErrors } from '../errors.js';
import { registerFleetMetrics } from '../metrics/exporter.js';
import { PROBLEM_TYPE, problem } from '../problem.js';

export function metaRoutes(app: FastifyInstance, deps: ApiDeps): void {
  registerFleetMetrics(deps.metrics, deps.db, {
    staleSensorMinutes: deps.settings.staleSensorMinutes,
    ...(deps.clock ? { clock: deps.clock } : {}),
  });

  app.get(
    '/health',
    {
      config: { access: 'public' },
      schema: {
        tags: ['meta'],
        summary: 'Liveness and readiness: 200 when the database answers, 503 otherwise.',
      },
    },
    async (_req, reply) => {
      try {
        await deps.db.query('SELECT 1');
        return { status: 'ok', database: deps.db.kind };
      } catch {
        return reply.status(503).send({ status: 'unavailable', database: deps.db.kind });
      }
    },
  );

  app.get(
    '/metrics',
    {
      config: { access: 'metrics' },
      schema: {
        tags: ['meta'],
        summary:
          'Prometheus exposition: fleet gauges named as ipmi_exporter names them, and the pipeline metrics.',
      },
    },
    async (_req, reply) => {
      const text = await deps.metrics.metrics();
      return reply.type(deps.metrics.contentType).send(text);
    },
  );

  app.get(
    '/api/v1/openapi.json',
    {
      config: { access: 'public' },
      schema: { tags: ['meta'], summary: 'This API, as an OpenAPI 3.1 document.' },
    },
    (_req, reply) => reply.send(app.swagger()),
  );

  app.get<{ Params: { code: string } }>(
    '/api/v1/problems/:code',
    {
      config: { access: 'public' },
      schema: {
        tags: ['meta'],
        summary: 'What an error code means (the `type` of every problem document links here).',
        params: { type: 'object', properties: { code: { type: 'string' } }, required: ['code'] },
      },
    },
    async (req, reply) => {
      const spec = (apiErrors.catalog as Record<string, { doc: string; status?: number }>)[
        req.params.code
      ];
      if (!spec) {
        return reply
          .status(404)
          .type(PROBLEM_TYPE)
          .send(problem('API_NOT_FOUND', 404, `no error code ${req.params.code}`));
      }
      return { code: req.params.code, status: spec.status ?? 500, description: spec.doc };
    },
  );
}
