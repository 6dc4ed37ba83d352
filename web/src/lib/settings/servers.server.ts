/**
 * The configured servers for the settings pages, read on the UI server: every page of
 * `GET /servers` (the list is by id, 1000 a page) and, for a fleet of a reasonable size, each
 * server's BMC user name, which only `GET /servers/:id` carries.
 */
import { apiJson, loadJson, type ApiCall } from '$lib/server/api';
import type { Licence } from '$lib/types';
import type { SettingsServer } from './types';

interface ServersPage {
  items: SettingsServer[];
  nextCursor: string | null;
  licence: Licence;
}

/** Above this many servers the user names are not fetched one by one (the edit form reads it). */
export const USERNAME_LOOKUP_LIMIT = 200;

export async function allServers(
  call: ApiCall,
  options: { usernames?: boolean } = {},
): Promise<{ servers: SettingsServer[]; licence: Licence }> {
  const servers: SettingsServer[] = [];
  let cursor: string | null = null;
  let licence: Licence | null = null;
  for (let i = 0; i < 100; i++) {
    const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page: ServersPage = await loadJson<ServersPage>(call, `/api/v1/servers?limit=1000${q}`);
    servers.push(...page.items.map(configOf));
    licence = page.licence;
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  if (options.usernames && servers.length <= USERNAME_LOOKUP_LIMIT) {
    await withLimit(servers, 8, async (s) => {
      try {
        const one = await apiJson<{ username?: string }>(
          call,
          `/api/v1/servers/${encodeURIComponent(s.serverId)}`,
        );
        if (one.username !== undefined) s.username = one.username;
      } catch {
        // Shown as unknown: the edit form reads it again and says why if it fails.
      }
    });
  }
  return {
    servers,
    licence: licence ?? {
      tier: 'free',
      serversUsed: servers.length,
      serversLimit: 50,
      overLimit: false,
      upgradeHint: null,
    },
  };
}

/** Only what the settings pages show (the list also carries health, power, alerts...). */
function configOf(s: SettingsServer): SettingsServer {
  return {
    serverId: s.serverId,
    name: s.name,
    host: s.host,
    port: s.port,
    driver: s.driver,
    cipherSuite: s.cipherSuite,
    privilegeLevel: s.privilegeLevel,
    workaroundFlags: s.workaroundFlags,
    tags: s.tags,
    model: s.model,
    enabled: s.enabled,
    intervals: s.intervals,
    revision: s.revision,
    configuredAt: s.configuredAt,
    health: s.health,
    lastPollAt: s.lastPollAt,
  };
}

async function withLimit<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}
