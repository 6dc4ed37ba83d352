import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';

/** /settings/servers is the servers page, which lives at /settings. */
export const load: PageServerLoad = () => {
  redirect(307, '/settings');
};
