/**
 * Server detail, first render: the server (an unknown id is the API's 404), its sensors, active
 * alerts, open insights, the first page of SEL events, its inventory, and the series of the sensor the chart
 * opens with (`?sensor=` and `?range=` in the URL, else the sensor in the worst state).
 * Only the server is required: any other part that fails is shown as that part's error.
 */
import { apiJson, ApiError, loadJson } from '$lib/server/api';
import type { Page, Server } from '$lib/types';
import {
  EVENTS_PAGE,
  defaultSensor,
  eventsFrom,
  eventsPath,
  isRangeKey,
  rangeWindow,
  readingsPath,
} from '$lib/server-detail/logic';
import type {
  Alert,
  Insight,
  InventoryInfo,
  Loaded,
  RangeKey,
  ReadingsResponse,
  SelEvent,
  Sensor,
} from '$lib/server-detail/types';
import type { PageServerLoad } from './$types';

async function settle<T>(p: Promise<T>): Promise<Loaded<T>> {
  try {
    return { ok: true, value: await p };
  } catch (err) {
    if (err instanceof ApiError) return { ok: false, message: err.message, code: err.code };
    return { ok: false, message: (err as Error).message, code: 'WEB_ERROR' };
  }
}

export const load: PageServerLoad = async ({ params, locals, fetch, url }) => {
  const call = { token: locals.token, fetch };
  const id = encodeURIComponent(params.id);
  const now = Date.now();
  const range: RangeKey = isRangeKey(url.searchParams.get('range'))
    ? (url.searchParams.get('range') as RangeKey)
    : '24h';
  const from = eventsFrom('7d', now);

  const [server, sensors, alerts, insights, events, inventory] = await Promise.all([
    loadJson<Server>(call, `/api/v1/servers/${id}`),
    settle(apiJson<{ items: Sensor[] }>(call, `/api/v1/servers/${id}/sensors`)),
    settle(apiJson<Page<Alert>>(call, `/api/v1/alerts?serverId=${id}&state=active&limit=100`)),
    settle(apiJson<Page<Insight>>(call, `/api/v1/insights?serverId=${id}&status=open&limit=50`)),
    settle(apiJson<Page<SelEvent>>(call, eventsPath(params.id, [], from, EVENTS_PAGE))),
    settle(apiJson<{ inventory: InventoryInfo | null }>(call, `/api/v1/servers/${id}/inventory`)),
  ]);

  const sensorList = sensors.ok ? sensors.value.items : [];
  const sensorId = defaultSensor(sensorList, url.searchParams.get('sensor'));
  let readings: Loaded<ReadingsResponse> | null = null;
  if (sensorId) {
    const w = rangeWindow(range, now);
    readings = await settle(
      apiJson<ReadingsResponse>(call, readingsPath(params.id, sensorId, w.from, w.to)),
    );
  }

  return {
    server,
    sensors: sensors.ok
      ? ({ ok: true, value: sensorList } as const)
      : ({ ok: false, message: sensors.message, code: sensors.code } as const),
    alerts,
    insights,
    events,
    inventory: inventory.ok ? inventory.value.inventory : null,
    eventsFrom: from,
    chart: { sensorId, range, readings },
  };
};
