/**
 * The integrator's example against the real broker and registry: alerts written the way the
 * stream processors write them (a Kafka transaction through the seam) come out of the
 * example as one line each, an aborted transaction's alert never does, and SIGTERM ends it
 * cleanly. The example runs as its own process without the ipmi-source condition, as an
 * integrator's copy would.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { connectSeam, type Seam } from '@ipmi-monitor/runtime';
import { eventually, stackEnv, testLogger, testPrefix } from '@ipmi-monitor/runtime/testing';
import { sampleEvents } from '@ipmi-monitor/schemas';

const env = stackEnv();
const prefix = testPrefix();
const topic = 'ipmi.alerts.v1';
const example = new URL('./alert-consumer.ts', import.meta.url).pathname;
const repoRoot = new URL('../../', import.meta.url).pathname;

let seam: Seam;
let child: ChildProcess | undefined;
let out = '';
let err = '';

before(async () => {
  seam = await connectSeam({
    brokers: env.brokers,
    registryUrl: env.registryUrl,
    clientId: 'alert-consumer-int-test',
    logger: testLogger('alert-consumer.int'),
    topicPrefix: prefix,
  });
  await seam.ensureTopics([topic]);
});

after(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await seam.deleteTopics([topic]);
  await seam.close();
});

test('prints each committed alert as one line and exits 0 on SIGTERM', async () => {
  child = spawn(process.execPath, ['--import', 'tsx', example], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      KAFKA_BROKERS: env.brokers.join(','),
      SCHEMA_REGISTRY_URL: env.registryUrl,
      IPMI_TOPIC_PREFIX: prefix,
      ALERT_CONSUMER_GROUP: `${prefix}alert-consumer`,
      ALERT_CONSUMER_FROM_BEGINNING: 'true',
    },
  });
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

  const serverId = `srv-${randomUUID().slice(0, 8)}`;
  const alertId = `alert-${randomUUID()}`;
  const raised = {
    ...sampleEvents.AlertRaised,
    eventId: `${alertId}:1`,
    serverId,
    alertId,
    severity: 'WARNING' as const,
    summary: 'FAN2 3100 RPM below LNC 3200 RPM',
  };
  const resolved = {
    ...sampleEvents.AlertResolved,
    eventId: `${alertId}:2`,
    serverId,
    alertId,
    revision: 2,
    severity: 'WARNING' as const,
    summary: 'FAN2 back to 4500 RPM',
  };

  const producer = await seam.transactionalProducer(`alert-consumer-${randomUUID()}`);
  // Same server, so the same partition: had the example read uncommitted data, this alert
  // would print before the committed ones that follow it.
  await assert.rejects(
    producer.transaction(async (tx) => {
      await tx.send(topic, [
        { type: 'AlertRaised', value: { ...raised, summary: 'ABORTED-ALERT must not print' } },
      ]);
      throw new Error('abort on purpose');
    }),
    /abort on purpose/,
  );
  await producer.transaction(async (tx) => {
    await tx.send(topic, [
      { type: 'AlertRaised', value: raised },
      { type: 'AlertResolved', value: resolved },
    ]);
  });
  await producer.close();

  const lines = await eventually(
    () => {
      const got = out.split('\n').filter((l) => l.includes(`server=${serverId}`));
      return got.length >= 2 ? got : undefined;
    },
    { what: `two alert lines for ${serverId}`, timeoutMs: 60_000 },
  ).catch((e: unknown) => {
    throw new Error(`${String(e)}\nstdout:\n${out}\nstderr:\n${err}`, { cause: e });
  });
  assert.equal(lines.length, 2, `no duplicates:\n${out}`);
  const [first, second] = lines as [string, string];
  assert.match(first, /\braised\b/);
  assert.ok(first.includes('severity=WARNING'), first);
  assert.ok(first.includes(raised.summary), first);
  assert.match(second, /\bresolved\b/);
  assert.ok(second.includes('severity=WARNING'), second);
  assert.ok(second.includes('CONDITION_CLEARED'), second);
  assert.ok(!out.includes('ABORTED-ALERT'), `an aborted transaction's alert was printed:\n${out}`);

  child.kill('SIGTERM');
  const [code, signal] = await exited;
  assert.equal(signal, null, `killed by ${signal ?? ''}; stderr:\n${err}`);
  assert.equal(code, 0, `exit code ${code ?? ''}; stderr:\n${err}`);
});
