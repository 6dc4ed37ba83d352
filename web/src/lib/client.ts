/**
 * Calls from the browser: through the UI server's /api/v1 door (same origin, session cookie),
 * never to the API directly. A refused call throws ClientError with the API's code and detail.
 */
export class ClientError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: { field?: string; message?: string; [k: string]: unknown }[] = [],
  ) {
    super(message);
  }
}

export async function api<T>(
  path: string,
  init: { method?: string; json?: unknown; body?: BodyInit; headers?: Record<string, string> } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
  let body = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers['content-type'] = 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(path, { method: init.method ?? 'GET', headers, body });
  } catch {
    throw new ClientError(
      0,
      'WEB_OFFLINE',
      'The UI server does not answer: check your connection.',
    );
  }
  if (res.status === 401 && typeof location !== 'undefined') {
    location.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
  }
  if (!res.ok) {
    let code = `HTTP_${res.status}`;
    let detail = res.statusText || 'request failed';
    let errors: ClientError['errors'] = [];
    try {
      const p = (await res.json()) as {
        code?: string;
        detail?: string;
        title?: string;
        errors?: ClientError['errors'];
      };
      code = p.code ?? code;
      detail = p.detail ?? p.title ?? detail;
      errors = p.errors ?? [];
    } catch {
      // not a problem document
    }
    throw new ClientError(res.status, code, detail, errors);
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** "?a=1&b=x" from an object; empty, null and undefined values are left out, arrays repeat. */
export function query(
  params: Record<string, string | number | boolean | null | undefined | string[]>,
): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === '') continue;
    if (Array.isArray(v)) for (const x of v) q.append(k, x);
    else q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
