/**
 * The seam against the real broker and the real registry (infra/local/stack.sh):
 * typed round trip of every record type, the bytes on the topic, schema evolution both
 * ways, an incompatible schema refused, poison messages parked in the DLQ while the
 * consumer keeps going, and retriable handler failures retried without loss.
 */
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleEvents, schemaSources, subjectFor, topics } from '@ipmi-monitor/schemas';
import {
  CodedError,
  connectSeam,
  createMetricsRegistry,
  frame,
  sinkKey,
  type ConsumedEvent,
  type SinkBatch,
  type RawMessage,
  type Seam,
  type SeamOptions,
} from '../index.js';
import { eventually, stackEnv, testLogger, testPrefix } from '../testing/index.js';

const env = stackEnv();
const logger = testLogger('seam.int');

async function openSeam(prefix: string, schemas?: Record<string, object>): Promise<Seam> {
  return connectSeam({
    brokers: env.brokers,
    registryUrl: env.registryUrl,
    clientId: 'seam-int-test',
    logger,
    topicPrefix: prefix,
    schemas,
  });
}

/**
 * A seam with its own topic prefix for one describe block: opened and its topics created
 * before the tests, topics deleted and seam closed after.
 */
function seamFor(topicNames: readonly string[], options: Partial<SeamOptions> = {}) {
  const box = { prefix: testPrefix(), seam: undefined as unknown as Seam };
  before(async () => {
    box.seam = await connectSeam({
      brokers: env.brokers,
      registryUrl: env.registryUrl,
      clientId: 'seam-int-test',
      logger,
      topicPrefix: box.prefix,
      ...options,
    });
    await box.seam.ensureTopics(topicNames);
  });
  after(async () => {
    await box.seam.deleteTopics(topicNames);
    await box.seam.close();
  });
  return box;
}

async function registryGet(path: string): Promise<unknown> {
  const res = await fetch(`${env.registryUrl}${path}`);
  assert.equal(res.status, 200, `GET ${path} → ${res.status}`);
  return res.json();
}

/** Collects decoded events until `n` arrived. */
function collector<T>() {
  const got: T[] = [];
  return {
    got,
    push: (m: T) => {
      got.push(m);
      return Promise.resolve();
    },
    waitFor: (n: number, what: string) =>
      eventually(() => (got.length >= n ? got : undefined), { what, timeoutMs: 60_000 }),
  };
}

describe('Kafka seam round trip', () => {
  const s = seamFor(Object.keys(topics));

  test('every record type of every topic comes back equal, Confluent-framed', async () => {
    const producer = await s.seam.producer();
    const expected: { topic: string; type: string; value: unknown }[] = [];
    for (const [topic, spec] of Object.entries(topics)) {
      for (const type of spec.records) {
        const value = sampleEvents[type];
        assert.ok(value, `a sample for ${type}`);
        await producer.sendRaw(topic, [{ type, value }]);
        expected.push({ topic, type, value });
      }
    }
    const c = collector<ConsumedEvent>();
    const consumer = await s.seam.consumeRaw(
      { groupId: 'roundtrip', topics: Object.keys(topics) },
      c.push,
    );
    const got = await c.waitFor(expected.length, `${expected.length} events`);
    await consumer.stop();
    assert.equal(got.length, expected.length, 'no duplicates');
    for (const e of expected) {
      const m = got.find((g) => g.topic === e.topic && g.event.type === e.type);
      assert.ok(m, `${e.type} on ${e.topic} consumed`);
      assert.deepEqual(m.event.value, e.value);
      // The bytes: magic 0, the registry id, then Avro; the id resolves to our schema.
      assert.ok(m.raw);
      assert.equal(m.raw.readUInt8(0), 0);
      assert.equal(m.raw.readUInt32BE(1), m.schemaId);
      const reg = (await registryGet(`/schemas/ids/${m.schemaId}`)) as { schema: string };
      assert.equal((JSON.parse(reg.schema) as { name: string }).name, e.type);
      const value = e.value as { serverId?: string };
      assert.equal(m.key, value.serverId ?? null, 'keyed by server id');
    }
    await producer.close();
  });

  test('a record type the topic does not carry is refused at send', async () => {
    const producer = await s.seam.producer();
    await assert.rejects(
      producer.sendRaw('ipmi.readings.v1', [
        { type: 'AlertRaised', value: sampleEvents.AlertRaised },
      ]),
      (err: CodedError) => err.code === 'RT_UNKNOWN_RECORD_TYPE',
    );
    await producer.close();
  });
});

describe('schema evolution (BACKWARD)', () => {
  const prefix = testPrefix();
  const topic = 'ipmi.readings.v1';
  const record = 'SensorReadingRecorded';
  const v1 = schemaSources[record] as { fields: object[] };
  const v2 = {
    ...v1,
    fields: [
      ...v1.fields,
      {
        name: 'calibrationNote',
        type: ['null', 'string'],
        default: null,
        doc: 'Test-only field added in v2.',
      },
    ],
  };
  let seamV1: Seam;
  let seamV2: Seam;
  before(async () => {
    seamV1 = await openSeam(prefix);
    seamV2 = await openSeam(prefix, { ...schemaSources, [record]: v2 });
    await seamV1.ensureTopics([topic]);
  });
  after(async () => {
    await seamV1.deleteTopics([topic]);
    await seamV1.close();
    await seamV2.close();
  });

  test('v1 and v2 readers read each other’s records; an incompatible v3 is rejected', async () => {
    const base = sampleEvents[record];
    const p1 = await seamV1.producer();
    const p2 = await seamV2.producer();
    await p1.sendRaw(topic, [{ type: record, value: { ...base, eventId: 'v1-event' } }]);
    await p2.sendRaw(topic, [
      { type: record, value: { ...base, eventId: 'v2-event', calibrationNote: 'recalibrated' } },
    ]);
    const subject = subjectFor(seamV1.physical(topic), record);
    const versions = (await registryGet(
      `/subjects/${encodeURIComponent(subject)}/versions`,
    )) as number[];
    assert.equal(versions.length, 2, 'v1 and v2 are two versions of one subject');
    const config = (await registryGet(`/config/${encodeURIComponent(subject)}`)) as {
      compatibilityLevel: string;
    };
    assert.equal(config.compatibilityLevel, 'BACKWARD');

    const r1 = collector<ConsumedEvent>();
    const r2 = collector<ConsumedEvent>();
    const c1 = await seamV1.consumeRaw({ groupId: 'reader-v1', topics: [topic] }, r1.push);
    const c2 = await seamV2.consumeRaw({ groupId: 'reader-v2', topics: [topic] }, r2.push);
    await r1.waitFor(2, 'v1 reader');
    await r2.waitFor(2, 'v2 reader');
    await c1.stop();
    await c2.stop();
    const byId = (list: ConsumedEvent[], id: string) =>
      list.find((m) => (m.event.value as { eventId: string }).eventId === id)?.event.value as
        Record<string, unknown> | undefined;
    // v1 reader: the v2 record projected onto v1 (the new field is dropped).
    assert.deepEqual(byId(r1.got, 'v2-event'), { ...base, eventId: 'v2-event' });
    assert.deepEqual(byId(r1.got, 'v1-event'), { ...base, eventId: 'v1-event' });
    // v2 reader: the v1 record gets the default.
    assert.deepEqual(byId(r2.got, 'v1-event'), {
      ...base,
      eventId: 'v1-event',
      calibrationNote: null,
    });
    assert.deepEqual(byId(r2.got, 'v2-event'), {
      ...base,
      eventId: 'v2-event',
      calibrationNote: 'recalibrated',
    });

    // v3 adds a required field without a default: old records could not be read by it.
    const v3 = {
      ...v1,
      fields: [...v1.fields, { name: 'rackSlot', type: 'int', doc: 'Required.' }],
    };
    const seamV3 = await openSeam(prefix, { ...schemaSources, [record]: v3 });
    await assert.rejects(
      seamV3.codec.register(subject, record),
      (err: CodedError) => err.code === 'RT_SCHEMA_INCOMPATIBLE',
    );
    await seamV3.close();
    await p1.close();
    await p2.close();
  });
});

describe('poison messages and handler failures', () => {
  const topic = 'ipmi.polls.v1';
  const s = seamFor([topic]);

  test('garbage and unknown schema ids land in the DLQ with the error; the consumer goes on', async () => {
    const producer = await s.seam.producer();
    const good = sampleEvents.PollCompleted;
    await producer.sendRaw(topic, [
      { type: 'PollCompleted', value: { ...good, eventId: 'before' } },
    ]);
    await s.seam.produceBytes(topic, [
      { key: 'srv-1', value: Buffer.from('definitely not avro') },
      // Framed correctly, but with a schema id no registry has handed out.
      { key: 'srv-1', value: frame(2_000_000_000, Buffer.from([0x02, 0x41])) },
    ]);
    await producer.sendRaw(topic, [
      { type: 'PollCompleted', value: { ...good, eventId: 'after' } },
    ]);

    const ok = collector<ConsumedEvent>();
    const consumer = await s.seam.consumeRaw({ groupId: 'poison', topics: [topic] }, ok.push);
    const dlq = collector<RawMessage>();
    const dlqReader = await s.seam.consumeBytes(
      { groupId: 'dlq-reader', topics: [`${topic}.dlq`] },
      dlq.push,
    );
    await ok.waitFor(2, 'both good events');
    await dlq.waitFor(2, 'both poison messages in the DLQ');
    await consumer.stop();
    await dlqReader.stop();

    assert.deepEqual(
      ok.got.map((m) => (m.event.value as { eventId: string }).eventId),
      ['before', 'after'],
    );
    assert.equal(dlq.got.length, 2);
    const [garbage, unknownId] = dlq.got;
    assert.equal(garbage?.raw?.toString(), 'definitely not avro', 'original bytes kept');
    for (const m of dlq.got) {
      assert.equal(m.headers['x-error-code'], 'RT_DECODE_FAILED');
      assert.equal(m.headers['x-original-topic'], s.seam.physical(topic));
      assert.equal(m.headers['x-consumer-group'], 'poison');
      assert.match(m.headers['x-original-offset'] ?? '', /^\d+$/);
      assert.ok((m.headers['x-error-message'] ?? '').length > 0);
    }
    assert.match(unknownId?.headers['x-error-message'] ?? '', /2000000000/);
    await producer.close();
  });

  test('a retriable handler failure is retried on the same message; a fatal one is parked', async () => {
    const producer = await s.seam.producer();
    const good = sampleEvents.PollCompleted;
    await producer.sendRaw(topic, [
      { type: 'PollCompleted', value: { ...good, eventId: 'flaky' } },
      { type: 'PollCompleted', value: { ...good, eventId: 'fatal' } },
      { type: 'PollCompleted', value: { ...good, eventId: 'fine' } },
    ]);
    let flakyAttempts = 0;
    const handled: string[] = [];
    const consumer = await s.seam.consumeRaw(
      { groupId: 'flaky', topics: [topic], retryInitialMs: 20, retryMaxMs: 50 },
      async (m) => {
        const id = (m.event.value as { eventId: string }).eventId;
        if (id === 'flaky' && ++flakyAttempts < 3) {
          throw new CodedError('DB_UNAVAILABLE', 'database down (simulated)', { retriable: true });
        }
        if (id === 'fatal') {
          throw new CodedError('PRJ_BAD_EVENT', 'cannot project this', { retriable: false });
        }
        handled.push(id);
        return Promise.resolve();
      },
    );
    await eventually(() => (handled.includes('fine') ? true : undefined), { what: 'fine handled' });
    await consumer.stop();
    assert.equal(flakyAttempts, 3, 'retried until it succeeded');
    assert.ok(handled.includes('flaky'));
    assert.ok(!handled.includes('fatal'));
    assert.equal(handled.filter((h) => h === 'flaky').length, 1, 'handled once');
    const dlq = collector<RawMessage>();
    const dlqReader = await s.seam.consumeBytes(
      { groupId: 'dlq-reader-2', topics: [`${topic}.dlq`] },
      dlq.push,
    );
    await eventually(() => dlq.got.find((m) => m.headers['x-error-code'] === 'PRJ_BAD_EVENT'), {
      what: 'fatal message in the DLQ',
    });
    await dlqReader.stop();
    await producer.close();
  });
});

describe('consumer lag and pipeline metrics', () => {
  const topic = 'ipmi.polls.v1';
  const metrics = createMetricsRegistry();
  const s = seamFor([topic], { metrics });

  test('lag counts what a group has not read, reaches 0 once consumed, and is exported', async () => {
    const producer = await s.seam.producer();
    await producer.send(
      'ipmi.polls.v1',
      [1, 2, 3].map((i) => ({
        type: 'PollCompleted' as const,
        value: { ...sampleEvents.PollCompleted, eventId: `lag-${i}`, serverId: 'srv-lag' },
      })),
    );
    await producer.close();
    const total = (rows: { lag: number }[]) => rows.reduce((n, r) => n + r.lag, 0);
    assert.equal(total(await s.seam.lag('lagging', [topic])), 3, 'a group that read nothing');

    let seen = 0;
    const consumer = await s.seam.consumeRaw({ groupId: 'lagging', topics: [topic] }, () => {
      seen++;
      return Promise.resolve();
    });
    await eventually(
      async () =>
        (await s.seam.lag('lagging', [topic])).length > 0 &&
        total(await s.seam.lag('lagging', [topic])) === 0
          ? true
          : undefined,
      {
        what: 'lag 0 after consuming',
      },
    );
    await consumer.stop();
    assert.equal(seen, 3);
    const text = await metrics.metrics();
    assert.match(
      text,
      /ipmi_pipeline_consumer_lag_messages\{topic="ipmi.polls.v1",group="lagging",partition="\d+"\} 0/,
    );
    assert.match(
      text,
      /ipmi_pipeline_events_produced_total\{topic="ipmi.polls.v1",type="PollCompleted"\} 3/,
    );
    assert.match(
      text,
      /ipmi_pipeline_events_consumed_total\{topic="ipmi.polls.v1",group="lagging"\} 3/,
    );
  });
});

describe('readAll: a topic from start to its current end', () => {
  const topic = 'ipmi.servers.v1';
  const s = seamFor([topic]);

  test('returns every record once, in log order per server, and nothing for an empty topic', async () => {
    assert.deepEqual(await s.seam.readAll(topic), []);
    const producer = await s.seam.producer();
    const configured = (serverId: string, revision: number) => ({
      type: 'ServerConfigured' as const,
      value: {
        ...sampleEvents.ServerConfigured,
        serverId,
        revision,
        eventId: `${serverId}-${revision}`,
      },
    });
    await producer.send(topic, [configured('a', 1), configured('b', 1), configured('a', 2)]);
    await producer.send(topic, [configured('c', 1)]);
    await producer.close();
    const all = await s.seam.readAll(topic);
    const ids = all.map((m) => (m.event.value as { eventId: string }).eventId);
    assert.deepEqual([...ids].sort(), ['a-1', 'a-2', 'b-1', 'c-1']);
    assert.ok(ids.indexOf('a-1') < ids.indexOf('a-2'), 'one server’s events in order');
    assert.equal((await s.seam.readAll(topic)).length, 4, 'reading again reads everything again');
  });
});

describe('readAll on a topic written in transactions', () => {
  const topic = 'ipmi.cursors.v1';
  const s = seamFor([topic]);

  test('reaches the end past commit markers and leaves out aborted records', async () => {
    const cursor = (serverId: string, clears: number) => ({
      type: 'SelCursorSaved' as const,
      value: { ...sampleEvents.SelCursorSaved, serverId, clears, eventId: `${serverId}-${clears}` },
    });
    const tx = await s.seam.transactionalProducer(`readall-${randomUUID()}`);
    await tx.transaction(async (t) => t.send(topic, [cursor('a', 1), cursor('b', 1)]));
    await assert.rejects(
      tx.transaction(async (t) => {
        await t.send(topic, [cursor('a', 99)]);
        throw new Error('abort this one');
      }),
    );
    await tx.transaction(async (t) => t.send(topic, [cursor('a', 2)]));
    await tx.close();
    // Without batch-level end detection this times out: the last offset is a commit marker.
    const all = await s.seam.readAll(topic, { timeoutMs: 20_000 });
    const ids = all.map((m) => (m.event.value as { eventId: string }).eventId).sort();
    assert.deepEqual(ids, ['a-1', 'a-2', 'b-1']);
  });

  test('a transaction still open when reading starts is left out, and does not hold the read up', async () => {
    const cursor = (serverId: string, clears: number) => ({
      type: 'SelCursorSaved' as const,
      value: { ...sampleEvents.SelCursorSaved, serverId, clears, eventId: `${serverId}-${clears}` },
    });
    const tx = await s.seam.transactionalProducer(`readall-open-${randomUUID()}`);
    let ids: string[] = [];
    await tx.transaction(async (t) => {
      await t.send(topic, [cursor('open', 1)]);
      // Read while this transaction has written and not committed: the stable end sits
      // below its record, and readAll gives up waiting for it after its settle time.
      const all = await s.seam.readAll(topic, { timeoutMs: 20_000 });
      ids = all.map((m) => (m.event.value as { eventId: string }).eventId).sort();
    });
    await tx.close();
    assert.deepEqual(ids, ['a-1', 'a-2', 'b-1']);
    const after = await s.seam.readAll(topic, { timeoutMs: 20_000 });
    assert.ok(
      after.some((m) => (m.event.value as { eventId: string }).eventId === 'open-1'),
      'committed now, so read',
    );
  });
});

describe('a sink that restarts with everything already written', () => {
  const s = seamFor(['ipmi.polls.v1']);

  test("its group's lag is 0 at once: Kafka's committed offsets follow the store", async () => {
    const producer = await s.seam.producer();
    await producer.sendRaw(
      'ipmi.polls.v1',
      Array.from({ length: 5 }, () => ({
        type: 'PollCompleted',
        value: sampleEvents.PollCompleted,
      })),
    );
    await producer.close();
    const ends = await s.seam.offsets('ipmi.polls.v1');
    // The store already holds every event (a crash after the database commit and before any
    // Kafka commit): nothing is left to read, and nothing may be written again.
    const written: SinkBatch[] = [];
    const sink = await s.seam.sink({
      groupId: 'restarted-sink',
      topics: ['ipmi.polls.v1'],
      loadOffsets: () =>
        Promise.resolve(new Map(ends.map((e) => [sinkKey('ipmi.polls.v1', e.partition), e.high]))),
      write: (batch) => {
        written.push(batch);
        return Promise.resolve();
      },
    });
    try {
      await sink.ready;
      const lag = await eventually(
        async () => {
          const l = await s.seam.lag('restarted-sink', ['ipmi.polls.v1']);
          return l.every((p) => p.lag === 0) ? l : undefined;
        },
        { timeoutMs: 15_000, what: 'the group without lag' },
      );
      assert.ok(lag.length > 0);
      assert.deepEqual(written, [], 'nothing written twice');
    } finally {
      await sink.stop();
    }
  });
});
