/**
 * Server management: the API's only writes to Kafka. Each change is decided against the
 * configuration topic itself (read to its end under a lock, then folded by the collector's
 * own registry rules), so the revision the API writes is the next one whoever wrote the
 * last (the CLI import, another API call), and the collector applies it by the same rules.
 * Passwords go into the encrypted credential store; events carry only its version.
 */
import { hostname } from 'node:os';
import {
  activeServers,
  bmcKey,
  configOf,
  foldServerEvents,
  parseServerImport,
  parseServerObject,
  planImport,
  revisionOf,
  serverEventId,
  type ImportIssue,
  type ServerDefinition,
  type ServerEvent,
  type ServerRegistry,
} from '@ipmi-monitor/collector';
import type { ServerConfigured, ServerRemoved } from '@ipmi-monitor/schemas';
import { withProblem } from './app.js';
import type { ApiDeps } from './deps.js';
import { apiErrors } from './errors.js';
import { publish, readTopic } from './kafka.js';

const TOPIC = 'ipmi.servers.v1';

export interface Licence {
  tier: 'free';
  serversUsed: number;
  serversLimit: number;
  overLimit: boolean;
  upgradeHint: string | null;
}

/** The free tier's soft limit: reported, never enforced (every server stays monitored). */
export function licenceOf(serversUsed: number, serversLimit: number): Licence {
  const overLimit = serversUsed > serversLimit;
  return {
    tier: 'free',
    serversUsed,
    serversLimit,
    overLimit,
    upgradeHint: overLimit
      ? `${serversUsed} servers configured; the free tier includes ${serversLimit}. All of them are monitored: upgrade to a paid licence to stay within its terms.`
      : serversUsed >= Math.floor(serversLimit * 0.9)
        ? `${serversUsed} of the ${serversLimit} servers the free tier includes are configured.`
        : null,
  };
}

function invalid(issues: readonly ImportIssue[], what: string) {
  return withProblem(
    apiErrors.error(
      'API_INVALID_SERVER',
      `${what}: ${issues.length} problem(s): ${issues
        .slice(0, 3)
        .map((i) => `${i.field ?? 'server'}: ${i.message}`)
        .join('; ')}`,
    ),
    {
      errors: issues.map((i) => ({
        field: i.field,
        message: i.line > 1 ? `line ${i.line}: ${i.message}` : i.message,
      })),
    },
  );
}

/** ms as the import syntax takes it: null stays default, 0 is off. */
function intervalText(ms: number | null): string | null {
  if (ms === null) return null;
  return ms === 0 ? 'off' : `${ms}ms`;
}

/** A configured server back into the fields `POST /servers` takes (for PATCH merges). */
export function fieldsOf(c: ServerConfigured, username: string): Record<string, unknown> {
  return {
    serverId: c.serverId,
    name: c.name,
    host: c.host,
    port: c.port,
    driver: c.driver,
    username,
    privilege: c.privilegeLevel,
    cipherSuite: c.cipherSuite,
    workaroundFlags: [...c.workaroundFlags],
    tags: [...c.tags],
    model: c.model,
    enabled: c.enabled,
    intervals: {
      sensors: intervalText(c.pollIntervals.sensorsMs),
      sel: intervalText(c.pollIntervals.selMs),
      power: intervalText(c.pollIntervals.powerMs),
      inventory: intervalText(c.pollIntervals.inventoryMs),
    },
  };
}

export interface ChangeResult {
  published: ServerConfigured[];
  unchanged: string[];
  licence: Licence;
}

export class ServerManager {
  #queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ApiDeps) {}

  /** One change at a time in this process: each decides against the topic's current end. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async registry(): Promise<ServerRegistry> {
    const history = await readTopic(this.deps.seam, TOPIC);
    return foldServerEvents(history.map((m) => m.event as ServerEvent));
  }

  #now(): number {
    return (this.deps.clock ?? Date.now)();
  }

  #source(): string {
    return this.deps.source || `api@${hostname()}`;
  }

  /** Adds servers (`mode: 'create'`) or adds-or-updates them (`'upsert'`, the bulk import). */
  async #apply(
    defs: readonly ServerDefinition[],
    actor: string,
    mode: 'create' | 'upsert',
  ): Promise<ChangeResult> {
    const registry = await this.registry();
    const active = activeServers(registry);
    for (const def of defs) {
      const same = active.find((c) => c.serverId === def.serverId);
      if (mode === 'create' && same) {
        throw apiErrors.error('API_CONFLICT', `server ${def.serverId} exists; PATCH it instead`);
      }
      const key = bmcKey(def.host, def.port);
      const other = active.find(
        (c) => c.serverId !== def.serverId && bmcKey(c.host, c.port) === key,
      );
      if (other) {
        throw apiErrors.error(
          'API_CONFLICT',
          `BMC ${key} is already configured as server ${other.serverId}`,
        );
      }
    }
    const credentialVersions = new Map<string, number>();
    for (const def of defs) {
      credentialVersions.set(
        def.serverId,
        await this.deps.credentials.put(def.serverId, {
          username: def.username,
          password: def.password,
        }),
      );
    }
    const plan = planImport(registry, defs, {
      now: this.#now(),
      source: this.#source(),
      actor,
      credentialVersions,
    });
    if (plan.events.length > 0) {
      await publish(
        this.deps.seam,
        TOPIC,
        plan.events.map((value) => ({ type: 'ServerConfigured' as const, value })),
      );
    }
    const ids = new Set(active.map((c) => c.serverId));
    for (const e of plan.events) ids.add(e.serverId);
    return {
      published: [...plan.events],
      unchanged: [...plan.unchanged],
      licence: licenceOf(ids.size, this.deps.settings.serversLimit),
    };
  }

  create(body: Record<string, unknown>, actor: string): Promise<ChangeResult> {
    const parsed = parseServerObject(body);
    if (parsed.issues.length > 0) throw invalid(parsed.issues, 'server not added');
    return this.#exclusive(() => this.#apply(parsed.servers, actor, 'create'));
  }

  /** CSV or YAML, all or nothing (as `ipmi-monitor import`): any invalid row adds nothing. */
  import(text: string, format: 'csv' | 'yaml' | undefined, actor: string): Promise<ChangeResult> {
    const parsed = parseServerImport(text, { format });
    if (parsed.issues.length > 0) throw invalid(parsed.issues, 'nothing imported');
    return this.#exclusive(() => this.#apply(parsed.servers, actor, 'upsert'));
  }

  /** Changes some fields; the password stays unless given. */
  update(serverId: string, patch: Record<string, unknown>, actor: string): Promise<ChangeResult> {
    return this.#exclusive(async () => {
      const registry = await this.registry();
      const current = configOf(registry, serverId);
      if (!current) throw apiErrors.error('API_NOT_FOUND', `no server ${serverId}`);
      if (patch.serverId !== undefined && patch.serverId !== serverId) {
        throw invalid(
          [{ line: 1, field: 'serverId', message: 'a server id cannot change' }],
          'not changed',
        );
      }
      const stored = await this.deps.credentials.get(serverId);
      const merged: Record<string, unknown> = {
        ...fieldsOf(current, stored.username),
        password: stored.password.reveal(),
        ...patch,
        serverId,
      };
      if (patch.intervals !== undefined && patch.intervals !== null) {
        const held = fieldsOf(current, stored.username).intervals as Record<string, unknown>;
        merged.intervals = { ...held, ...patch.intervals };
      }
      const parsed = parseServerObject(merged);
      if (parsed.issues.length > 0) throw invalid(parsed.issues, 'not changed');
      return this.#apply(parsed.servers, actor, 'upsert');
    });
  }

  remove(serverId: string, actor: string, reason: string | null): Promise<ServerRemoved> {
    return this.#exclusive(async () => {
      const registry = await this.registry();
      const current = configOf(registry, serverId);
      if (!current) throw apiErrors.error('API_NOT_FOUND', `no server ${serverId}`);
      const revision = revisionOf(registry, serverId) + 1;
      const now = this.#now();
      const removal: ServerRemoved = {
        eventId: serverEventId('ServerRemoved', serverId, revision),
        serverId,
        occurredAt: now,
        observedAt: now,
        source: this.#source(),
        revision,
        name: current.name,
        reason,
        actor,
      };
      await publish(this.deps.seam, TOPIC, [{ type: 'ServerRemoved' as const, value: removal }]);
      await this.deps.credentials.remove(serverId);
      return removal;
    });
  }

  /** The configuration the topic holds for a server (fresh), or null. */
  async config(serverId: string): Promise<ServerConfigured | null> {
    return configOf(await this.registry(), serverId);
  }
}
