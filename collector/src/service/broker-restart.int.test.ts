/**
 * The collector across a broker outage, on a private stack (own ports and state, so the
 * shared stack other test files use is never touched): while Kafka is down the collector
 * keeps running and retries; SEL entries added during the outage arrive once it is back,
 * exactly once, and polling goes on.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connectSeam, type ConsumedEvent, type Seam } from '@ipmi-monitor/runtime';
import { eventually, testLogger, testPrefix } from '@ipmi-monitor/runtime/testing';
import type { PollCompleted, SelEntryRecorded } from '@ipmi-monitor/schemas';
import { fleetServersYaml, startFleet, type Fleet } from '../fleet/index.js';
import { generateKey } from '../credentials/key.js';
import { CredentialStore } from '../credentials/store.js';
import { importServers } from '../servers/handler.js';
import { DEFAULT_SCHEDULER_CONFIG } from '../schedule/model.js';
import { COLLECTOR_TOPICS, startCollector, type RunningCollector } from './collector.js';

const run = promisify(execFile);
const repo = new URL('../../../', import.meta.url).pathname;
const ports = { KAFKA_PORT: '29092', KAFKA_CONTROLLER_PORT: '29093', REGISTRY_PORT: '28081' };
const brokers = [`127.0.0.1:${ports.KAFKA_PORT}`];
const registryUrl = `http://127.0.0.1:${ports.REGISTRY_PORT}/apis/ccompat/v7`;
const prefix = testPrefix();
const logger = testLogger('collector.broker-restart');
let home: string;
let work: string;
let fleet: Fleet;
let seam: Seam;
let watcher: Seam;
let collector: RunningCollector | null = null;
const events: ConsumedEvent[] = [];
let stopWatch: (() => Promise<void>) | null = null;

async function stack(...args: string[]): Promise<void> {
  await run('bash', [join(repo, 'infra/local/stack.sh'), ...args], {
    env: { ...process.env, IPMI_STACK_HOME: home, ...ports },
    timeout: 240_000,
  });
}

const selOf = (serverId: string) =>
  events
    .filter((m) => m.event.type === 'SelEntryRecorded')
    .map((m) => m.event.value as SelEntryRecorded)
    .filter((e) => e.serverId === serverId);

before(async () => {
  // A fixed home: should a previous run have been cut short before its cleanup finished, its
  // stack is found by its pid files and stopped here, instead of holding the ports.
  home = join(tmpdir(), 'ipmi-stack-collector-broker-restart');
  await stack('stop').catch(() => undefined);
  await rm(home, { recursive: true, force: true });
  await mkdir(home, { recursive: true });
  work = await mkdtemp(join(tmpdir(), 'collector-restart-'));
  await stack('start');
  fleet = await startFleet({
    count: 2,
    basePort: 18500,
    consoleBase: 19500,
    home: join(work, 'fleet'),
  });
  for (const b of fleet.bmcs) await fleet.addSel(b.index, 'ecc', 1);
  const common = { brokers, registryUrl, logger, topicPrefix: prefix };
  seam = await connectSeam({ ...common, clientId: 'collector-restart' });
  watcher = await connectSeam({ ...common, clientId: 'collector-restart-watch' });
  const key = generateKey();
  const yaml = fleetServersYaml(fleet.bmcs, { serverId: (b) => `r${b.index}` });
  await writeFile(join(work, 'servers.yaml'), yaml, { mode: 0o600 });
  const credentialsFile = join(work, 'credentials.json');
  await importServers({ file: join(work, 'servers.yaml'), seam, credentialsFile, key, logger });
  await watcher.ensureTopics([...COLLECTOR_TOPICS]);
  const handle = await watcher.consumeRaw(
    { groupId: 'watch', topics: ['ipmi.sel.v1', 'ipmi.polls.v1'], fromBeginning: true },
    (m) => {
      events.push(m);
      return Promise.resolve();
    },
  );
  await handle.ready;
  stopWatch = () => handle.stop();
  collector = await startCollector({
    seam,
    credentials: await CredentialStore.open({ file: credentialsFile, key }),
    logger,
    instanceId: 'restart-test',
    scheduler: {
      ...DEFAULT_SCHEDULER_CONFIG,
      minIntervalMs: 500,
      initialSpreadMaxMs: 1000,
      defaultIntervalsMs: { SENSORS: 2000, SEL: 1000, POWER: 0, INVENTORY: 0 },
    },
    toolTimeoutMs: 3000,
    sdrCacheDir: join(work, 'sdr'),
    fanout: 4,
    gatherMs: 50,
  });
});

after(async () => {
  // Each step bounded and timed: a hang here would otherwise cost the whole file timeout.
  const step = async (name: string, f: () => Promise<unknown>) => {
    const t = Date.now();
    let limit: NodeJS.Timeout | undefined;
    await Promise.race([
      f().catch((err: unknown) => console.error(`after: ${name} failed`, err)),
      new Promise((r) => (limit = setTimeout(r, 60_000))),
    ]);
    clearTimeout(limit);
    console.error(`after: ${name} ${Date.now() - t} ms`);
  };
  // The private stack and the fleet first: the test runner ends a file 15 s after its last
  // test, and processes left running would hold this file's fixed ports against the next
  // run. The clients closed after them give up on the missing broker within their bound.
  await step('stack', () => stack('stop'));
  await step('fleet', async () => fleet?.stopAll());
  await step('collector', async () => collector?.stop());
  await step('watch', async () => stopWatch?.());
  await step('seam', async () => seam?.close());
  await step('watcher', async () => watcher?.close());
  await rm(home, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
  // Safety net: node:test waits for the event loop to drain, with no file timeout. Should a
  // client library keep a retry timer alive after the broker restart, the file would hang
  // CI; the results are reported by now, so exit, and say so.
  setTimeout(() => {
    console.error('broker-restart: handles still open 15 s after cleanup; exiting');
    process.exit(process.exitCode ?? 0);
  }, 15_000).unref();
});

test('SEL entries added while Kafka is down arrive once it is back, exactly once; polling goes on', async () => {
  for (const id of ['r1', 'r2']) {
    await eventually(() => (selOf(id).length >= 1 ? true : undefined), {
      timeoutMs: 30_000,
      what: `first SEL entry of ${id}`,
    });
  }
  await stack('stop', 'kafka');
  await fleet.addSel(1, 'psu', 1);
  await fleet.addSel(2, 'fan', 1);
  // Several SEL poll intervals with the broker away: the client retries the open
  // transaction, and polling pauses once a few rounds wait to be published.
  await new Promise((r) => setTimeout(r, 6000));
  await stack('start', 'kafka');
  for (const id of ['r1', 'r2']) {
    await eventually(() => (selOf(id).length >= 2 ? true : undefined), {
      timeoutMs: 120_000,
      what: `the SEL entry ${id} got during the outage`,
    });
  }
  const polls = () =>
    events.filter(
      (m) => m.event.type === 'PollCompleted' && (m.event.value as PollCompleted).kind === 'SEL',
    ).length;
  const n = polls();
  await eventually(() => (polls() >= n + 6 ? true : undefined), {
    timeoutMs: 30_000,
    what: 'SEL polls after the outage',
  });
  for (const id of ['r1', 'r2']) {
    const ids = selOf(id).map((e) => e.eventId);
    assert.equal(new Set(ids).size, ids.length, `no SEL entry of ${id} twice`);
    assert.equal(ids.length, 2, `${id}: the entry from before and the one from the outage`);
  }
});
