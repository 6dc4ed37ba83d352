/**
 * The API over real parts for tests and the bench: a seeded embedded database, the real
 * broker and registry (a private topic prefix), a real encrypted credential store in a
 * temporary directory, and the collector's real probe. Logs are captured (every line, at
 * debug) so a test can search them. Not part of the package's API.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CredentialStore, generateKey } from '@ipmi-monitor/collector';
import { connectSeam, createLogger, createMetricsRegistry, type Seam } from '@ipmi-monitor/runtime';
import { stackEnv, testPrefix } from '@ipmi-monitor/runtime/testing';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { AuthStore } from '../auth/store.js';
import { DEFAULT_SETTINGS, type ApiDeps, type ApiSettings } from '../deps.js';
import { LiveFeed } from '../live.js';
import { collectorProbe } from '../service/probe.js';
import { seededDb, type SeededDb } from './seed.js';

export interface TestApi {
  app: FastifyInstance;
  deps: ApiDeps;
  seeded: SeededDb;
  seam: Seam;
  prefix: string;
  /** Bearer values: an admin token and a read-only token. */
  adminToken: string;
  readToken: string;
  /** Every log line written so far (JSON). */
  logLines: string[];
  stateDir: string;
  close(): Promise<void>;
}

export interface TestApiOptions {
  servers?: number;
  sensors?: number;
  polls?: number;
  settings?: Partial<ApiSettings>;
  clock?: () => number;
  /** Start the live feed's consumer (for /stream tests). */
  live?: boolean;
}

export async function testApi(o: TestApiOptions = {}): Promise<TestApi> {
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') logLines.push(line);
      done();
    },
  });
  const logger = createLogger({ name: 'api-test', level: 'debug', pretty: false }, sink);
  const seeded = await seededDb(o.servers, o.sensors, o.polls);
  const stateDir = await mkdtemp(join(tmpdir(), 'ipmi-api-test-'));
  const prefix = testPrefix();
  const metrics = createMetricsRegistry({ service: 'api-test' });
  const seam = await connectSeam({
    ...stackEnv(),
    clientId: 'api-test',
    logger,
    metrics,
    topicPrefix: prefix,
  });
  await seam.ensureTopics();
  const credentials = await CredentialStore.open({
    file: join(stateDir, 'credentials.json'),
    key: generateKey(),
    logger,
  });
  const auth = new AuthStore(seeded.db, o.clock);
  const admin = await auth.issue({
    kind: 'api',
    name: 'test-admin',
    role: 'admin',
    createdBy: 'test',
  });
  const reader = await auth.issue({
    kind: 'api',
    name: 'test-reader',
    role: 'read-only',
    createdBy: 'test',
  });
  const live = new LiveFeed();
  if (o.live === true) await live.start(seam, logger);
  const deps: ApiDeps = {
    db: seeded.db,
    seam,
    credentials,
    auth,
    live,
    logger,
    metrics,
    settings: { ...DEFAULT_SETTINGS, ...o.settings },
    probe: collectorProbe(join(stateDir, 'sdr-cache'), 8_000),
    source: 'api@test',
    ...(o.clock ? { clock: o.clock } : {}),
  };
  const app = await buildApp(deps);
  await app.ready();
  return {
    app,
    deps,
    seeded,
    seam,
    prefix,
    adminToken: admin.token,
    readToken: reader.token,
    logLines,
    stateDir,
    async close() {
      await app.close();
      await live.stop();
      await seam.close();
      await seeded.dispose();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
