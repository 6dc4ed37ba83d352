/**
 * Every request: the session cookie → the API token → who the user is, and the theme. Pages
 * need a session; /login, /theme and static files do not. The token lives only in an HttpOnly
 * cookie and on this server: page code never sees it.
 */
import { redirect, type Handle, type HandleServerError } from '@sveltejs/kit';
import { SESSION_COOKIE, THEME_COOKIE, userOf } from '$lib/server/session';
import { ApiError } from '$lib/server/api';

const OPEN = ['/login', '/theme', '/favicon.svg', '/_app/'];

function problem(status: number, code: string, detail: string): Response {
  return new Response(JSON.stringify({ status, code, detail }), {
    status,
    headers: { 'content-type': 'application/problem+json' },
  });
}

export const handle: Handle = async ({ event, resolve }) => {
  const theme = event.cookies.get(THEME_COOKIE);
  event.locals.theme = theme === 'light' || theme === 'dark' ? theme : 'system';
  event.locals.token = event.cookies.get(SESSION_COOKIE) ?? null;
  event.locals.user = null;

  const path = event.url.pathname;
  const open = OPEN.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`));
  if (event.locals.token) {
    let unreachable = false;
    try {
      event.locals.user = await userOf(event.locals.token);
    } catch (err) {
      unreachable = true;
      const detail = err instanceof ApiError ? err.message : 'the API does not answer';
      if (path.startsWith('/api/')) return problem(503, 'WEB_API_UNREACHABLE', detail);
      // A page: keep the session, say what happened (the error page renders the message).
      if (!open) {
        return resolve(event, {
          transformPageChunk: ({ html }) => html.replace('%ipmi.theme%', event.locals.theme),
        });
      }
    }
    if (!event.locals.user && !unreachable) {
      // Expired or revoked: drop the cookie so the login page starts clean. (Not when the API
      // is merely down: the session is still good.)
      event.cookies.delete(SESSION_COOKIE, { path: '/' });
      event.locals.token = null;
    }
  }

  if (!event.locals.user && !open) {
    if (path.startsWith('/api/')) return problem(401, 'WEB_NOT_LOGGED_IN', 'log in first');
    const next = path === '/' ? '' : `?next=${encodeURIComponent(path + event.url.search)}`;
    redirect(303, `/login${next}`);
  }

  return resolve(event, {
    transformPageChunk: ({ html }) => html.replace('%ipmi.theme%', event.locals.theme),
  });
};

/** Unexpected errors: logged here with the request; the page gets a message without internals. */
export const handleError: HandleServerError = ({ error, event, status }) => {
  if (status !== 404) {
    console.error(
      JSON.stringify({
        level: 'error',
        msg: 'web request failed',
        path: event.url.pathname,
        err: String(error),
      }),
    );
  }
  return {
    message: status === 404 ? 'Not found' : 'Something went wrong on the UI server',
    code: `WEB_${status}`,
  };
};
