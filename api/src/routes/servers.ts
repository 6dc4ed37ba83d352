/**
 * /servers: the fleet's configuration (changes become ServerConfigured / ServerRemoved
 * events; the collector and every projection follow them) and each server's current state
 * from the database. A change is on Kafka when the call returns; the lists read the
 * projection, which follows within about a second.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerConfigured } from '@ipmi-monitor/schemas';
import type { ApiDeps } from '../deps.js';
import { apiErrors } from '../errors.js';
import { DEFAULT_LIMIT, MAX_LIMIT, decodeCursor, pageOf } from '../pagination.js';
import { ServerManager, licenceOf } from '../servers.js';
import { idParam, licenceSchema, serverInputSchema, serverSchema } from './schemas.js';

interface ServerRow {
  server_id: string;
  revision: number;
  name: string;
  host: string;
  port: number;
  driver: string;
  cipher_suite: number | null;
  privilege_level: string;
  workaround_flags: string[];
  tags: string[];
  model: string | null;
  sensors_interval_ms: number | null;
  sel_interval_ms: number | null;
  power_interval_ms: number | null;
  inventory_interval_ms: number | null;
  enabled: boolean;
  configured_at: Date;
  health: string;
  reachable: boolean | null;
  reachability_reason: string | null;
  power_state: string | null;
  dcmi_watts: number | null;
  last_poll_at: Date | null;
  manufacturer: string | null;
  product_name: string | null;
  bmc_firmware_version: string | null;
  critical_alerts: number;
  warning_alerts: number;
}

export const SERVER_SELECT = `
  SELECT s.server_id, s.revision, s.name, s.host, s.port, s.driver, s.cipher_suite,
         s.privilege_level, s.workaround_flags, s.tags, s.model, s.sensors_interval_ms,
         s.sel_interval_ms, s.power_interval_ms, s.inventory_interval_ms, s.enabled,
         s.configured_at, o.health, o.reachable, o.reachability_reason, o.power_state,
         o.dcmi_watts, o.last_poll_at, o.manufacturer, o.product_name, o.bmc_firmware_version,
         o.critical_alerts::int AS critical_alerts, o.warning_alerts::int AS warning_alerts
    FROM servers s JOIN server_overview o ON o.server_id = s.server_id`;

export function serverOfRow(r: ServerRow) {
  return {
    serverId: r.server_id,
    name: r.name,
    host: r.host,
    port: r.port,
    driver: r.driver,
    cipherSuite: r.cipher_suite,
    privilegeLevel: r.privilege_level,
    workaroundFlags: r.workaround_flags,
    tags: r.tags,
    model: r.model,
    enabled: r.enabled,
    intervals: {
      sensorsMs: r.sensors_interval_ms,
      selMs: r.sel_interval_ms,
      powerMs: r.power_interval_ms,
      inventoryMs: r.inventory_interval_ms,
    },
    revision: r.revision,
    configuredAt: r.configured_at.toISOString(),
    health: r.health,
    reachable: r.reachable,
    reachabilityReason: r.reachability_reason,
    powerState: r.power_state,
    powerWatts: r.dcmi_watts,
    lastPollAt: r.last_poll_at?.toISOString() ?? null,
    manufacturer: r.manufacturer,
    productName: r.product_name,
    bmcFirmware: r.bmc_firmware_version,
    criticalAlerts: r.critical_alerts,
    warningAlerts: r.warning_alerts,
  };
}

/** A configuration just published (not yet projected): its state is not known yet. */
function serverOfEvent(c: ServerConfigured) {
  return {
    serverId: c.serverId,
    name: c.name,
    host: c.host,
    port: c.port,
    driver: c.driver,
    cipherSuite: c.cipherSuite,
    privilegeLevel: c.privilegeLevel,
    workaroundFlags: c.workaroundFlags,
    tags: c.tags,
    model: c.model,
    enabled: c.enabled,
    intervals: c.pollIntervals,
    revision: c.revision,
    configuredAt: new Date(c.occurredAt).toISOString(),
    health: 'UNKNOWN',
    reachable: null,
    criticalAlerts: 0,
    warningAlerts: 0,
  };
}

export async function countServers(deps: ApiDeps): Promise<number> {
  const { rows } = await deps.db.query<{ n: number }>('SELECT count(*)::int AS n FROM servers');
  return rows[0]?.n ?? 0;
}

const HEALTHS = ['OK', 'WARNING', 'CRITICAL', 'UNREACHABLE', 'UNKNOWN'] as const;

export function serverRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const manager = new ServerManager(deps);
  const changed = {
    type: 'object',
    properties: { server: serverSchema, licence: licenceSchema, changed: { type: 'boolean' } },
  } as const;

  app.addContentTypeParser(
    ['text/csv', 'text/yaml', 'application/yaml', 'application/x-yaml', 'text/plain'],
    { parseAs: 'string' },
    (_req, body, done) => done(null, body),
  );

  app.get<{
    Querystring: { limit: number; cursor?: string; health?: string; tag?: string; q?: string };
  }>(
    '/servers',
    {
      config: { access: 'read' },
      schema: {
        tags: ['servers'],
        summary: 'Configured servers with their health, by id; the free-tier count beside them.',
        querystring: {
          type: 'object',
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
            cursor: { type: 'string' },
            health: { type: 'string', enum: [...HEALTHS] },
            tag: { type: 'string', description: 'Servers with this tag, e.g. `rack:a12`.' },
            q: { type: 'string', description: 'Substring of the id, name or host.' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              items: { type: 'array', items: serverSchema },
              nextCursor: { type: ['string', 'null'] },
              licence: licenceSchema,
            },
          },
        },
      },
    },
    async (req) => {
      const { limit, health, tag, q } = req.query;
      const after = decodeCursor(req.query.cursor, ['string']);
      const { rows } = await deps.db.query<ServerRow>(
        `${SERVER_SELECT}
          WHERE ($1::text IS NULL OR s.server_id > $1)
            AND ($2::text IS NULL OR o.health = $2)
            AND ($3::text IS NULL OR s.tags ? $3)
            AND ($4::text IS NULL OR s.server_id ILIKE $4 OR s.name ILIKE $4 OR s.host ILIKE $4)
          ORDER BY s.server_id LIMIT $5`,
        [
          after?.[0] ?? null,
          health ?? null,
          tag ?? null,
          q === undefined ? null : `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
          limit + 1,
        ],
      );
      const page = pageOf(rows, limit, (r) => [r.server_id], serverOfRow);
      return { ...page, licence: licenceOf(await countServers(deps), deps.settings.serversLimit) };
    },
  );

  app.post<{ Body: Record<string, unknown> }>(
    '/servers',
    {
      config: { access: 'admin', audit: 'server.create' },
      schema: {
        tags: ['servers'],
        summary:
          'Adds a server: its password is encrypted at rest, a ServerConfigured event goes to Kafka and the collector starts polling it.',
        body: serverInputSchema,
        response: { 201: changed },
      },
    },
    async (req, reply) => {
      const result = await manager.create(req.body, req.principal!.actor);
      const event = result.published[0]!;
      req.auditDetail = { serverId: event.serverId, revision: event.revision };
      return reply
        .status(201)
        .header('location', `/api/v1/servers/${encodeURIComponent(event.serverId)}`)
        .send({ server: serverOfEvent(event), licence: result.licence, changed: true });
    },
  );

  const importResult = {
    type: 'object',
    required: ['configured', 'unchanged', 'licence'],
    properties: {
      configured: { type: 'array', items: { type: 'string' } },
      unchanged: { type: 'array', items: { type: 'string' } },
      licence: licenceSchema,
    },
  } as const;
  const importPreview = {
    type: 'object',
    description:
      'With `?dryRun=true`: what the import would do, server by server, in file order. Nothing was stored or published.',
    required: ['dryRun', 'format', 'rows', 'licence'],
    properties: {
      dryRun: { type: 'boolean', const: true },
      format: {
        type: 'string',
        enum: ['csv', 'yaml'],
        description: 'How the file was read (given, or detected as the import does).',
      },
      rows: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            line: { type: ['integer', 'null'], description: "The entry's line in the file." },
            serverId: { type: 'string' },
            name: { type: 'string' },
            action: { type: 'string', enum: ['add', 'update', 'unchanged'] },
            changedFields: {
              type: 'array',
              items: { type: 'string' },
              description:
                "For an update, by the file's field names (`host`, `privilege`, `intervals.sel`, ...). A credential change is named `username` or `password` (compared with the stored one in memory, never returned) or `credentials` when the stored one cannot be read or is stored again under a new version.",
            },
          },
        },
      },
      licence: { ...licenceSchema, description: 'As it would be after the import.' },
    },
  } as const;

  app.post<{ Body: unknown; Querystring: { format?: 'csv' | 'yaml'; dryRun: boolean } }>(
    '/servers/import',
    {
      config: { access: 'admin', audit: 'server.import' },
      schema: {
        tags: ['servers'],
        summary:
          'Bulk add or update from CSV or YAML (the `ipmi-monitor import` format), all or nothing: any invalid row imports nothing and every problem is listed with its line.',
        querystring: {
          type: 'object',
          properties: {
            format: { type: 'string', enum: ['csv', 'yaml'] },
            dryRun: {
              type: 'boolean',
              default: false,
              description:
                "Preview: parse, validate and decide exactly as the import does (the same 422 problem with each line's errors, the same conflicts and licence) and answer what would happen to each server, storing and publishing nothing. Audited as `server.import` with `dryRun: true` in its detail.",
            },
          },
        },
        body: {
          description:
            'The file as text/csv or application/yaml (or text/plain with ?format=); or JSON `{ "format": "csv", "content": "..." }`.',
        },
        response: { 200: { anyOf: [importPreview, importResult] } },
      },
    },
    async (req) => {
      let text: string;
      let format = req.query.format;
      const ct = req.headers['content-type'] ?? '';
      if (typeof req.body === 'string') {
        text = req.body;
        if (format === undefined && ct.includes('csv')) format = 'csv';
        if (format === undefined && ct.includes('yaml')) format = 'yaml';
      } else if (
        typeof req.body === 'object' &&
        req.body !== null &&
        typeof (req.body as { content?: unknown }).content === 'string'
      ) {
        const b = req.body as { content: string; format?: unknown };
        text = b.content;
        if (b.format === 'csv' || b.format === 'yaml') format = b.format;
      } else {
        throw apiErrors.error(
          'API_INVALID_REQUEST',
          'send the file as text/csv or application/yaml, or JSON { format, content }',
        );
      }
      if (req.query.dryRun) {
        req.auditDetail = { dryRun: true };
        const preview = await manager.importDryRun(text, format, req.principal!.actor);
        const count = (action: string) => preview.rows.filter((r) => r.action === action).length;
        req.auditDetail = {
          dryRun: true,
          add: count('add'),
          update: count('update'),
          unchanged: count('unchanged'),
        };
        return preview;
      }
      const result = await manager.import(text, format, req.principal!.actor);
      req.auditDetail = {
        configured: result.published.map((e) => e.serverId),
        unchanged: result.unchanged.length,
      };
      return {
        configured: result.published.map((e) => e.serverId),
        unchanged: result.unchanged,
        licence: result.licence,
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/servers/:id',
    {
      config: { access: 'read' },
      schema: {
        tags: ['servers'],
        summary: 'One server: configuration (with the BMC user, never the password) and state.',
        params: idParam,
        response: { 200: serverSchema },
      },
    },
    async (req) => {
      const { rows } = await deps.db.query<ServerRow>(`${SERVER_SELECT} WHERE s.server_id = $1`, [
        req.params.id,
      ]);
      const row = rows[0];
      if (!row) throw apiErrors.error('API_NOT_FOUND', `no server ${req.params.id}`);
      // The server is shown even when its credential cannot be read (a wrong key, a
      // configuration from before the store): without the user name, and the log says why.
      const username = await deps.credentials
        .get(row.server_id)
        .then((c) => c.username)
        .catch((err: unknown) => {
          req.log.warn({ err, serverId: row.server_id }, 'stored credential not readable');
          return undefined;
        });
      return { ...serverOfRow(row), ...(username === undefined ? {} : { username }) };
    },
  );

  app.patch<{ Params: { id: string }; Body: Record<string, unknown> }>(
    '/servers/:id',
    {
      config: { access: 'admin', audit: 'server.update' },
      schema: {
        tags: ['servers'],
        summary:
          'Changes some fields (the password stays unless given); publishes the next revision with the fields that changed.',
        params: idParam,
        body: serverInputSchema,
        response: { 200: changed },
      },
    },
    async (req) => {
      const result = await manager.update(req.params.id, req.body, req.principal!.actor);
      const event = result.published[0];
      req.auditDetail = event
        ? { revision: event.revision, changedFields: event.changedFields }
        : { unchanged: true };
      const current = event ?? (await manager.config(req.params.id));
      return {
        server: current ? serverOfEvent(current) : undefined,
        licence: result.licence,
        changed: event !== undefined,
      };
    },
  );

  app.delete<{ Params: { id: string }; Querystring: { reason?: string } }>(
    '/servers/:id',
    {
      config: { access: 'admin', audit: 'server.delete' },
      schema: {
        tags: ['servers'],
        summary:
          'Stops monitoring a server: a ServerRemoved event; its stored password is deleted. History stays.',
        params: idParam,
        querystring: { type: 'object', properties: { reason: { type: 'string', maxLength: 500 } } },
      },
    },
    async (req, reply) => {
      const removal = await manager.remove(
        req.params.id,
        req.principal!.actor,
        req.query.reason ?? null,
      );
      req.auditDetail = { revision: removal.revision };
      return reply.status(204).send();
    },
  );

  app.post<{ Params: { id: string } }>(
    '/servers/:id/test',
    {
      config: { access: 'admin', audit: 'server.test' },
      schema: {
        tags: ['servers'],
        summary:
          "Connection check through the collector's probe: RMCP ping, session, sensors, SEL, each step with what it saw.",
        params: idParam,
        response: {
          200: {
            type: 'object',
            properties: {
              ok: { type: 'boolean' },
              host: { type: 'string' },
              port: { type: 'integer' },
              driver: { type: 'string' },
              steps: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    name: { type: 'string' },
                    ok: { type: 'boolean' },
                    skipped: { type: 'boolean' },
                    durationMs: { type: 'number' },
                    detail: { type: 'string' },
                    errorCode: { type: 'string' },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (req) => {
      const config = await manager.config(req.params.id);
      if (!config) throw apiErrors.error('API_NOT_FOUND', `no server ${req.params.id}`);
      const cred = await deps.credentials.get(config.serverId);
      const result = await deps.probe({
        host: config.host,
        port: config.port,
        driver: config.driver === 'IPMITOOL' ? 'IPMITOOL' : 'FREEIPMI',
        username: cred.username,
        password: cred.password.reveal(),
        cipherSuite: config.cipherSuite,
        privilege:
          config.privilegeLevel === 'OPERATOR' || config.privilegeLevel === 'ADMINISTRATOR'
            ? config.privilegeLevel
            : 'USER',
        workaroundFlags: config.workaroundFlags,
      });
      req.auditDetail = { ok: result.ok };
      return result;
    },
  );
}
