/**
 * The collector end to end: real ipmi_sim BMCs polled through the real FreeIPMI and
 * ipmitool clients, events on the real broker as Avro through the real registry.
 *
 * One fleet and one event log for the whole file (starting BMCs is the slow part); the
 * tests run in order and each leaves the fleet as the next expects it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { connectSeam, type ConsumedEvent, type Seam } from '@ipmi-monitor/runtime';
import { eventually, stackEnv, testLogger, testPrefix } from '@ipmi-monitor/runtime/testing';
import type {
  BmcReachabilityChanged,
  InventoryCollected,
  PollCompleted,
  SelEntryRecorded,
  SensorReadingRecorded,
} from '@ipmi-monitor/schemas';
import { fleetServersYaml, startFleet, type Fleet } from '../fleet/index.js';
import { generateKey } from '../credentials/key.js';
import type { SecretKey } from '../credentials/crypto.js';
import { CredentialStore } from '../credentials/store.js';
import { importServers } from '../servers/handler.js';
import { DEFAULT_SCHEDULER_CONFIG } from '../schedule/model.js';
import { COLLECTOR_TOPICS, startCollector, type RunningCollector } from './collector.js';

const BASE_PORT = 18100;
const prefix = testPrefix();
const env = stackEnv();
const passwords = new Set<string>();
let work: string;
let seam: Seam;
let fleet: Fleet;
let key: SecretKey;
let collector: RunningCollector | null = null;
const logText: string[] = [];
const events: ConsumedEvent[] = [];
let stopConsumer: (() => Promise<void>) | null = null;

const logger = pino(
  { level: 'debug' },
  new Writable({
    write(chunk: Buffer, _enc, cb) {
      logText.push(chunk.toString('utf8'));
      cb();
    },
  }),
);

function of<T>(type: string, serverId?: string): T[] {
  return events
    .filter((m) => m.event.type === type)
    .map((m) => m.event.value as T & { serverId: string })
    .filter((v) => serverId === undefined || v.serverId === serverId);
}

const serverId = (i: number) => `sim-${String(i).padStart(2, '0')}`;

async function start(): Promise<RunningCollector> {
  const credentials = await CredentialStore.open({
    file: join(work, 'credentials.json'),
    key,
  });
  collector = await startCollector({
    seam,
    credentials,
    logger,
    instanceId: 'int-test',
    scheduler: {
      ...DEFAULT_SCHEDULER_CONFIG,
      maxConcurrent: 8,
      minIntervalMs: 500,
      initialSpreadMaxMs: 1500,
      backoffMaxMs: 4000,
      defaultIntervalsMs: { SENSORS: 3000, SEL: 2000, POWER: 4000, INVENTORY: 3_600_000 },
    },
    toolTimeoutMs: 3000,
    sdrCacheDir: join(work, 'sdr'),
    fanout: 8,
    gatherMs: 100,
  });
  return collector;
}

async function stop(): Promise<void> {
  await collector?.stop();
  collector = null;
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'collector-int-'));
  key = generateKey();
  fleet = await startFleet({
    count: 4,
    basePort: BASE_PORT,
    consoleBase: BASE_PORT + 1000,
    home: join(work, 'fleet'),
  });
  for (const b of fleet.bmcs) passwords.add(b.password);
  // A SEL history for the first poll to publish (a fresh simulator's SEL is empty).
  for (const b of fleet.bmcs) await fleet.addSel(b.index, 'temp', 2);
  seam = await connectSeam({
    ...env,
    clientId: 'collector-int',
    logger: testLogger('collector.int'),
    topicPrefix: prefix,
  });
  const yaml = fleetServersYaml(fleet.bmcs, {
    serverId: (b) => serverId(b.index),
    // One BMC through ipmitool, so both drivers are exercised end to end.
    extra: (b): Record<string, string> => (b.index === 4 ? { driver: 'ipmitool' } : {}),
  });
  await writeFile(join(work, 'servers.yaml'), yaml, { mode: 0o600 });
  const report = await importServers({
    file: join(work, 'servers.yaml'),
    seam,
    credentialsFile: join(work, 'credentials.json'),
    key,
    logger,
  });
  assert.deepEqual(report.issues, []);
  await seam.ensureTopics([...COLLECTOR_TOPICS]);
  const handle = await seam.consumeRaw(
    {
      groupId: 'watch',
      topics: ['ipmi.readings.v1', 'ipmi.sel.v1', 'ipmi.polls.v1', 'ipmi.inventory.v1'],
      fromBeginning: true,
    },
    (m) => {
      events.push(m);
      return Promise.resolve();
    },
  );
  await handle.ready;
  stopConsumer = () => handle.stop();
});

after(async () => {
  const step = async (name: string, f: () => Promise<unknown>) => {
    const t = Date.now();
    await f().catch((err: unknown) => console.error(`after: ${name} failed`, err));
    console.error(`after: ${name} ${Date.now() - t} ms`);
  };
  await step('collector', () => stop());
  await step('consumer', async () => stopConsumer?.());
  await step('seam', async () => seam?.close());
  await step('fleet', async () => fleet?.stopAll());
  await writeFile(
    join(process.cwd(), '.state', 'test-logs', 'collector.service.log'),
    logText.join(''),
  );
  await rm(work, { recursive: true, force: true });
});

describe('collector against an ipmi_sim fleet', { timeout: 300_000 }, () => {
  test('readings, SEL history, power, inventory and poll outcomes arrive as Avro events; no password on any command line', async () => {
    const seen = new Set<string>();
    let scanning = true;
    // Scans every process's argv while the collector polls: a password given on a command
    // line would show up here even for a tool that lives a few milliseconds.
    const scan = (async () => {
      while (scanning) {
        for (const pid of await readdir('/proc').catch(() => [])) {
          if (!/^\d+$/.test(pid)) continue;
          const argv = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
          if (/ipmi-|ipmitool|bmc-info/.test(argv)) seen.add(argv.replaceAll('\0', ' '));
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await start();
    for (let i = 1; i <= 4; i++) {
      await eventually(
        () =>
          of<SensorReadingRecorded>('SensorReadingRecorded', serverId(i)).length > 0
            ? true
            : undefined,
        { timeoutMs: 30_000, what: `readings of ${serverId(i)}` },
      );
      await eventually(
        () => (of<SelEntryRecorded>('SelEntryRecorded', serverId(i)).length > 0 ? true : undefined),
        { timeoutMs: 30_000, what: `SEL history of ${serverId(i)}` },
      );
      await eventually(
        () => (of('ChassisPowerObserved', serverId(i)).length > 0 ? true : undefined),
        { timeoutMs: 30_000, what: `power of ${serverId(i)}` },
      );
      await eventually(
        () => (of('InventoryCollected', serverId(i)).length > 0 ? true : undefined),
        { timeoutMs: 30_000, what: `inventory of ${serverId(i)}` },
      );
    }
    scanning = false;
    await scan;

    const readings = of<SensorReadingRecorded>('SensorReadingRecorded', serverId(1));
    const temp = readings.find((r) => r.sensorType === 'TEMPERATURE' && r.value !== null);
    assert.ok(temp, 'a temperature reading with a value');
    assert.ok(temp.unit !== null && temp.unit.length > 0, `unit of ${temp.sensorName}`);
    assert.ok(['OK', 'WARNING', 'CRITICAL'].includes(temp.state));
    const polls = of<PollCompleted>('PollCompleted');
    for (const kind of ['SENSORS', 'SEL', 'POWER', 'INVENTORY']) {
      assert.ok(
        polls.some((p) => p.kind === kind && p.outcome === 'OK'),
        `an OK ${kind} poll (${JSON.stringify(polls.filter((p) => p.kind === kind).slice(0, 2))})`,
      );
    }
    assert.ok(
      polls.some((p) => p.driver === 'IPMITOOL' && p.outcome === 'OK'),
      'ipmitool server polled',
    );
    const inv = of<InventoryCollected>('InventoryCollected', serverId(1))[0] as InventoryCollected;
    const bmc1 = fleet.bmc(1);
    assert.equal(inv.productSerial ?? inv.boardSerial ?? inv.chassisSerial, bmc1.serial);
    // Every event went through the registry: Confluent framing with a schema id.
    assert.ok(events.every((m) => m.schemaId > 0));

    assert.ok(seen.size > 0, 'the scan saw tool processes');
    for (const argv of seen) {
      for (const p of passwords)
        assert.ok(!argv.includes(p), `password on a command line: ${argv}`);
    }
  });

  test('a new SEL entry arrives once; after a SEL clear new entries still arrive', async () => {
    const id = serverId(1);
    const before = of<SelEntryRecorded>('SelEntryRecorded', id).length;
    await fleet.addSel(1, 'ecc', 1);
    await eventually(
      () => (of<SelEntryRecorded>('SelEntryRecorded', id).length > before ? true : undefined),
      { timeoutMs: 20_000, what: 'the added SEL entry' },
    );
    await fleet.clearSel(1);
    await fleet.addSel(1, 'psu', 2);
    const cleared = await eventually(() => of('SelCleared', id)[0], {
      timeoutMs: 20_000,
      what: 'SelCleared',
    });
    assert.ok(cleared);
    await eventually(
      () =>
        of<SelEntryRecorded>('SelEntryRecorded', id).filter((e) => e.sensorType === 'POWER_SUPPLY')
          .length >= 2
          ? true
          : undefined,
      { timeoutMs: 20_000, what: 'entries added after the clear' },
    );
  });

  test('a SEL filled to overflow is reported once as SelOverflowDetected, its entries all published', async () => {
    const id = serverId(3);
    const before = of<SelEntryRecorded>('SelEntryRecorded', id).length;
    const added = await fleet.fillSel(3);
    const overflow = await eventually(() => of('SelOverflowDetected', id)[0], {
      timeoutMs: 30_000,
      what: 'SelOverflowDetected',
    });
    assert.ok(overflow);
    await eventually(
      () =>
        of<SelEntryRecorded>('SelEntryRecorded', id).length >= before + added ? true : undefined,
      { timeoutMs: 30_000, what: `the ${added} entries that filled the SEL` },
    );
    // More SEL polls of the full SEL: the overflow is not reported again.
    const polls = of<PollCompleted>('PollCompleted', id).filter((p) => p.kind === 'SEL').length;
    await eventually(
      () =>
        of<PollCompleted>('PollCompleted', id).filter((p) => p.kind === 'SEL').length >= polls + 3
          ? true
          : undefined,
      { timeoutMs: 30_000, what: 'more SEL polls' },
    );
    assert.equal(of('SelOverflowDetected', id).length, 1);
  });

  test('after a collector restart no SEL entry is published twice, and one added meanwhile arrives', async () => {
    await stop();
    const id = serverId(2);
    const before = of<SelEntryRecorded>('SelEntryRecorded', id).length;
    await fleet.addSel(2, 'fan', 1);
    await start();
    await eventually(
      () => (of<SelEntryRecorded>('SelEntryRecorded', id).length > before ? true : undefined),
      { timeoutMs: 20_000, what: 'the entry added while the collector was down' },
    );
    // Several more SEL polls of every server after the restart.
    const pollsNow = of<PollCompleted>('PollCompleted').filter((p) => p.kind === 'SEL').length;
    await eventually(
      () =>
        of<PollCompleted>('PollCompleted').filter((p) => p.kind === 'SEL').length >= pollsNow + 12
          ? true
          : undefined,
      { timeoutMs: 30_000, what: 'more SEL polls' },
    );
    const ids = of<SelEntryRecorded>('SelEntryRecorded').map((e) => e.eventId);
    const dupes = ids.filter((x, i) => ids.indexOf(x) !== i);
    assert.deepEqual(dupes, [], 'SEL entries published twice');
    assert.equal(of<SelEntryRecorded>('SelEntryRecorded', id).length, before + 1);
  });

  test('stopped, hung and wrong-password BMCs give the right reachability event within the deadline', async () => {
    const downOf = (i: number) =>
      of<BmcReachabilityChanged>('BmcReachabilityChanged', serverId(i)).find((e) => !e.reachable);
    await fleet.stop(3);
    await fleet.hang(4);
    await fleet.setPassword(2, 'Changed-Else.1');
    // Deadline: one poll interval (≤ 4 s) + the tool deadline (3 s) + a round's slack.
    const stopped = await eventually(() => downOf(3), { timeoutMs: 20_000, what: 'bmc3 down' });
    const hung = await eventually(() => downOf(4), { timeoutMs: 20_000, what: 'bmc4 down' });
    const auth = await eventually(() => downOf(2), { timeoutMs: 20_000, what: 'bmc2 down' });
    // ipmi_sim stopped: nothing listens on the UDP port; the client waits for its timeout.
    assert.equal(stopped.reason, 'TIMEOUT', `bmc3: ${stopped.message}`);
    assert.equal(hung.reason, 'TIMEOUT', `bmc4: ${hung.message}`);
    assert.equal(auth.reason, 'AUTH', `bmc2: ${auth.message}`);
    // The others keep being polled.
    const n = of<PollCompleted>('PollCompleted', serverId(1)).length;
    await eventually(
      () => (of<PollCompleted>('PollCompleted', serverId(1)).length > n + 2 ? true : undefined),
      { timeoutMs: 15_000, what: 'bmc1 still polled' },
    );
    await fleet.resume(4);
    const back = await eventually(
      () =>
        of<BmcReachabilityChanged>('BmcReachabilityChanged', serverId(4)).find(
          (e) => e.reachable && e.previousReachable === false,
        ),
      { timeoutMs: 30_000, what: 'bmc4 back' },
    );
    assert.equal(back.reason, null, 'a BMC that is back carries no failure reason');
  });

  test('no password in the logs or in any message on any topic', async () => {
    await stop();
    const all = logText.join('');
    assert.ok(all.length > 0);
    for (const p of [...passwords, 'Changed-Else.1']) {
      assert.ok(!all.includes(p), 'a password in the collector log');
    }
    const topics = [...COLLECTOR_TOPICS];
    for (const t of topics) {
      const msgs = await seam.readAll(t, { timeoutMs: 30_000 });
      for (const m of msgs) {
        const bytes = m.raw ?? Buffer.alloc(0);
        for (const p of [...passwords, 'Changed-Else.1']) {
          assert.equal(bytes.includes(Buffer.from(p)), false, `a password on ${t}`);
        }
      }
    }
  });
});
