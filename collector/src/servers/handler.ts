/**
 * The bulk server import, I/O around the pure parts: parse the file, store each password
 * encrypted, fold the configuration topic into the current server set, and publish one
 * ServerConfigured per new or changed server. Re-running the same file publishes nothing.
 * An import with any invalid row imports nothing: the operator fixes the file and runs it
 * again (idempotent), rather than ending up with half a fleet.
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Seam } from '@ipmi-monitor/runtime';
import type { ServerConfigured } from '@ipmi-monitor/schemas';
import type { SecretKey } from '../credentials/crypto.js';
import { CredentialStore } from '../credentials/store.js';
import { parseServerImport, type ImportIssue } from './import.js';
import { planImport } from './plan.js';
import { foldServerEvents, type ServerEvent } from './registry.js';

export interface ImportServersOptions {
  file: string;
  seam: Seam;
  credentialsFile: string;
  key: SecretKey;
  previousKeys?: readonly SecretKey[];
  logger: Logger;
  dryRun?: boolean;
  now?: () => number;
}

export interface ImportServersReport {
  issues: readonly ImportIssue[];
  published: readonly ServerConfigured[];
  unchanged: readonly string[];
}

export async function importServers(o: ImportServersOptions): Promise<ImportServersReport> {
  const text = await readFile(o.file, 'utf8');
  const parsed = parseServerImport(text, { fileName: o.file });
  if (parsed.issues.length > 0) return { issues: parsed.issues, published: [], unchanged: [] };

  const topic = 'ipmi.servers.v1';
  await o.seam.ensureTopics([topic]);
  const history = await o.seam.readAll(topic);
  const registry = foldServerEvents(history.map((m) => m.event as ServerEvent));

  const store = await CredentialStore.open({
    file: o.credentialsFile,
    key: o.key,
    previousKeys: o.previousKeys,
    logger: o.logger,
  });
  const credentialVersions = new Map<string, number>();
  for (const def of parsed.servers) {
    credentialVersions.set(
      def.serverId,
      o.dryRun === true
        ? 1
        : await store.put(def.serverId, { username: def.username, password: def.password }),
    );
  }
  const plan = planImport(registry, parsed.servers, {
    now: (o.now ?? Date.now)(),
    source: `import@${hostname()}`,
    actor: 'import',
    credentialVersions,
  });
  if (o.dryRun !== true && plan.events.length > 0) {
    const producer = await o.seam.producer();
    try {
      await producer.send(
        topic,
        plan.events.map((value) => ({ type: 'ServerConfigured' as const, value })),
      );
    } finally {
      await producer.close();
    }
  }
  o.logger.info(
    { published: plan.events.length, unchanged: plan.unchanged.length, dryRun: o.dryRun === true },
    'server import done',
  );
  return { issues: [], published: plan.events, unchanged: plan.unchanged };
}
