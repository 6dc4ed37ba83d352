import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { apiJson, ApiError } from '$lib/server/api';
import { startSession } from '$lib/server/session';
import { sameOriginPath } from '$lib/safe-redirect';

export const load: PageServerLoad = ({ locals, url }) => {
  if (locals.user) redirect(303, sameOriginPath(url.searchParams.get('next'), url.origin));
  return {};
};

export const actions: Actions = {
  default: async ({ request, cookies, url, getClientAddress }) => {
    const form = await request.formData();
    const username = String(form.get('username') ?? '').trim();
    const password = String(form.get('password') ?? '');
    if (!username || !password) {
      return fail(400, { username, message: 'Enter your user name and password.' });
    }
    let session: { token: string; role: string; expiresAt: string };
    try {
      session = await apiJson(
        { token: null, clientAddress: getClientAddress() },
        '/api/v1/auth/login',
        { method: 'POST', json: { username, password } },
      );
    } catch (err) {
      if (err instanceof ApiError) {
        const message =
          err.code === 'API_LOGIN_FAILED'
            ? 'Wrong user name or password.'
            : err.status === 429
              ? 'Too many attempts: wait a minute and try again.'
              : `Could not log in: ${err.message}`;
        return fail(err.status === 401 ? 400 : err.status, { username, message });
      }
      throw err;
    }
    startSession(cookies, session.token, session.expiresAt, url.protocol === 'https:');
    redirect(303, sameOriginPath(url.searchParams.get('next'), url.origin));
  },
};
