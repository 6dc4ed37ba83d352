import type { PageServerLoad } from './$types';
import { alertsApiQuery, parseAlertFilters } from '$lib/lists/filters';
import { listPage, serverRefs } from '$lib/lists/load.server';
import type { Alert, Silence } from '$lib/lists/types';

export const load: PageServerLoad = async ({ locals, fetch, url }) => {
  const call = { token: locals.token, fetch };
  const filters = parseAlertFilters(url.searchParams);
  const [servers, alerts, silences] = await Promise.all([
    serverRefs(call),
    listPage<Alert>(call, `/api/v1/alerts${alertsApiQuery(filters)}`),
    // GET /silences is one list (no cursor): the same shape, nextCursor always null.
    listPage<Silence>(call, '/api/v1/silences'),
  ]);
  return {
    filters,
    servers,
    alerts: alerts.page,
    problem: alerts.problem,
    silences: silences.page.items,
    silencesProblem: silences.problem,
  };
};
