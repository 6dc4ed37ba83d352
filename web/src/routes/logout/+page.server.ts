import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { apiFetch } from '$lib/server/api';
import { endSession } from '$lib/server/session';

export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
  default: async ({ locals, cookies }) => {
    if (locals.token) {
      // Revoke the API session too, so the token is dead even if the cookie was copied.
      await apiFetch({ token: locals.token }, '/api/v1/auth/logout', { method: 'POST' }).catch(
        () => undefined,
      );
    }
    endSession(cookies, locals.token);
    redirect(303, '/login');
  },
};
