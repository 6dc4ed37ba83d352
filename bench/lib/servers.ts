/**
 * Simulated BMCs into the collector the way an operator does it: a servers.yaml (the format
 * of collector/src/servers/servers.example.yaml) imported through `importServers`, which
 * stores the passwords encrypted and publishes one ServerConfigured per server.
 */
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Seam } from '@ipmi-monitor/runtime';
import { importServers, type ImportServersReport } from '@ipmi-monitor/collector';
import { fleetServersYaml, type FleetBmc } from '@ipmi-monitor/collector/fleet';

/** Per kind: a duration the importer reads (`5s`, `off`) or null for the collector default. */
export interface YamlIntervals {
  readonly sensors: string | null;
  readonly sel: string | null;
  readonly power: string | null;
  readonly inventory: string | null;
}

/** Server id of fleet BMC `index`. */
export const serverIdOf = (index: number) => `bench-bmc-${index}`;

export function serversYaml(bmcs: readonly FleetBmc[], intervals: YamlIntervals): string {
  const set = Object.entries(intervals).filter((e): e is [string, string] => e[1] !== null);
  return fleetServersYaml(bmcs, {
    serverId: (b) => serverIdOf(b.index),
    tags: ['site:bench'],
    intervals: Object.fromEntries(set),
  });
}

/**
 * Writes `<dir>/servers.yaml` (0600: it holds the passwords) and imports it. Importing again
 * with other intervals publishes a new revision of every server. Throws on import issues.
 */
export async function importFleet(o: {
  readonly dir: string;
  readonly bmcs: readonly FleetBmc[];
  readonly intervals: YamlIntervals;
  readonly seam: Seam;
  readonly credentialsFile: string;
  readonly key: Parameters<typeof importServers>[0]['key'];
  readonly logger: Logger;
}): Promise<ImportServersReport> {
  const file = join(o.dir, 'servers.yaml');
  await writeFile(file, serversYaml(o.bmcs, o.intervals), { mode: 0o600 });
  await chmod(file, 0o600);
  const report = await importServers({
    file,
    seam: o.seam,
    credentialsFile: o.credentialsFile,
    key: o.key,
    logger: o.logger,
  });
  if (report.issues.length > 0) {
    const first = report.issues[0];
    throw new Error(
      `servers.yaml import: ${report.issues.length} issue(s), first: ${JSON.stringify(first)}`,
    );
  }
  return report;
}
