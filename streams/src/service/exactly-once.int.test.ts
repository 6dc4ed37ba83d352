/**
 * The stream processor as separate processes against the real broker and registry: killed
 * with SIGKILL at random points while events flow, and scaled from one instance to two and
 * back. The oracle is the input itself: every server goes through known problem/recovery
 * cycles (a CPU temperature crossing UCR and coming back; a correctable-ECC assertion and its
 * deassertion), so the alert topic must hold exactly one AlertRaised and one AlertResolved per
 * cycle and fingerprint, in that order, no event id twice.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  connectSeam,
  createMetricsRegistry,
  type Seam,
  type TypedProducer,
} from '@ipmi-monitor/runtime';
import { eventually, stackEnv, testLogger, testPrefix } from '@ipmi-monitor/runtime/testing';
import {
  sampleEvents,
  type SelEntryRecorded,
  type SensorReadingRecorded,
} from '@ipmi-monitor/schemas';
import { STREAMS_CHANGELOG, STREAMS_INPUTS } from './streams.js';

// The CLI's source entry, run directly (bin/ipmi-monitor.js would put a wrapper process in
// between, and SIGKILL must hit the processor itself).
const main = new URL('../../../cli/src/main.ts', import.meta.url).pathname;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const logDir = join(process.cwd(), '.state', 'test-logs');
mkdirSync(logDir, { recursive: true });
const T0 = Date.parse('2026-01-01T00:00:00Z');

interface Instance {
  readonly name: string;
  readonly child: ChildProcess;
  log: string;
  /** Partitions of the latest "partitions restored" lines. */
  restored: number[][];
  exited: Promise<number | null>;
}

/**
 * Input for `servers` servers, `cycles` problem/recovery cycles each. Cycles start six hours
 * of event time apart, far apart for the flapping rule (1 h window) and the update throttle,
 * and each lasts 40 minutes, well inside the expiry windows: what is tested is delivery, not
 * those rules.
 */
class Feed {
  private cycle = 0;
  private raised = false;
  constructor(
    private readonly producer: TypedProducer,
    readonly servers: readonly string[],
  ) {}
  /** Completed problem/recovery cycles. */
  get cycles(): number {
    return this.cycle;
  }
  /**
   * The problem half of the next cycle (a critical reading, an ECC assertion) or, when that
   * was the last step, the recovery half (two OK readings, the deassertion). Sent apart, so a
   * crash or a rebalance often falls between a raise and its resolution: whoever resolves
   * it must have the open alert from the changelog.
   */
  async step(): Promise<void> {
    const c = this.cycle;
    const problem = !this.raised;
    const readings: SensorReadingRecorded[] = [];
    const sel: SelEntryRecorded[] = [];
    for (const serverId of this.servers) {
      const base = T0 + c * 6 * HOUR;
      const reading = (i: number, state: 'CRITICAL' | 'OK'): SensorReadingRecorded => ({
        ...sampleEvents.SensorReadingRecorded,
        eventId: `rd-${serverId}-${c}-${i}`,
        serverId,
        occurredAt: base + i * 20 * MINUTE,
        observedAt: base + i * 20 * MINUTE,
        state,
        value: state === 'CRITICAL' ? 95 : 60,
        crossedThreshold: state === 'CRITICAL' ? 'UCR' : null,
      });
      const entry = (i: number, direction: 'ASSERTION' | 'DEASSERTION'): SelEntryRecorded => ({
        ...sampleEvents.SelEntryRecorded,
        eventId: `sel-${serverId}-${c}-${i}`,
        serverId,
        occurredAt: base + i * 10 * MINUTE,
        observedAt: base + i * 10 * MINUTE,
        recordId: c * 2 + i + 1,
        sensorType: 'MEMORY',
        sensorName: 'DIMMA1',
        sensorId: 'DIMMA1#0xd1',
        eventOffset: 0,
        eventDirection: direction,
        description: 'Correctable ECC',
        severity: direction === 'ASSERTION' ? 'WARNING' : 'INFO',
      });
      // clearAfter = 2: one critical reading raises, two OK readings resolve.
      if (problem) {
        readings.push(reading(0, 'CRITICAL'));
        sel.push(entry(0, 'ASSERTION'));
      } else {
        readings.push(reading(1, 'OK'), reading(2, 'OK'));
        sel.push(entry(1, 'DEASSERTION'));
      }
    }
    await this.producer.send(
      'ipmi.readings.v1',
      readings.map((value) => ({ type: 'SensorReadingRecorded' as const, value })),
    );
    await this.producer.send(
      'ipmi.sel.v1',
      sel.map((value) => ({ type: 'SelEntryRecorded' as const, value })),
    );
    this.raised = problem;
    if (!problem) this.cycle++;
  }
  /** Finishes the current cycle if its problem half was sent. */
  async complete(): Promise<void> {
    if (this.raised) await this.step();
  }
}

const prefix = testPrefix();
const group = 'streams-eo';
let seam: Seam;
let producer: TypedProducer;
const instances: Instance[] = [];

function startInstance(name: string): Instance {
  const child = spawn(
    process.execPath,
    ['--conditions=ipmi-source', '--import', 'tsx', main, 'streams'],
    {
      env: {
        ...process.env,
        IPMI_TOPIC_PREFIX: prefix,
        IPMI_STREAMS_ID: name,
        IPMI_STREAMS_GROUP: group,
        IPMI_STREAMS_SESSION_TIMEOUT_MS: '3000',
        HTTP_PORT: '0',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const inst: Instance = {
    name,
    child,
    log: '',
    restored: [],
    exited: new Promise((r) => child.on('exit', (code) => r(code))),
  };
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    inst.log = (inst.log + text).slice(-200_000);
    for (const line of text.split('\n')) {
      if (!line.includes('partitions restored')) continue;
      try {
        inst.restored.push((JSON.parse(line) as { partitions: number[] }).partitions);
      } catch {
        // a partial line; the count below is a progress signal only
      }
    }
  };
  const file = createWriteStream(join(logDir, `streams-eo-${name}.log`));
  child.stdout?.pipe(file);
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  instances.push(inst);
  return inst;
}

/** Waits for an instance's next "partitions restored" line; fails with its log. */
async function restoredOnce(inst: Instance, count = 1): Promise<void> {
  try {
    await eventually(() => (inst.restored.length >= count ? true : undefined), {
      timeoutMs: 60_000,
      what: `${inst.name} restored`,
    });
  } catch (err) {
    throw new Error(
      `${(err as Error).message}\n--- ${inst.name} log ---\n${inst.log.slice(-6000)}`,
    );
  }
}

async function killHard(inst: Instance): Promise<void> {
  inst.child.kill('SIGKILL');
  await inst.exited;
}

async function settled(): Promise<void> {
  // Every input read and committed: the group's lag is 0 on every input partition.
  await eventually(
    async () => {
      const lag = await seam.lag(group, STREAMS_INPUTS);
      return lag.length > 0 && lag.every((l) => l.lag === 0) ? true : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 500, what: 'processor lag 0' },
  );
}

/** The oracle: per fingerprint exactly `cycles` raise/resolve pairs, alternating. */
async function checkAlerts(servers: readonly string[], cycles: number): Promise<void> {
  const events = await seam.readAll('ipmi.alerts.v1');
  const ids = new Set<string>();
  const byFingerprint = new Map<string, string[]>();
  for (const e of events) {
    const v = e.event.value as { eventId: string; fingerprint: string; serverId: string };
    assert.ok(!ids.has(v.eventId), `event ${v.eventId} (${e.event.type}) produced twice`);
    if (e.event.type === 'AlertResolved') {
      // Resolved by the input's own recovery, never by expiry or anything a crash could cause.
      const reason = (e.event.value as { resolutionReason: string }).resolutionReason;
      assert.ok(['CONDITION_CLEARED', 'DEASSERTED'].includes(reason), `resolved ${reason}`);
    }
    ids.add(v.eventId);
    const list = byFingerprint.get(v.fingerprint) ?? [];
    list.push(e.event.type);
    byFingerprint.set(v.fingerprint, list);
  }
  // Two fingerprints per server: the temperature sensor and the DIMM.
  assert.equal(byFingerprint.size, servers.length * 2, 'one fingerprint per problem');
  for (const [fp, types] of byFingerprint) {
    const raised = types.filter((t) => t === 'AlertRaised').length;
    const resolved = types.filter((t) => t === 'AlertResolved').length;
    assert.equal(raised, cycles, `${fp}: AlertRaised ${raised}, expected ${cycles}`);
    assert.equal(resolved, cycles, `${fp}: AlertResolved ${resolved}, expected ${cycles}`);
    const lifecycle = types.filter((t) => t !== 'AlertUpdated');
    for (let i = 0; i < lifecycle.length; i++) {
      assert.equal(lifecycle[i], i % 2 === 0 ? 'AlertRaised' : 'AlertResolved', `${fp} at ${i}`);
    }
  }
}

before(async () => {
  seam = await connectSeam({
    ...stackEnv(),
    clientId: 'streams-eo-test',
    logger: testLogger('streams-exactly-once'),
    metrics: createMetricsRegistry({ service: 'streams-eo-test' }),
    topicPrefix: prefix,
  });
  await seam.ensureTopics([...STREAMS_INPUTS, STREAMS_CHANGELOG, 'ipmi.alerts.v1']);
  producer = await seam.producer();
});

// However this file ends (a failed assertion, the runner's budget), no processor outlives it.
process.on('exit', () => {
  for (const i of instances) i.child.kill('SIGKILL');
});

after(async () => {
  for (const i of instances) i.child.kill('SIGKILL');
  await Promise.all(instances.map((i) => i.exited));
  await seam?.close();
});

describe('stream processor: exactly once', () => {
  test('killed with SIGKILL 20 times while events flow: one AlertRaised per problem, one AlertResolved per recovery', async () => {
    const servers = Array.from({ length: 12 }, (_, i) => `eo-kill-${i + 1}`);
    const feed = new Feed(producer, servers);
    let feeding = true;
    const feeder = (async () => {
      while (feeding) {
        await feed.step();
        await new Promise((r) => setTimeout(r, 100));
      }
      await feed.complete();
    })();

    const KILLS = Number(process.env.STREAMS_TEST_KILLS ?? 20);
    let killedWhileProcessing = 0;
    for (let k = 0; k < KILLS; k++) {
      const inst = startInstance(`kill-${k}`);
      // Half the kills land while the instance is still joining or restoring, half after it
      // restored and is processing, at a random moment.
      if (k % 2 === 1) {
        await restoredOnce(inst);
        killedWhileProcessing++;
      }
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 2500));
      await killHard(inst);
    }
    feeding = false;
    await feeder;

    const last = startInstance('final');
    await settled();
    await checkAlerts(servers, feed.cycles);
    const readings = await seam.readAll('ipmi.readings.v1');
    console.log(
      `kills: ${KILLS} (${killedWhileProcessing} after restore), cycles per server: ${feed.cycles}, ` +
        `input events: ${readings.length} readings + SEL, servers: ${servers.length}`,
    );
    last.child.kill('SIGTERM');
    assert.equal(await last.exited, 0, last.log.slice(-3000));
  });

  test('a second instance takes half the partitions with their state, and all of them back when it stops', async () => {
    const servers = Array.from({ length: 12 }, (_, i) => `eo-scale-${i + 1}`);
    const feed = new Feed(producer, servers);
    const a = startInstance('scale-a');
    await restoredOnce(a);
    for (let i = 0; i < 9; i++) await feed.step();
    // The 5th cycle's problem half is in: its resolution arrives after the rebalance, so the
    // instance that resolves it must have restored the open alert from the changelog.
    const b = startInstance('scale-b');
    await eventually(
      () => {
        const bParts = b.restored.at(-1) ?? [];
        return bParts.length > 0 && bParts.length < 6 ? true : undefined;
      },
      { timeoutMs: 60_000, what: `instance b took partitions\n${b.log.slice(-3000)}` },
    );
    for (let i = 0; i < 10; i++) await feed.step();
    b.child.kill('SIGTERM');
    assert.equal(await b.exited, 0, b.log.slice(-3000));
    for (let i = 0; i < 10; i++) await feed.step();
    await feed.complete();
    await settled();
    // a restored the partitions b gave back, as their own log line says.
    assert.ok(
      a.restored.some((parts) => parts.length > 0) && a.restored.length >= 2,
      `a restored only ${JSON.stringify(a.restored)}`,
    );
    a.child.kill('SIGTERM');
    assert.equal(await a.exited, 0, a.log.slice(-3000));
    // The alerts topic is shared with the kill test: check only this test's servers.
    const events = await seam.readAll('ipmi.alerts.v1');
    const mine = events.filter((e) =>
      (e.event.value as { serverId: string }).serverId.startsWith('eo-scale-'),
    );
    const byFp = new Map<string, string[]>();
    for (const e of mine) {
      const v = e.event.value as { fingerprint: string };
      byFp.set(v.fingerprint, [...(byFp.get(v.fingerprint) ?? []), e.event.type]);
    }
    assert.equal(byFp.size, servers.length * 2);
    for (const [fp, types] of byFp) {
      const life = types.filter((t) => t !== 'AlertUpdated');
      assert.equal(life.length, feed.cycles * 2, `${fp}: ${life.join(',')}`);
      life.forEach((t, i) =>
        assert.equal(t, i % 2 === 0 ? 'AlertRaised' : 'AlertResolved', `${fp} at ${i}`),
      );
    }
  });

  test('a poison message goes to the DLQ with its error, inside the transaction; the rest is processed once', async () => {
    const servers = ['eo-poison-1', 'eo-poison-2'];
    const feed = new Feed(producer, servers);
    const inst = startInstance('poison');
    await restoredOnce(inst);
    await feed.step();
    // Bytes that are not Avro at all, keyed like one of the servers, between its two steps.
    await seam.produceBytes('ipmi.sel.v1', [
      { key: 'eo-poison-1', value: Buffer.from('not avro') },
    ]);
    await feed.step();
    await settled();
    const parked: { code: string; offset: string }[] = [];
    const reader = await seam.consumeBytes(
      { groupId: 'eo-dlq-reader', topics: ['ipmi.sel.v1.dlq'], lagIntervalMs: 0 },
      (m) => {
        parked.push({ code: m.headers['x-error-code'] ?? '', offset: m.offset });
        return Promise.resolve();
      },
    );
    await eventually(() => (parked.length >= 1 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'the poison message in the DLQ',
    });
    await reader.stop();
    assert.deepEqual(
      parked.map((p) => p.code),
      ['RT_DECODE_FAILED'],
    );
    const events = (await seam.readAll('ipmi.alerts.v1')).filter((e) =>
      (e.event.value as { serverId: string }).serverId.startsWith('eo-poison-'),
    );
    assert.deepEqual(events.map((e) => e.event.type).sort(), [
      'AlertRaised',
      'AlertRaised',
      'AlertRaised',
      'AlertRaised',
      'AlertResolved',
      'AlertResolved',
      'AlertResolved',
      'AlertResolved',
    ]);
    inst.child.kill('SIGTERM');
    assert.equal(await inst.exited, 0, inst.log.slice(-3000));
  });
});
