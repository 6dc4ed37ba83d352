/**
 * Logging in, tokens for scripts, users and the audit trail. A login returns a session
 * token (and sets it as an HttpOnly, SameSite=Strict cookie for the web UI, whose
 * EventSource cannot send headers); scripts use API tokens created by an admin. Tokens are
 * shown once, at creation.
 */
import type { FastifyInstance } from 'fastify';
import { SESSION_COOKIE } from '../app.js';
import { ROLES, type Role } from '../auth/store.js';
import type { ApiDeps } from '../deps.js';
import { apiErrors } from '../errors.js';
import { DEFAULT_LIMIT, MAX_LIMIT, decodeCursor, pageOf } from '../pagination.js';
import { idParam, pageQuery, tokenSchema } from './schemas.js';

export function authRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { auth, settings } = deps;

  app.post<{ Body: { username: string; password: string } }>(
    '/auth/login',
    {
      config: {
        access: 'public',
        audit: 'auth.login',
        rateLimit: { max: settings.loginRateLimit, timeWindow: 60_000, keyGenerator: (r) => r.ip },
      },
      schema: {
        tags: ['auth'],
        summary: 'Log in: a session token (also set as a cookie) valid IPMI_API_SESSION_HOURS.',
        body: {
          type: 'object',
          required: ['username', 'password'],
          additionalProperties: false,
          properties: {
            username: { type: 'string', minLength: 1, maxLength: 64 },
            password: { type: 'string', minLength: 1, maxLength: 256 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              token: { type: 'string' },
              role: { type: 'string' },
              expiresAt: { type: 'string' },
            },
          },
        },
      },
    },
    async (req, reply) => {
      req.auditActor = `user:${req.body.username}`;
      const session = await auth.login(req.body.username, req.body.password, settings.sessionHours);
      if (!session) throw apiErrors.error('API_LOGIN_FAILED', 'wrong user name or password');
      void reply.header(
        'set-cookie',
        `${SESSION_COOKIE}=${encodeURIComponent(session.token)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${settings.sessionHours * 3600}`,
      );
      return { token: session.token, role: session.info.role, expiresAt: session.info.expiresAt };
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { access: 'read', audit: 'auth.logout' },
      schema: {
        tags: ['auth'],
        summary: 'Ends the session (or revokes the token) used for this call.',
      },
    },
    async (req, reply) => {
      if (req.principal) await auth.revoke(req.principal.tokenId);
      void reply.header(
        'set-cookie',
        `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`,
      );
      return reply.status(204).send();
    },
  );

  app.get(
    '/auth/me',
    {
      config: { access: 'read' },
      schema: {
        tags: ['auth'],
        summary: 'Who this token is and what it may do.',
        response: {
          200: {
            type: 'object',
            properties: {
              actor: { type: 'string' },
              role: { type: 'string' },
              kind: { type: 'string' },
            },
          },
        },
      },
    },
    (req, reply) =>
      reply.send({
        actor: req.principal!.actor,
        role: req.principal!.role,
        kind: req.principal!.kind,
      }),
  );

  app.get(
    '/tokens',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['auth'],
        summary: 'API tokens (never their secrets).',
        response: {
          200: { type: 'object', properties: { items: { type: 'array', items: tokenSchema } } },
        },
      },
    },
    async () => ({ items: await auth.listTokens() }),
  );

  app.post<{ Body: { name: string; role: Role; expiresInDays?: number } }>(
    '/tokens',
    {
      config: { access: 'admin', audit: 'token.create' },
      schema: {
        tags: ['auth'],
        summary: 'Creates an API token for a script; the token is in this response only.',
        body: {
          type: 'object',
          required: ['name', 'role'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 100 },
            role: { type: 'string', enum: [...ROLES] },
            expiresInDays: { type: 'integer', minimum: 1, maximum: 3650 },
          },
        },
        response: {
          201: {
            type: 'object',
            properties: { token: { type: 'string' }, info: tokenSchema },
          },
        },
      },
    },
    async (req, reply) => {
      const now = (deps.clock ?? Date.now)();
      const created = await auth.issue({
        kind: 'api',
        name: req.body.name,
        role: req.body.role,
        createdBy: req.principal!.actor,
        expiresAt: req.body.expiresInDays ? now + req.body.expiresInDays * 86_400_000 : null,
      });
      req.auditDetail = { tokenId: created.info.tokenId, name: req.body.name, role: req.body.role };
      return reply.status(201).send(created);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/tokens/:id',
    {
      config: { access: 'admin', audit: 'token.revoke' },
      schema: { tags: ['auth'], summary: 'Revokes an API token.', params: idParam },
    },
    async (req, reply) => {
      if (!(await auth.revoke(req.params.id))) {
        throw apiErrors.error('API_NOT_FOUND', `no live token ${req.params.id}`);
      }
      return reply.status(204).send();
    },
  );

  app.get(
    '/users',
    {
      config: { access: 'admin' },
      schema: { tags: ['auth'], summary: 'Users who can log in, with their role.' },
    },
    async () => ({ items: await auth.listUsers() }),
  );

  app.post<{ Body: { username: string; password: string; role: Role } }>(
    '/users',
    {
      config: { access: 'admin', audit: 'user.create' },
      schema: {
        tags: ['auth'],
        summary: 'Adds a user (admin or read-only).',
        body: {
          type: 'object',
          required: ['username', 'password', 'role'],
          additionalProperties: false,
          properties: {
            username: { type: 'string', pattern: '^[A-Za-z0-9._@-]{1,64}$' },
            password: { type: 'string', minLength: 12, maxLength: 256 },
            role: { type: 'string', enum: [...ROLES] },
          },
        },
      },
    },
    async (req, reply) => {
      const ok = await auth.createUser(
        req.body.username,
        req.body.password,
        req.body.role,
        req.principal!.actor,
      );
      if (!ok) throw apiErrors.error('API_CONFLICT', `user ${req.body.username} exists`);
      req.auditDetail = { username: req.body.username, role: req.body.role };
      return reply.status(201).send({ username: req.body.username, role: req.body.role });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/users/:id',
    {
      config: { access: 'admin', audit: 'user.delete' },
      schema: {
        tags: ['auth'],
        summary: 'Removes a user and ends their sessions.',
        params: idParam,
      },
    },
    async (req, reply) => {
      if (!(await auth.deleteUser(req.params.id))) {
        throw apiErrors.error('API_NOT_FOUND', `no user ${req.params.id}`);
      }
      return reply.status(204).send();
    },
  );

  app.get<{ Querystring: { limit?: number; cursor?: string } }>(
    '/audit',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['auth'],
        summary: 'Changes made through the API, newest first.',
        querystring: pageQuery,
      },
    },
    async (req) => {
      const limit = req.query.limit ?? DEFAULT_LIMIT;
      const key = decodeCursor(req.query.cursor, ['number']);
      const { rows } = await deps.db.query<{
        audit_id: number;
        time: Date;
        actor: string;
        role: string | null;
        action: string;
        target: string | null;
        outcome: string;
        status: number;
        remote: string | null;
        detail: unknown;
      }>(
        `SELECT * FROM api_audit WHERE ($1::bigint IS NULL OR audit_id < $1)
          ORDER BY audit_id DESC LIMIT $2`,
        [key?.[0] ?? null, Math.min(limit, MAX_LIMIT) + 1],
      );
      return pageOf(
        rows,
        limit,
        (r) => [r.audit_id],
        (r) => ({
          id: r.audit_id,
          time: r.time.toISOString(),
          actor: r.actor,
          role: r.role,
          action: r.action,
          target: r.target,
          outcome: r.outcome,
          status: r.status,
          remote: r.remote,
          detail: r.detail,
        }),
      );
    },
  );
}
