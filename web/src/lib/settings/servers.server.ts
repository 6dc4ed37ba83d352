/**
 * The configured servers for the settings pages, read on the UI server: every page of
 * `GET /servers` (the list is by id, 1000 a page). The BMC user name is not among them: only
 * `GET /servers/:id` carries it (a credential decrypted per server), read by the edit form.
 */
import { loadJson, type ApiCall } from '$lib/server/api';
import type { Licence } from '$lib/types';
import type { SettingsServer } from './types';

interface ServersPage {
  items: SettingsServer[];
  nextCursor: string | null;
  licence: Licence;
}

export async function allServers(
  call: ApiCall,
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
