/**
 * The browser's session with the UI: an HttpOnly cookie holding the API token, and who that
 * token is (asked of the API, cached a few seconds so a page's several calls ask once).
 */
import type { Cookies } from '@sveltejs/kit';
import { apiJson, ApiError } from './api';
import type { SessionUser } from '$lib/types';

export const SESSION_COOKIE = 'ipmi_web_session';
export const THEME_COOKIE = 'ipmi_theme';

const WHO_TTL_MS = 5_000;
const who = new Map<string, { user: SessionUser | null; at: number }>();

/** Who a token is; null when the API refuses it. Throws ApiError when the API is unreachable. */
export async function userOf(token: string): Promise<SessionUser | null> {
  const hit = who.get(token);
  if (hit && Date.now() - hit.at < WHO_TTL_MS) return hit.user;
  let user: SessionUser | null;
  try {
    user = await apiJson<SessionUser>({ token }, '/api/v1/auth/me');
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) user = null;
    else throw err;
  }
  if (who.size > 10_000) who.clear();
  who.set(token, { user, at: Date.now() });
  return user;
}

export function startSession(
  cookies: Cookies,
  token: string,
  expiresAt: string,
  secure: boolean,
): void {
  const maxAge = Math.max(60, Math.floor((Date.parse(expiresAt) - Date.now()) / 1000));
  cookies.set(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure,
    maxAge,
  });
}

export function endSession(cookies: Cookies, token: string | null): void {
  if (token) who.delete(token);
  cookies.delete(SESSION_COOKIE, { path: '/' });
}
