/**
 * The API as a fastify instance: auth on every route (fail closed), RFC 9457 errors, rate
 * limits, the audit trail, the OpenAPI document and the routes. Pure wiring: no listening,
 * so tests drive it with `inject` and the service (service/main.ts) calls `listen`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { isCodedError } from '@ipmi-monitor/runtime';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import type { Principal, Role } from './auth/store.js';
import { parseToken } from './auth/secrets.js';
import type { ApiDeps } from './deps.js';
import { apiErrors } from './errors.js';
import { PROBLEM_TYPE, apiProblem, problem, type Problem } from './problem.js';
import { registerRoutes } from './routes/index.js';

/**
 * Who may call a route. Every route states it; a route that does not is admin-only, so a
 * forgotten declaration closes a route rather than opening it.
 * - public: anyone (/health, the OpenAPI document and docs page, login);
 * - read: any authenticated token (admin or read-only);
 * - admin: admin tokens only;
 * - metrics: like read, or public when IPMI_API_METRICS_AUTH=false.
 */
export type Access = 'public' | 'read' | 'admin' | 'metrics';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** Audit action name for changes (e.g. `server.create`); default `<METHOD> <route>`. */
    audit?: string;
  }
  interface FastifyInstance {
    /** Every route with its access, as registered (the authorization matrix test walks it). */
    routeTable: RouteEntry[];
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** Set by a handler for the audit trail: who tried (login) and what changed. */
    auditActor?: string;
    auditDetail?: Record<string, unknown>;
  }
}

export interface RouteEntry {
  method: string;
  url: string;
  access: Access;
}

export const SESSION_COOKIE = 'ipmi_session';
const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The bearer value of a request: the Authorization header, else the web UI's cookie. */
export function bearerOf(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return m ? m[1]! : null;
  }
  const cookie = req.headers.cookie;
  if (cookie === undefined) return null;
  for (const part of cookie.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === SESSION_COOKIE) return decodeURIComponent(rest.join('='));
  }
  return null;
}

/** Constant-time equality, so comparing with the scrape token leaks no prefix timing. */
function sameText(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

function accessOf(req: FastifyRequest): Access {
  const url = req.routeOptions.url ?? '';
  // The docs page's own asset routes come from @fastify/swagger-ui.
  if (url.startsWith('/api/v1/docs')) return 'public';
  return req.routeOptions.config.access ?? 'admin';
}

function allowed(access: Access, role: Role | undefined, metricsAuth: boolean): boolean {
  if (access === 'public' || (access === 'metrics' && !metricsAuth)) return true;
  if (role === undefined) return false;
  return access === 'admin' ? role === 'admin' : true;
}

function toProblem(err: FastifyError, req: FastifyRequest): { problem: Problem; log: boolean } {
  if (err.validation) {
    return {
      problem: apiProblem('API_INVALID_REQUEST', err.message, {
        errors: err.validation.map((v) => ({
          field:
            `${err.validationContext ?? ''}${v.instancePath.replace(/\//g, '.')}` +
            (typeof v.params?.missingProperty === 'string' ? `.${v.params.missingProperty}` : ''),
          message: v.message ?? 'invalid',
        })),
      }),
      log: false,
    };
  }
  if (isCodedError(err)) {
    const extra = (err as { problem?: Partial<Problem> }).problem ?? {};
    // Our own codes carry a message written for the client (a 503 says whether to retry).
    if (err.code.startsWith('API_') || (err.status !== undefined && err.status < 500)) {
      const status = err.status ?? 500;
      return { problem: problem(err.code, status, err.message, extra), log: status >= 500 };
    }
    // Another package's failure (database, Kafka): the code, not the internals.
    const status = err.status ?? (err.retriable ? 503 : 500);
    return {
      problem: problem(
        err.code,
        status,
        status === 503
          ? `a backing service did not answer (${err.code}); retry later`
          : `internal error (${err.code}), request ${req.id}`,
      ),
      log: true,
    };
  }
  const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
  if (status < 500) {
    return {
      problem: problem(
        status === 404 ? 'API_NOT_FOUND' : 'API_INVALID_REQUEST',
        status,
        err.message,
      ),
      log: false,
    };
  }
  return {
    problem: apiProblem('API_INTERNAL', `internal error, request ${req.id}`),
    log: true,
  };
}

/** Attaches problem extensions (`errors`, `serversUsed`, ...) to a coded error. */
export function withProblem<E extends Error>(err: E, extra: Partial<Problem>): E {
  (err as E & { problem?: Partial<Problem> }).problem = extra;
  return err;
}

export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps FastifyInstance's default generics.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Behind a reverse proxy (IPMI_API_TRUST_PROXY) its X-Forwarded-For names the client for
    // rate limits and the audit trail; without one that header is the client's to forge.
    trustProxy: deps.settings.trustProxy,
    bodyLimit: 8 * 1024 * 1024,
    disableRequestLogging: true,
    ajv: {
      customOptions: {
        coerceTypes: 'array',
        removeAdditional: false,
        allErrors: true,
        // Nullable fields are written `type: ['string', 'null']`, as OpenAPI 3.1 does.
        allowUnionTypes: true,
      },
    },
  });
  app.decorateRequest('principal', null);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'IPMI Monitor API',
        version: '1.0.0',
        description:
          'Results of the IPMI Monitor pipeline (fleet, sensors, SEL events, alerts, insights), server management, CSV export and live updates. Every route but /health needs `Authorization: Bearer <token>`. Errors are RFC 9457 problem documents. Lists are cursor-paginated: pass `nextCursor` back as `cursor`.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/v1/docs' });

  await app.register(rateLimit, {
    global: true,
    max: deps.settings.rateLimit,
    timeWindow: 60_000,
    // Per token when there is one (many scripts behind one NAT), else per address.
    keyGenerator: (req) => {
      const bearer = bearerOf(req);
      const parsed = bearer === null ? null : parseToken(bearer);
      return parsed ? `token:${parsed.tokenId}` : `ip:${req.ip}`;
    },
    allowList: (req) => req.url === '/health',
    errorResponseBuilder: (_req, ctx) => {
      const err = apiErrors.error(
        'API_RATE_LIMITED',
        `more than ${ctx.max} requests in ${ctx.after}; retry after ${Math.ceil(ctx.ttl / 1000)} s`,
      );
      return Object.assign(err, { statusCode: 429 });
    },
  });

  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    const access: Access = route.url.startsWith('/api/v1/docs')
      ? 'public'
      : (route.config?.access ?? 'admin');
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routeTable.push({ method, url: route.url, access });
    }
    if (access === 'public') return;
    route.schema = {
      ...route.schema,
      security: [{ bearer: [] }],
      // Where the spec lists who may call: `x-access` read | admin | metrics.
      ...({ 'x-access': access } as object),
    };
  });

  app.addHook('onRequest', async (req) => {
    const access = accessOf(req);
    const bearer = bearerOf(req);
    req.principal = bearer === null ? null : await deps.auth.authenticate(bearer);
    if (allowed(access, req.principal?.role, deps.settings.metricsAuth)) return;
    const scraper = deps.settings.metricsToken;
    if (access === 'metrics' && scraper !== null && bearer !== null && sameText(bearer, scraper)) {
      return;
    }
    if (!req.principal) {
      throw apiErrors.error(
        'API_UNAUTHENTICATED',
        bearer === null
          ? 'this route needs Authorization: Bearer <token>'
          : 'the token is unknown, revoked or expired',
      );
    }
    throw apiErrors.error(
      'API_FORBIDDEN',
      `a ${req.principal.role} token may not ${req.method} ${req.routeOptions.url ?? req.url}`,
    );
  });

  app.addHook('onResponse', async (req, reply) => {
    // Changes only, refused ones included; a refused read (a scraper with a stale token every
    // 15 s) would bury the changes.
    if (!CHANGES.has(req.method) || req.routeOptions.url === undefined) return;
    const denied = reply.statusCode === 401 || reply.statusCode === 403;
    const status = reply.statusCode;
    try {
      await deps.auth.audit({
        actor: req.auditActor ?? req.principal?.actor ?? 'anonymous',
        role: req.principal?.role ?? null,
        action: req.routeOptions.config.audit ?? `${req.method} ${req.routeOptions.url}`,
        target: (req.params as { id?: string } | undefined)?.id ?? null,
        outcome: status < 400 ? 'ok' : denied ? 'denied' : 'failed',
        status,
        remote: req.ip,
        ...(req.auditDetail ? { detail: req.auditDetail } : {}),
      });
    } catch (err) {
      req.log.error({ err }, 'audit record not written');
    }
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const { problem: p, log } = toProblem(err, req);
    if (log) req.log.error({ err, reqId: req.id, url: req.routeOptions.url }, 'request failed');
    const retryAfter = reply.getHeader('retry-after');
    if (p.status === 429 && retryAfter === undefined) void reply.header('retry-after', '60');
    return reply.status(p.status).type(PROBLEM_TYPE).send(p);
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .status(404)
      .type(PROBLEM_TYPE)
      .send(apiProblem('API_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`)),
  );

  await registerRoutes(app, deps);
  return app;
}
