/**
 * Which API path a browser request to the UI's /api/ door may reach. Pure: unit-tested in
 * forward.unit.test.ts. The rest parameter arrives percent-decoded, so an encoded slash or dot
 * segment (`x%2F..%2F..%2Fmetrics`) would otherwise climb out of /api/v1 with the session's
 * token attached; anything that does not stay a plain path under /api/v1 is refused.
 */

/** Paths the door never forwards: logging in (the token must land in the UI's cookie, not in
 * page code) and the API's own HTML docs (their scripts would run on the UI's origin). */
const BLOCKED = ['/api/v1/auth/login', '/api/v1/docs'];

/** The API path for the rest parameter `rest` (after /api/), or null when it is refused. */
export function forwardPath(rest: string): string | null {
  if (rest.includes('\\') || rest.includes('%') || /[\u0000-\u001f\u007f]/.test(rest)) return null;
  const segments = rest.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return null;
  const path = `/api/${rest}`;
  if (!path.startsWith('/api/v1/')) return null;
  // The URL parser must agree that this is the path (no normalisation left to do).
  if (new URL(path, 'http://ui.invalid').pathname !== path) return null;
  if (BLOCKED.some((b) => path === b || path.startsWith(`${b}/`))) return null;
  return path;
}

/** Response types the door passes to the browser: data, never documents or scripts. */
export function forwardableType(contentType: string | null): boolean {
  if (contentType === null) return true; // 204 and friends
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return (
    type === 'application/json' ||
    type === 'application/problem+json' ||
    type === 'text/csv' ||
    type === 'text/event-stream' ||
    type === 'text/plain'
  );
}
