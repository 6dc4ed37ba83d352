/**
 * The fleet dashboard's first render: the summary and every server (all pages of the list).
 * Filters are applied in the page, not here: the load does not read the URL, so changing a
 * filter never re-runs it, and the live updates patch one list whatever is shown.
 */
import { loadJson } from '$lib/server/api';
import { loadAllPages } from '$lib/fleet/live';
import type { FleetSummary } from '$lib/fleet/types';
import type { Page, Server } from '$lib/types';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, fetch }) => {
  const call = { token: locals.token, fetch };
  const [summary, servers] = await Promise.all([
    loadJson<FleetSummary>(call, '/api/v1/fleet/summary?attention=0'),
    loadAllPages((cursor) =>
      loadJson<Page<Server>>(
        call,
        `/api/v1/servers?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      ),
    ),
  ]);
  return { summary, servers };
};
