import type { PageServerLoad } from './$types';
import { allServers } from '$lib/settings/servers.server';

export const load: PageServerLoad = async ({ locals, fetch }) => {
  // No BMC user names: each is a `GET /servers/:id` (a credential decrypted); the edit form reads it.
  const { servers, licence } = await allServers({ token: locals.token, fetch });
  return { servers, licence };
};
