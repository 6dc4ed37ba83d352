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
  type ImportFormat,
  type ImportIssue,
  type ImportPlan,
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
      ? `${serversUsed} servers configured; the free tier includes ${serversLimit}. All of them are monitored; the paid tier covers larger fleets.`
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

/** What an import would do with one server of the file (a dry run). */
export interface ImportPreviewRow {
  /** The entry's line in the file; null when the importer gave none. */
  line: number | null;
  serverId: string;
  name: string;
  action: 'add' | 'update' | 'unchanged';
  /**
   * For an update: the fields that change, by the import file's names (`host`, `privilege`,
   * `intervals.sel`, ...; those of the 422 problem's `errors[].field`). The stored credential
   * is compared in memory, the way the store's put() decides whether to write a new version,
   * and only the name of what differs is reported: `username`, `password`, or `credentials`
   * when the stored one cannot be read (missing, or not under the current keys) or is stored
   * under a version the configuration does not name; the import then stores them again.
   */
  changedFields: string[];
}

export interface ImportPreview {
  dryRun: true;
  /** The format the file was read as (given, or detected as the import would). */
  format: ImportFormat;
  rows: ImportPreviewRow[];
  /** The licence as it would be after the import. */
  licence: Licence;
}

/** ServerConfigured field → the import file's name for it (pollIntervals is split below). */
const IMPORT_FIELD: Partial<Record<string, string>> = { privilegeLevel: 'privilege' };
const INTERVAL_FIELD = [
  ['sensorsMs', 'intervals.sensors'],
  ['selMs', 'intervals.sel'],
  ['powerMs', 'intervals.power'],
  ['inventoryMs', 'intervals.inventory'],
] as const;

/**
 * The fields of an update (the event's changedFields) by the import file's names; the
 * credential version becomes what differs in the credential (see ImportPreviewRow).
 */
function importFieldsOf(
  prev: ServerConfigured,
  next: ServerConfigured,
  credentialChanges: readonly string[],
): string[] {
  const out: string[] = [];
  for (const f of next.changedFields) {
    if (f === 'credentialVersion') out.push(...credentialChanges);
    else if (f === 'pollIntervals') {
      for (const [k, name] of INTERVAL_FIELD)
        if (prev.pollIntervals[k] !== next.pollIntervals[k]) out.push(name);
    } else out.push(IMPORT_FIELD[f] ?? f);
  }
  return out;
}

/** What the store's put() would decide for a definition, without writing (a dry run). */
interface CredentialForecast {
  version: number;
  /** `username` / `password` that differ from the stored ones; `credentials` when unknown. */
  changed: string[];
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
    const { plan, licence } = await this.#decide(defs, actor, mode, false);
    if (plan.events.length > 0) {
      await publish(
        this.deps.seam,
        TOPIC,
        plan.events.map((value) => ({ type: 'ServerConfigured' as const, value })),
      );
    }
    return { published: [...plan.events], unchanged: [...plan.unchanged], licence };
  }

  /**
   * The one decision behind every change and every dry run: the conflicts, the credential
   * versions, the plan (the collector's planImport) and the licence after it. A real run
   * stores the credentials (the store returns their versions); a dry run forecasts the
   * versions the store would return and writes nothing. Publishing is the caller's.
   */
  async #decide(
    defs: readonly ServerDefinition[],
    actor: string,
    mode: 'create' | 'upsert',
    dryRun: boolean,
  ): Promise<{
    registry: ServerRegistry;
    plan: ImportPlan;
    licence: Licence;
    /** Dry run only: what differs in each server's credential (see ImportPreviewRow). */
    credentialChanges: Map<string, string[]>;
  }> {
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
    const credentialChanges = new Map<string, string[]>();
    for (const def of defs) {
      if (dryRun) {
        const forecast = await this.#forecastCredential(def, configOf(registry, def.serverId));
        credentialVersions.set(def.serverId, forecast.version);
        credentialChanges.set(def.serverId, forecast.changed);
      } else {
        credentialVersions.set(
          def.serverId,
          await this.deps.credentials.put(def.serverId, {
            username: def.username,
            password: def.password,
          }),
        );
      }
    }
    const plan = planImport(registry, defs, {
      now: this.#now(),
      source: this.#source(),
      actor,
      credentialVersions,
    });
    const ids = new Set(active.map((c) => c.serverId));
    for (const e of plan.events) ids.add(e.serverId);
    const licence = licenceOf(ids.size, this.deps.settings.serversLimit);
    return { registry, plan, licence, credentialChanges };
  }

  /**
   * The version CredentialStore.put would return for a definition, by the same rule
   * (putCredential): the same user and password keep the stored version, anything else gets
   * a newer one. The stored password is decrypted only to compare it (constant time) and
   * never leaves this function; an unreadable or missing record would be replaced.
   */
  async #forecastCredential(
    def: ServerDefinition,
    prev: ServerConfigured | null,
  ): Promise<CredentialForecast> {
    const stored = await this.deps.credentials.get(def.serverId).catch(() => null);
    const newer = Math.max(stored?.version ?? 0, prev?.credentialVersion ?? 0) + 1;
    if (!stored) return { version: newer, changed: ['credentials'] };
    const changed: string[] = [];
    if (stored.username !== def.username) changed.push('username');
    if (!stored.password.equals(def.password)) changed.push('password');
    if (changed.length > 0) return { version: newer, changed };
    return { version: stored.version, changed: ['credentials'] };
  }

  create(body: Record<string, unknown>, actor: string): Promise<ChangeResult> {
    const parsed = parseServerObject(body);
    if (parsed.issues.length > 0) throw invalid(parsed.issues, 'server not added');
    return this.#exclusive(() => this.#apply(parsed.servers, actor, 'create'));
  }

  /** CSV or YAML, all or nothing (as `ipmi-monitor import`): any invalid row adds nothing. */
  import(text: string, format: ImportFormat | undefined, actor: string): Promise<ChangeResult> {
    const parsed = this.#parseImport(text, format);
    return this.#exclusive(() => this.#apply(parsed.servers, actor, 'upsert'));
  }

  /**
   * What `import` would do with the same text, decided the same way (parse, conflicts,
   * credential versions, plan, licence) at this moment, with nothing stored or published.
   * Invalid input fails exactly as the import does.
   */
  importDryRun(
    text: string,
    format: ImportFormat | undefined,
    actor: string,
  ): Promise<ImportPreview> {
    const parsed = this.#parseImport(text, format);
    return this.#exclusive(async () => {
      const defs = parsed.servers;
      const { registry, plan, licence, credentialChanges } = await this.#decide(
        defs,
        actor,
        'upsert',
        true,
      );
      const events = new Map(plan.events.map((e) => [e.serverId, e]));
      const rows = defs.map((def): ImportPreviewRow => {
        const event = events.get(def.serverId);
        const prev = configOf(registry, def.serverId);
        const row = {
          line: def.line > 0 ? def.line : null,
          serverId: def.serverId,
          name: def.name,
        };
        if (!event) return { ...row, action: 'unchanged', changedFields: [] };
        if (!prev) return { ...row, action: 'add', changedFields: [] };
        const credential = credentialChanges.get(def.serverId) ?? ['credentials'];
        return { ...row, action: 'update', changedFields: importFieldsOf(prev, event, credential) };
      });
      return { dryRun: true, format: parsed.format, rows, licence };
    });
  }

  #parseImport(text: string, format: ImportFormat | undefined) {
    const parsed = parseServerImport(text, { format });
    if (parsed.issues.length > 0) throw invalid(parsed.issues, 'nothing imported');
    return parsed;
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
