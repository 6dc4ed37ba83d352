/**
 * Kafka transactions through the seam, against the real broker: what a transaction sends
 * is seen by read_committed consumers only if it commits; a failed transaction leaves
 * nothing; a producer that dies mid-transaction is fenced by its successor and its open
 * transaction never becomes visible.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleEvents } from '@ipmi-monitor/schemas';
import { connectSeam, type ConsumedEvent, type Seam } from '../index.js';
import { eventually, stackEnv, testLogger, testPrefix } from '../testing/index.js';

const env = stackEnv();
const logger = testLogger('transactions.int');
const prefix = testPrefix();
const topic = 'ipmi.alerts.v1';
let seam: Seam;

const alert = (eventId: string) => ({
  type: 'AlertRaised' as const,
  value: { ...sampleEvents.AlertRaised, eventId },
});

before(async () => {
  seam = await connectSeam({
    brokers: env.brokers,
    registryUrl: env.registryUrl,
    clientId: 'tx-test',
    logger,
    topicPrefix: prefix,
  });
  await seam.ensureTopics([topic]);
});
after(async () => {
  await seam.deleteTopics([topic]);
  await seam.close();
});

test('committed transactions are seen whole, aborted and fenced ones never', async () => {
  const a = await seam.transactionalProducer('alerts-writer');
  await a.transaction(async (tx) => {
    await tx.send(topic, [alert('committed-1'), alert('committed-2')]);
  });
  await assert.rejects(
    a.transaction(async (tx) => {
      await tx.send(topic, [alert('aborted-1')]);
      throw new Error('processing failed after the send');
    }),
    /processing failed/,
  );

  // A "zombie": a second seam whose producer opens a transaction, sends, and never
  // commits, as if the process died there. Its successor with the same id fences it.
  const zombieSeam = await connectSeam({
    brokers: env.brokers,
    registryUrl: env.registryUrl,
    clientId: 'tx-zombie',
    logger,
    topicPrefix: prefix,
  });
  const zombie = await zombieSeam.transactionalProducer('alerts-writer-2');
  let release: () => void = () => undefined;
  const hold = new Promise<void>((r) => (release = r));
  let zombieSent: () => void = () => undefined;
  const sentByZombie = new Promise<void>((r) => (zombieSent = r));
  const zombieRun = zombie.transaction(async (tx) => {
    await tx.send(topic, [alert('zombie-1')]);
    zombieSent();
    await hold;
  });
  await sentByZombie;
  const successor = await seam.transactionalProducer('alerts-writer-2');
  await successor.transaction(async (tx) => {
    await tx.send(topic, [alert('successor-1')]);
  });
  release();
  await assert.rejects(zombieRun, 'the fenced producer cannot commit');
  await zombieSeam.close().catch(() => undefined);

  const got: ConsumedEvent[] = [];
  const consumer = await seam.consumeRaw({ groupId: 'committed-reader', topics: [topic] }, (m) => {
    got.push(m);
    return Promise.resolve();
  });
  await eventually(() => (got.length >= 3 ? true : undefined), { what: 'committed events' });
  // Let anything that should not be there have its chance to arrive.
  await new Promise((r) => setTimeout(r, 1500));
  await consumer.stop();
  const ids = got.map((m) => (m.event.value as { eventId: string }).eventId).sort();
  assert.deepEqual(ids, ['committed-1', 'committed-2', 'successor-1']);
  await a.close();
  await successor.close();
});
