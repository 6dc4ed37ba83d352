/**
 * `GET /api/v1/stream`: server-sent events. Each event's `event:` is the record type
 * (AlertRaised, AlertUpdated, AlertResolved, PollCompleted, BmcReachabilityChanged,
 * InsightRaised, ServerConfigured, ...), `data:` the event as on its topic (the public
 * contract, docs/events.md), `id:` topic:partition:offset. A comment line every 15 s keeps
 * proxies from closing an idle stream. Filters: `serverId`, `types`.
 */
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { MAX_QUEUE, type LiveEvent } from '../live.js';

const HEARTBEAT_MS = 15_000;

/** One SSE frame; data is one line of JSON (JSON never contains a raw newline). */
export function sseFrame(e: { type: string; id?: string; data: unknown }): string {
  return `${e.id === undefined ? '' : `id: ${e.id}\n`}event: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

export function streamRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{ Querystring: { serverId?: string[]; types?: string[] } }>(
    '/stream',
    {
      config: { access: 'read' },
      schema: {
        tags: ['live'],
        summary:
          'Server-sent events: new alerts and their changes, poll outcomes, reachability changes, insights, server changes.',
        querystring: {
          type: 'object',
          properties: {
            serverId: { type: 'array', items: { type: 'string' } },
            types: {
              type: 'array',
              items: { type: 'string' },
              description: 'Record types to receive, e.g. AlertRaised; default: all.',
            },
          },
        },
      },
    },
    async (req, reply) => {
      const servers = req.query.serverId?.length ? new Set(req.query.serverId) : null;
      const types = req.query.types?.length ? new Set(req.query.types) : null;
      const res = reply.raw;
      reply.hijack();
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(`retry: 5000\n: connected\n\n`);
      let queued = 0;
      let draining = false;
      let closed = false;
      const close = (reason?: string) => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        unsubscribe();
        if (reason !== undefined) res.end(sseFrame({ type: 'overflow', data: { reason } }));
        else res.end();
      };
      const unsubscribe = deps.live.subscribe({
        send: (e: LiveEvent) => {
          if (closed) return;
          if (servers && (e.serverId === null || !servers.has(e.serverId))) return;
          if (types && !types.has(e.type)) return;
          if (queued > MAX_QUEUE) {
            close('client too slow: reconnect and reload');
            return;
          }
          // Frames written while the socket drains wait in its buffer; count them.
          if (draining) queued++;
          if (!res.write(sseFrame(e)) && !draining) {
            draining = true;
            res.once('drain', () => {
              draining = false;
              queued = 0;
            });
          }
        },
        close: (reason) => close(reason),
      });
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
      req.raw.on('close', () => close());
    },
  );
}
