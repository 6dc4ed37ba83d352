/**
 * Error codes of the API (docs/errors.md). Each carries its HTTP status: the error handler
 * turns any coded error into an RFC 9457 problem document with that status and the code.
 */
import { defineErrorCatalog } from '@ipmi-monitor/runtime';

export const apiErrors = defineErrorCatalog('API_', {
  API_UNAUTHENTICATED: {
    retriable: false,
    status: 401,
    doc: 'No valid credentials: send `Authorization: Bearer <token>` with an API token or a session token from `POST /api/v1/auth/login`.',
  },
  API_FORBIDDEN: {
    retriable: false,
    status: 403,
    doc: 'The token is valid but its role may not do this (read-only tokens only read).',
  },
  API_LOGIN_FAILED: {
    retriable: false,
    status: 401,
    doc: 'Wrong user name or password. Repeated failures are rate limited.',
  },
  API_NOT_FOUND: {
    retriable: false,
    status: 404,
    doc: 'No such resource (server, alert, insight, silence, token or route).',
  },
  API_INVALID_REQUEST: {
    retriable: false,
    status: 400,
    doc: 'The request does not match the OpenAPI spec at /api/v1/openapi.json; `errors` lists each problem with its place.',
  },
  API_INVALID_SERVER: {
    retriable: false,
    status: 422,
    doc: 'A server definition breaks a rule (missing host, bad port, unknown driver, password too long for IPMI); `errors` lists each issue with its field.',
  },
  API_CONFLICT: {
    retriable: false,
    status: 409,
    doc: 'The change conflicts with what exists: a server id or BMC address already configured, a user that exists.',
  },
  API_INVALID_CURSOR: {
    retriable: false,
    status: 400,
    doc: 'The `cursor` parameter is not one this API returned for this list; start again without it.',
  },
  API_RATE_LIMITED: {
    retriable: true,
    status: 429,
    doc: 'Too many requests from this client; wait the `Retry-After` seconds.',
  },
  API_UNAVAILABLE: {
    retriable: true,
    status: 503,
    doc: 'A part the API needs (Kafka, the database) did not answer in time. The detail says whether a change may still land (a Kafka write that timed out can): check, then retry.',
  },
  API_INTERNAL: {
    retriable: false,
    status: 500,
    doc: 'An unexpected failure; the log has the details under the request id the response gives.',
  },
});

export type ApiErrorCode = keyof typeof apiErrors.catalog;
