/**
 * The browser's door to the API: /api/v1/... on the UI's origin is forwarded to the API with the
 * session's token. Bodies stream both ways, so the live feed (SSE) and CSV exports pass through
 * without being buffered. Only plain paths under /api/v1 are forwarded (forwardPath), never
 * login (the token must end up in the UI's cookie, not in page code) nor the API's HTML docs,
 * and only data comes back (JSON, CSV, event streams), never a document that would run on the
 * UI's origin.
 */

function problem(status: number, code: string, detail: string): Response {
  return new Response(JSON.stringify({ status, code, detail }), {
    status,
    headers: { 'content-type': 'application/problem+json', 'x-content-type-options': 'nosniff' },
  });
}
import type { RequestHandler } from './$types';
import { ApiError, apiFetch } from '$lib/server/api';
import { forwardableType, forwardPath } from '$lib/server/forward';

const PASS_REQUEST = ['content-type', 'accept', 'last-event-id'];
const PASS_RESPONSE = [
  'content-type',
  'content-disposition',
  'cache-control',
  'retry-after',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
];

const forward: RequestHandler = async ({ request, params, url, locals, getClientAddress }) => {
  const path = forwardPath(params.path);
  if (path === null) {
    return problem(404, 'WEB_NOT_FORWARDED', `/api/${params.path} is not forwarded to the API`);
  }
  const headers = new Headers();
  for (const h of PASS_REQUEST) {
    const v = request.headers.get(h);
    if (v !== null) headers.set(h, v);
  }
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  let res: Response;
  try {
    res = await apiFetch(
      { token: locals.token, clientAddress: getClientAddress() },
      `${path}${url.search}`,
      {
        method: request.method,
        headers,
        ...(hasBody ? { body: request.body, duplex: 'half' } : {}),
        signal: request.signal,
      } as RequestInit,
    );
  } catch (err) {
    if (err instanceof ApiError) return problem(err.status, err.code, err.message);
    throw err;
  }
  if (!forwardableType(res.headers.get('content-type'))) {
    await res.body?.cancel();
    return problem(502, 'WEB_NOT_FORWARDED', `${path} answered a document, not data`);
  }
  const out = new Headers({ 'x-content-type-options': 'nosniff' });
  for (const h of PASS_RESPONSE) {
    const v = res.headers.get(h);
    if (v !== null) out.set(h, v);
  }
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    out.set('x-accel-buffering', 'no');
  }
  return new Response(res.body, { status: res.status, headers: out });
};

export const GET = forward;
export const POST = forward;
export const PATCH = forward;
export const PUT = forward;
export const DELETE = forward;
