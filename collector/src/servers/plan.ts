/**
 * Which configuration events a bulk import produces, given what the topic already holds.
 * Pure. Importing the same file twice produces nothing the second time (the credential
 * store keeps the version of unchanged credentials, and unchanged configs are skipped), so
 * "run the import on every start" is safe. A server the topic knows gets the next revision
 * and the fields that changed; a removed server comes back with a revision above its
 * removal, as the registry requires.
 */
import type { ServerConfigured } from '@ipmi-monitor/schemas';
import { toServerConfigured, type ServerDefinition } from './import.js';
import { configOf, diffConfig, revisionOf, type ServerRegistry } from './registry.js';

export interface ImportPlanContext {
  readonly now: number;
  readonly source: string;
  readonly actor?: string | null | undefined;
  /** From CredentialStore.put for each definition's serverId. */
  readonly credentialVersions: ReadonlyMap<string, number>;
}

export interface ImportPlan {
  /** To produce to `ipmi.servers.v1`, in file order. */
  readonly events: readonly ServerConfigured[];
  /** Already configured exactly like this. */
  readonly unchanged: readonly string[];
  /** No credential version was given (the store put failed): not configured. */
  readonly missingCredentials: readonly string[];
}

export function planImport(
  registry: ServerRegistry,
  defs: readonly ServerDefinition[],
  ctx: ImportPlanContext,
): ImportPlan {
  const events: ServerConfigured[] = [];
  const unchanged: string[] = [];
  const missingCredentials: string[] = [];
  for (const def of defs) {
    const credentialVersion = ctx.credentialVersions.get(def.serverId);
    if (credentialVersion === undefined) {
      missingCredentials.push(def.serverId);
      continue;
    }
    const prev = configOf(registry, def.serverId);
    const base = {
      now: ctx.now,
      source: ctx.source,
      actor: ctx.actor ?? null,
      credentialVersion,
      revision: revisionOf(registry, def.serverId) + 1,
    };
    const candidate = toServerConfigured(def, base);
    if (!prev) {
      events.push(candidate);
      continue;
    }
    const changedFields = diffConfig(prev, candidate);
    if (changedFields.length === 0) unchanged.push(def.serverId);
    else events.push(toServerConfigured(def, { ...base, changedFields }));
  }
  return { events, unchanged, missingCredentials };
}
