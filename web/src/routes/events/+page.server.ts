import type { PageServerLoad } from './$types';
import { eventsApiQuery, parseEventFilters, rangeProblem } from '$lib/lists/filters';
import { listPage, serverRefs, type Listed } from '$lib/lists/load.server';
import type { SelEvent } from '$lib/lists/types';

export const load: PageServerLoad = async ({ locals, fetch, url }) => {
  const call = { token: locals.token, fetch };
  const filters = parseEventFilters(url.searchParams);
  const now = Date.now();
  const invalid = rangeProblem(filters, now);
  const [servers, events] = await Promise.all([
    serverRefs(call),
    invalid
      ? Promise.resolve<Listed<SelEvent>>({
          page: { items: [], nextCursor: null },
          problem: { message: invalid, code: 'WEB_INVALID_RANGE' },
        })
      : listPage<SelEvent>(call, `/api/v1/events${eventsApiQuery(filters, now)}`),
  ]);
  return { filters, servers, events: events.page, problem: events.problem, loadedAt: now };
};
