import type { PageServerLoad } from './$types';
import { allServers } from '$lib/settings/servers.server';

export const load: PageServerLoad = async ({ locals, fetch }) => {
  const { servers, licence } = await allServers(
    { token: locals.token, fetch },
    { usernames: true },
  );
  return { servers, licence };
};
