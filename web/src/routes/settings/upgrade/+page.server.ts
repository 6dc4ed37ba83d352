import type { PageServerLoad } from './$types';
import { loadJson } from '$lib/server/api';
import type { Licence } from '$lib/types';

/** The free tier's use: the licence that `GET /servers` carries beside the list. */
export const load: PageServerLoad = async ({ locals, fetch }) => {
  const { licence } = await loadJson<{ licence: Licence }>(
    { token: locals.token, fetch },
    '/api/v1/servers?limit=1',
  );
  return { licence };
};
