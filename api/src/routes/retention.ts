/**
 * `GET /api/v1/retention`: how long the database keeps each kind of data, as its own policies
 * say (whichever process applied them, with whatever variables), for the settings page.
 */
import type { FastifyInstance } from 'fastify';
import { retentionInForce } from '@ipmi-monitor/db';
import type { ApiDeps } from '../deps.js';

const VARIABLES: Record<string, string> = {
  readings: 'IPMI_READINGS_RETENTION',
  readings1m: 'IPMI_READINGS_1M_RETENTION',
  readings1h: 'IPMI_READINGS_1H_RETENTION',
  pollOutcomes: 'IPMI_POLL_OUTCOMES_RETENTION',
};

export function retentionRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get(
    '/retention',
    {
      config: { access: 'read' },
      schema: {
        tags: ['meta'],
        summary:
          'Retention in force per table (raw readings, the per-minute and hourly aggregates, poll outcomes) and the variable that sets it; SEL events, alerts and insights are kept.',
        response: {
          200: {
            type: 'object',
            properties: {
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    key: { type: 'string' },
                    table: { type: 'string' },
                    dropAfter: { type: ['string', 'null'] },
                    dropAfterSeconds: { type: ['number', 'null'] },
                    variable: { type: 'string' },
                  },
                },
              },
            },
          },
        },
      },
    },
    async () => ({
      items: (await retentionInForce(deps.db)).map((r) => ({
        ...r,
        variable: VARIABLES[r.key] ?? '',
      })),
    }),
  );
}
