import type { PageServerLoad } from './$types';
import { insightsApiQuery, parseInsightFilters } from '$lib/lists/filters';
import { listPage, serverRefs } from '$lib/lists/load.server';
import type { Insight } from '$lib/lists/types';

export const load: PageServerLoad = async ({ locals, fetch, url }) => {
  const call = { token: locals.token, fetch };
  const filters = parseInsightFilters(url.searchParams);
  const [servers, insights] = await Promise.all([
    serverRefs(call),
    listPage<Insight>(call, `/api/v1/insights${insightsApiQuery(filters)}`),
  ]);
  return { filters, servers, insights: insights.page, problem: insights.problem };
};
