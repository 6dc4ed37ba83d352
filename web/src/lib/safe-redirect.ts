/**
 * Where a `?next=` (after login) or a form's `back` may send the browser: only to a path on
 * this same origin. Parsing with URL catches what string checks miss (`/\evil.com` and
 * `/\t/evil.com` are other hosts to a browser). Pure: unit-tested.
 */
export function sameOriginPath(target: string | null | undefined, origin: string): string {
  if (!target) return '/';
  let u: URL;
  try {
    u = new URL(target, origin);
  } catch {
    return '/';
  }
  if (u.origin !== new URL(origin).origin) return '/';
  return `${u.pathname}${u.search}`;
}
