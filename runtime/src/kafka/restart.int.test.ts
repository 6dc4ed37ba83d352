/**
 * Restarts: on a private stack (own ports and state directory, so the shared stack the
 * other tests use is undisturbed), restart the registry, then the broker, and show that
 * messages produced before are still decodable, schema ids are unchanged and no
 * acknowledged message was lost.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sampleEvents, subjectFor } from '@ipmi-monitor/schemas';
import { connectSeam, type ConsumedEvent, type Seam } from '../index.js';
import { eventually, testLogger } from '../testing/index.js';

const run = promisify(execFile);
const repo = new URL('../../../', import.meta.url).pathname;
// A fixed home: a stack a previous run left behind (cut short before its cleanup) is found by
// its pid files and stopped before this run starts its own on the same ports.
const home = join(tmpdir(), 'ipmi-stack-runtime-restart');
const ports = { KAFKA_PORT: '19092', KAFKA_CONTROLLER_PORT: '19093', REGISTRY_PORT: '18081' };
const stackEnv = { ...process.env, IPMI_STACK_HOME: home, ...ports };
const brokers = [`127.0.0.1:${ports.KAFKA_PORT}`];
const registryUrl = `http://127.0.0.1:${ports.REGISTRY_PORT}/apis/ccompat/v7`;
const logger = testLogger('restart.int');
const topic = 'ipmi.polls.v1';

async function stack(...args: string[]): Promise<void> {
  await run('bash', [join(repo, 'infra/local/stack.sh'), ...args], {
    env: stackEnv,
    timeout: 240_000,
  });
}

const open = (): Promise<Seam> =>
  connectSeam({ brokers, registryUrl, clientId: 'restart-test', logger });

async function readAll(seam: Seam, groupId: string, n: number): Promise<ConsumedEvent[]> {
  const got: ConsumedEvent[] = [];
  const c = await seam.consumeRaw({ groupId, topics: [topic] }, (m) => {
    got.push(m);
    return Promise.resolve();
  });
  await eventually(() => (got.length >= n ? true : undefined), {
    timeoutMs: 90_000,
    what: `${n} messages`,
  });
  // Give a duplicate the chance to show up before counting.
  await new Promise((r) => setTimeout(r, 1000));
  await c.stop();
  return got;
}

async function schemaById(id: number): Promise<string> {
  const res = await fetch(`${registryUrl}/schemas/ids/${id}`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { schema: string }).schema;
}

const events = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => ({
    type: 'PollCompleted',
    value: { ...sampleEvents.PollCompleted, eventId: `poll-${from + i}`, serverId: `srv-${i % 5}` },
  }));

before(async () => {
  await stack('stop').catch(() => undefined);
  rmSync(home, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  await stack('start');
});
after(async () => {
  await stack('stop').catch(() => undefined);
  rmSync(home, { recursive: true, force: true });
});

test('registry and broker restarts lose nothing and keep schema ids', async () => {
  let seam = await open();
  await seam.ensureTopics([topic]);
  let producer = await seam.producer();
  await producer.sendRaw(topic, events(0, 50));
  await producer.close();
  const first = await readAll(seam, 'before-restart', 50);
  const schemaId = first[0]?.schemaId;
  assert.ok(schemaId !== undefined);
  const schemaBefore = await schemaById(schemaId);
  await seam.close();

  await stack('restart', 'registry');
  // A fresh seam has no cached schemas: every decode goes to the restarted registry.
  seam = await open();
  const afterRegistry = await readAll(seam, 'after-registry-restart', 50);
  assert.equal(afterRegistry.length, 50);
  assert.ok(
    afterRegistry.every((m) => m.schemaId === schemaId),
    'same schema id',
  );
  assert.equal(await schemaById(schemaId), schemaBefore);
  // Re-registering the same schema must return the same id, not a new one.
  const subject = subjectFor(seam.physical(topic), 'PollCompleted');
  assert.equal(await seam.codec.register(subject, 'PollCompleted'), schemaId);
  await seam.close();

  await stack('restart', 'kafka');
  seam = await open();
  producer = await seam.producer();
  await producer.sendRaw(topic, events(50, 100));
  await producer.close();
  const all = await readAll(seam, 'after-kafka-restart', 100);
  const ids = all.map((m) => (m.event.value as { eventId: string }).eventId);
  assert.equal(new Set(ids).size, 100, 'every acknowledged message, once');
  assert.equal(ids.length, 100, 'no duplicates');
  assert.equal(
    await schemaById(schemaId),
    schemaBefore,
    'registry kept ids across a broker restart',
  );
  await seam.close();
});
