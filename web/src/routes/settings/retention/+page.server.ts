import type { PageServerLoad } from './$types';
import { apiJson, ApiError } from '$lib/server/api';
import type { RetentionInForce } from '$lib/settings/retention';

/** The retention in force; a failure is shown on the page (the defaults stay readable). */
export const load: PageServerLoad = async ({ locals, fetch }) => {
  try {
    const { items } = await apiJson<{ items: RetentionInForce[] }>(
      { token: locals.token, fetch },
      '/api/v1/retention',
    );
    return { retention: { ok: true as const, items } };
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return { retention: { ok: false as const, message: err.message, code: err.code } };
  }
};
