/**
 * The UI's one way to the API: server-side calls with the session's token. Errors keep the
 * API's problem document (its `code` and `detail`), so a page can say what happened.
 */
import { error as kitError } from '@sveltejs/kit';
import { webConfig } from './config';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ApiCall {
  token: string | null;
  fetch?: typeof fetch;
  clientAddress?: string;
}

export async function apiFetch(
  call: ApiCall,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (call.token) headers.set('authorization', `Bearer ${call.token}`);
  // The API believes this only when told to trust its proxy (IPMI_API_TRUST_PROXY); then its
  // login rate limit counts per browser, not per UI server.
  if (call.clientAddress) headers.set('x-forwarded-for', call.clientAddress);
  const f = call.fetch ?? fetch;
  try {
    return await f(`${webConfig().apiUrl}${path}`, { ...init, headers });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    // The address stays in the UI server's log: pages only learn that the API is down.
    console.error(
      JSON.stringify({
        level: 'error',
        msg: 'the API does not answer',
        api: webConfig().apiUrl,
        err: (err as Error).message,
      }),
    );
    throw new ApiError(503, 'WEB_API_UNREACHABLE', 'the API does not answer: try again shortly');
  }
}

async function problemOf(res: Response): Promise<ApiError> {
  let code = `HTTP_${res.status}`;
  let detail = res.statusText;
  try {
    const body = (await res.json()) as { code?: string; detail?: string; title?: string };
    code = body.code ?? code;
    detail = body.detail ?? body.title ?? detail;
  } catch {
    // not a problem document: keep the status line
  }
  return new ApiError(res.status, code, detail);
}

/** A JSON call; a non-2xx answer throws ApiError. */
export async function apiJson<T>(
  call: ApiCall,
  path: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<T> {
  const { json, ...rest } = init;
  const req: RequestInit = { ...rest };
  if (json !== undefined) {
    req.body = JSON.stringify(json);
    req.headers = {
      ...(rest.headers as Record<string, string>),
      'content-type': 'application/json',
    };
  }
  const res = await apiFetch(call, path, req);
  if (!res.ok) throw await problemOf(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** In a load function: an API failure becomes the page's error (401 is handled by the hook). */
export async function loadJson<T>(call: ApiCall, path: string): Promise<T> {
  try {
    return await apiJson<T>(call, path);
  } catch (err) {
    if (err instanceof ApiError) kitError(err.status, { message: err.message, code: err.code });
    throw err;
  }
}
