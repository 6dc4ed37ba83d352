/** The theme choice (light, dark, or the system's) as a cookie, so the server renders it: no flash. */
import { redirect, type RequestHandler } from '@sveltejs/kit';
import { THEME_COOKIE } from '$lib/server/session';
import { sameOriginPath } from '$lib/safe-redirect';

export const POST: RequestHandler = async ({ request, cookies, url }) => {
  const form = await request.formData();
  const theme = String(form.get('theme') ?? 'system');
  const value = theme === 'light' || theme === 'dark' ? theme : 'system';
  cookies.set(THEME_COOKIE, value, {
    path: '/',
    httpOnly: false,
    sameSite: 'lax',
    secure: url.protocol === 'https:',
    maxAge: 400 * 86_400,
  });
  if (request.headers.get('accept')?.includes('application/json')) {
    return new Response(JSON.stringify({ theme: value }), {
      headers: { 'content-type': 'application/json' },
    });
  }
  redirect(303, sameOriginPath(String(form.get('back') ?? '/'), url.origin));
};
