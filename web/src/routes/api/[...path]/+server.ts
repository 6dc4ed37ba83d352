/**
 * The browser's door to the API: /api/v1/... on the UI's origin is forwarded to the API with the
 * session's token. Bodies stream both ways, so the live feed (SSE) and CSV exports pass through
 * without being buffered. Only /api/v1 is forwarded; logging in and out go through the UI's own
 * actions (the token must end up in the UI's cookie, not in page code).
 */
import type { RequestHandler } from './$types';
import { apiFetch } from '$lib/server/api';

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
  const path = `/api/${params.path}`;
  if (!path.startsWith('/api/v1/') || path.startsWith('/api/v1/auth/login')) {
    return new Response(
      JSON.stringify({
        status: 404,
        code: 'WEB_NOT_FORWARDED',
        detail: `${path} is not forwarded`,
      }),
      {
        status: 404,
        headers: { 'content-type': 'application/problem+json' },
      },
    );
  }
  const headers = new Headers();
  for (const h of PASS_REQUEST) {
    const v = request.headers.get(h);
    if (v !== null) headers.set(h, v);
  }
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  const res = await apiFetch(
    { token: locals.token, clientAddress: getClientAddress() },
    `${path}${url.search}`,
    {
      method: request.method,
      headers,
      ...(hasBody ? { body: request.body, duplex: 'half' } : {}),
      signal: request.signal,
    } as RequestInit,
  );
  const out = new Headers();
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
