/**
 * Test helpers: a fresh embedded database in its own temporary data directory, removed
 * afterwards. Not part of the package's public API (excluded from the build).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testLogger } from '@ipmi-monitor/runtime/testing';
import type { Logger } from '@ipmi-monitor/runtime';
import type { Database } from '../database.js';
import { openDatabase } from '../open.js';

export const logger: Logger = testLogger('db');

/** The repository root (where `npx tsx` finds its loader). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export async function tempDir(
  prefix = 'ipmi-db-test-',
): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface TestDb {
  db: Database;
  dir: string;
  openMs: number;
  /** Closes the database (if still open) and deletes its directory. */
  dispose(): Promise<void>;
}

export async function openTempDb(): Promise<TestDb> {
  const { dir, remove } = await tempDir();
  const started = performance.now();
  const db = await openDatabase({ dataDir: dir, logger });
  const openMs = Math.round(performance.now() - started);
  return {
    db,
    dir,
    openMs,
    async dispose() {
      await db.close();
      await remove();
    },
  };
}

export const READING_COLUMNS = ['time', 'server_id', 'sensor_id', 'value', 'state'] as const;

/**
 * Deterministic sensor readings every `stepMs` from `from` up to (excluding) `to`, for each
 * server × sensor. Values vary so min/avg/max differ per bucket.
 */
export function* generateReadings(options: {
  from: number;
  to: number;
  stepMs: number;
  servers: number;
  sensors: number;
}): Generator<[Date, string, string, number, string]> {
  let i = 0;
  for (let t = options.from; t < options.to; t += options.stepMs) {
    for (let s = 0; s < options.servers; s++) {
      for (let k = 0; k < options.sensors; k++) {
        i++;
        const value = ((i * 7919) % 1000) / 10 + s;
        yield [new Date(t), `srv-${s}`, `sensor-${k}`, value, value > 90 ? 'critical' : 'ok'];
      }
    }
  }
}
