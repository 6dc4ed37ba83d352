/**
 * The current server set, folded from the compacted `ipmi.servers.v1` topic. Pure:
 * (registry, event) → (registry, change). The collector replays the topic from the start on
 * boot and then follows it; the change tells it what to do (schedule, reschedule, refetch
 * credentials, stop polling).
 *
 * Ordering rules, from the schemas: revisions grow by one per change of a server, and
 * ServerRemoved carries the last configured revision + 1. An event whose revision is not
 * above the one held is a redelivery (Kafka is at-least-once) or a stale producer and is
 * ignored. A removal wins over a configuration of the same or an older revision, so a late
 * ServerConfigured can never resurrect a removed server; re-adding needs a higher revision.
 * Removals stay in the registry as tombstones for exactly that check (the topic keeps
 * ServerRemoved as the last value of the key, so a replay sees them too).
 */
import type { EventOf, ServerConfigured, ServerRemoved } from '@ipmi-monitor/schemas';
import type { ScheduleServer } from '../schedule/model.js';
import { bmcKey } from './ids.js';

export type ServerEvent = EventOf<'ipmi.servers.v1'>;

export type RegistryEntry =
  | { readonly status: 'active'; readonly revision: number; readonly config: ServerConfigured }
  | { readonly status: 'removed'; readonly revision: number; readonly removal: ServerRemoved };

export interface ServerRegistry {
  readonly entries: ReadonlyMap<string, RegistryEntry>;
}

/** The configuration fields whose change matters to a collector (envelope fields excluded). */
export const CONFIG_FIELDS = [
  'name',
  'host',
  'port',
  'driver',
  'cipherSuite',
  'privilegeLevel',
  'workaroundFlags',
  'tags',
  'model',
  'pollIntervals',
  'enabled',
  'credentialVersion',
] as const satisfies readonly (keyof ServerConfigured)[];
export type ConfigField = (typeof CONFIG_FIELDS)[number];

export type RegistryChange =
  | { readonly kind: 'added'; readonly serverId: string; readonly config: ServerConfigured }
  | {
      readonly kind: 'changed';
      readonly serverId: string;
      readonly config: ServerConfigured;
      readonly previous: ServerConfigured;
      /** Computed here, not trusted from the event's changedFields. */
      readonly changedFields: readonly ConfigField[];
      /** The collector must fetch the credentials again. */
      readonly credentialsChanged: boolean;
    }
  | {
      readonly kind: 'removed';
      readonly serverId: string;
      /** null when the removal is the first thing seen of the server (compacted replay). */
      readonly previous: ServerConfigured | null;
    }
  | {
      readonly kind: 'ignored';
      readonly serverId: string;
      /**
       * `stale`: revision not above the one held. `removed`: the server is removed, and this
       * configuration is not newer than the removal (or this is another removal).
       */
      readonly reason: 'stale' | 'removed';
    };

export function emptyRegistry(): ServerRegistry {
  return { entries: new Map() };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function diffConfig(prev: ServerConfigured, next: ServerConfigured): ConfigField[] {
  return CONFIG_FIELDS.filter((f) => !same(prev[f], next[f]));
}

export function applyServerEvent(
  registry: ServerRegistry,
  event: ServerEvent,
): { registry: ServerRegistry; change: RegistryChange } {
  const { serverId, revision } = event.value;
  const held = registry.entries.get(serverId);
  const set = (entry: RegistryEntry) => {
    const entries = new Map(registry.entries);
    entries.set(serverId, entry);
    return { entries };
  };

  if (event.type === 'ServerRemoved') {
    // Removal wins at an equal revision: of two conflicting facts, stop polling.
    if (held && revision < held.revision) {
      return { registry, change: { kind: 'ignored', serverId, reason: 'stale' } };
    }
    if (held?.status === 'removed') {
      // Already removed: nothing for the collector to do, but the higher revision is kept
      // so a configuration between the two removals cannot resurrect the server.
      return {
        registry: set({ status: 'removed', revision, removal: event.value }),
        change: { kind: 'ignored', serverId, reason: 'removed' },
      };
    }
    return {
      registry: set({ status: 'removed', revision, removal: event.value }),
      change: { kind: 'removed', serverId, previous: held?.config ?? null },
    };
  }

  const config = event.value;
  if (held && revision <= held.revision) {
    return {
      registry,
      change: {
        kind: 'ignored',
        serverId,
        reason: held.status === 'removed' ? 'removed' : 'stale',
      },
    };
  }
  const next = set({ status: 'active', revision, config });
  if (!held || held.status === 'removed') {
    return { registry: next, change: { kind: 'added', serverId, config } };
  }
  const changedFields = diffConfig(held.config, config);
  return {
    registry: next,
    change: {
      kind: 'changed',
      serverId,
      config,
      previous: held.config,
      changedFields,
      credentialsChanged: held.config.credentialVersion !== config.credentialVersion,
    },
  };
}

/** Folds a replay (e.g. the whole compacted topic at start-up). */
export function foldServerEvents(
  events: Iterable<ServerEvent>,
  registry: ServerRegistry = emptyRegistry(),
): ServerRegistry {
  let r = registry;
  for (const e of events) r = applyServerEvent(r, e).registry;
  return r;
}

/** Servers currently configured (paused ones included: they keep their state), by id. */
export function activeServers(registry: ServerRegistry): ServerConfigured[] {
  const out: ServerConfigured[] = [];
  for (const e of registry.entries.values()) if (e.status === 'active') out.push(e.config);
  return out.sort((a, b) => (a.serverId < b.serverId ? -1 : a.serverId > b.serverId ? 1 : 0));
}

export function configOf(registry: ServerRegistry, serverId: string): ServerConfigured | null {
  const e = registry.entries.get(serverId);
  return e?.status === 'active' ? e.config : null;
}

/** Highest revision held for a server (active or removed); 0 when unknown. */
export function revisionOf(registry: ServerRegistry, serverId: string): number {
  return registry.entries.get(serverId)?.revision ?? 0;
}

/** The scheduler's view of the registry (serversChanged input). */
export function toScheduleServers(registry: ServerRegistry): ScheduleServer[] {
  return activeServers(registry).map((c) => ({
    serverId: c.serverId,
    bmc: bmcKey(c.host, c.port),
    enabled: c.enabled,
    pollIntervals: c.pollIntervals,
    revision: c.revision,
  }));
}
