/**
 * The Kafka seam: the ONLY module that imports kafkajs. Everything else produces and
 * consumes typed events through `connectSeam()`, so the client can be swapped (kafkajs is
 * in maintenance mode) without touching services.
 *
 * Guarantees relied on elsewhere:
 * - producers are idempotent with acks=all and one request in flight, so a retried send
 *   never duplicates or reorders records within a partition;
 * - records are keyed by server id, so everything about one server is ordered;
 * - a consumer commits an offset only after its handler succeeded, or after the message
 *   was parked in `<topic>.dlq` (at-least-once, never a silent drop);
 * - a retriable failure (broker, registry, database down) is retried with backoff on the
 *   same message, forever, while the consumer keeps its partitions.
 */
import {
  Kafka,
  logLevel,
  Partitioners,
  type Admin,
  type Consumer,
  type IHeaders,
  type LogEntry,
  type Producer,
} from 'kafkajs';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import {
  dlqTopicFor,
  schemaSources,
  subjectFor,
  topics as defaultTopics,
  type EventOf,
  type TopicName,
} from '@ipmi-monitor/schemas';
import { hasCode, isRetriable, runtimeErrors } from '../errors.js';
import { SchemaCodec } from './codec.js';
import { headersToStrings } from './headers.js';
import {
  startStreamProcessor,
  type StreamProcessorHandle,
  type StreamProcessorOptions,
} from './processor.js';
import { startSink, type SinkHandle, type SinkOptions } from './sink.js';

export interface TopicSettings {
  readonly records: readonly string[];
  readonly partitions: number;
  readonly cleanupPolicy: 'delete' | 'compact';
  readonly retentionMs?: number | null;
}

export interface SeamOptions {
  brokers: string[];
  registryUrl: string;
  clientId: string;
  logger: Logger;
  metrics?: Registry | undefined;
  /** Physical topic = prefix + logical name. Isolates test runs and tenants on one broker. */
  topicPrefix?: string | undefined;
  /** The topic map; defaults to the contract in @ipmi-monitor/schemas. */
  topics?: Readonly<Record<string, TopicSettings>> | undefined;
  /** Avro schemas by short record name; defaults to the contract's. Tests pass evolved ones. */
  schemas?: Readonly<Record<string, object>> | undefined;
}

/** One event to produce: its record type, value and (default: value.serverId) key. */
export interface OutgoingEvent {
  type: string;
  value: unknown;
  key?: string;
  headers?: Record<string, string>;
  /** Explicit partition; by default the key's (murmur2). Changelogs use it. */
  partition?: number;
}

export interface ConsumedEvent<E = { type: string; value: unknown }> {
  /** Logical topic name (without prefix). */
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  timestamp: string;
  schemaId: number;
  headers: Record<string, string>;
  /** The bytes as they are on the topic (Confluent framing + Avro body). */
  raw: Buffer | null;
  event: E;
}

/** A message as bytes, undecoded: for DLQ inspection and replay tools. */
export type RawMessage = Omit<ConsumedEvent<never>, 'event' | 'schemaId'>;

export type TypedConsumed<T extends TopicName> = ConsumedEvent<EventOf<T>>;

export interface ConsumeOptions<T extends string> {
  groupId: string;
  topics: readonly T[];
  fromBeginning?: boolean;
  /** Backoff bounds for retriable handler failures. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** How often to measure this group's lag into the lag gauge; 0 turns it off. */
  lagIntervalMs?: number;
}

export interface ConsumerHandle {
  stop(): Promise<void>;
  /** Resolves once the consumer joined its group and got partitions (or none). */
  ready: Promise<void>;
}

export interface TypedProducer {
  send<T extends TopicName>(
    topic: T,
    events: readonly (EventOf<T> & { key?: string })[],
  ): Promise<void>;
  /** Untyped variant for tests and tools (custom topics or record types). */
  sendRaw(topic: string, events: readonly OutgoingEvent[]): Promise<void>;
  close(): Promise<void>;
}

/** What a transaction can do: send events, and commit a consumer group's offsets with them. */
export interface TransactionScope {
  send<T extends TopicName>(
    topic: T,
    events: readonly (EventOf<T> & { key?: string })[],
  ): Promise<void>;
  sendRaw(topic: string, events: readonly OutgoingEvent[]): Promise<void>;
  /** Bytes as they are (a poison message on its way to a DLQ), to a physical topic name. */
  sendBytes(
    physicalTopic: string,
    messages: readonly { key: string | null; value: Buffer | null; headers: IHeaders }[],
  ): Promise<void>;
  /** Offsets are the NEXT offset to read (last processed + 1), per logical topic. */
  commitOffsets(
    groupId: string,
    offsets: readonly { topic: string; partition: number; offset: string }[],
  ): Promise<void>;
}

/**
 * Exactly-once writes: everything `fn` sends (and the offsets it commits) becomes visible to
 * read_committed consumers together on success, or not at all when it throws. A producer
 * that died mid-transaction is fenced when the next one with the same id starts, and its
 * open transaction is aborted by the broker.
 */
export interface TransactionalProducer {
  transaction<R>(fn: (tx: TransactionScope) => Promise<R>): Promise<R>;
  close(): Promise<void>;
}

export interface Seam {
  readonly codec: SchemaCodec;
  physical(topic: string): string;
  ensureTopics(topics?: readonly string[]): Promise<void>;
  deleteTopics(topics: readonly string[]): Promise<void>;
  producer(): Promise<TypedProducer>;
  transactionalProducer(transactionalId: string): Promise<TransactionalProducer>;
  consume<T extends TopicName>(
    options: ConsumeOptions<T>,
    handler: (msg: TypedConsumed<T>) => Promise<void>,
  ): Promise<ConsumerHandle>;
  consumeRaw(
    options: ConsumeOptions<string>,
    handler: (msg: ConsumedEvent) => Promise<void>,
  ): Promise<ConsumerHandle>;
  /** Reads bytes without decoding (DLQ topics, tools). Same commit rules as consume. */
  consumeBytes(
    options: ConsumeOptions<string>,
    handler: (msg: RawMessage) => Promise<void>,
  ): Promise<ConsumerHandle>;
  /**
   * Reads a topic from its start to its end as of the call, decoded, without joining or
   * committing for any lasting group: how a service rebuilds state from a compacted topic
   * (the server configuration, the collector's SEL cursors) at start-up. Reads committed
   * data only: a transaction committed before the call is read even while its commit
   * markers are still being written; one still open is waited for up to 2 s, then left out.
   * Bounded by `timeoutMs`.
   * `partitions` limits the read to those (a stream processor restoring its tasks).
   */
  readAll(
    topic: string,
    options?: { timeoutMs?: number; partitions?: readonly number[] },
  ): Promise<ConsumedEvent[]>;
  /**
   * Runs a stream processor: co-partitioned inputs, a store restored from `changelog`, and
   * read-process-write transactions (see processor.ts for the guarantees).
   */
  process(options: StreamProcessorOptions): Promise<StreamProcessorHandle>;
  /**
   * Runs a sink: a consumer whose offsets are stored with the data it writes (a database
   * projection), exactly once into that store (see sink.ts).
   */
  sink(options: SinkOptions): Promise<SinkHandle>;
  /** First and next-to-write offset of every partition of a topic (low and high watermarks). */
  offsets(topic: string): Promise<{ partition: number; low: string; high: string }[]>;
  /** Messages per partition a group still has to read; feeds the lag gauge. */
  lag(
    groupId: string,
    topics: readonly string[],
  ): Promise<{ topic: string; partition: number; lag: number }[]>;
  /** Raw bytes, for tests and tools that must write what our producers never would. */
  produceBytes(
    topic: string,
    messages: { key?: string; value: Buffer; headers?: IHeaders }[],
  ): Promise<void>;
  close(): Promise<void>;
}

const KAFKA_TO_PINO: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

function kafkaLogCreator(logger: Logger) {
  const log = logger.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log: entry }: LogEntry) => {
      const { message, ...extra } = entry;
      log[KAFKA_TO_PINO[level] ?? 'info']({ namespace, ...extra }, message);
    };
}

/**
 * Idempotent (the broker drops a retried duplicate), one request in flight (a retry cannot
 * overtake the batch after it) and unlimited retries: kafkajs' idempotence is only sound
 * when it never gives up on a batch, so a send waits out a broker outage instead of
 * failing. Callers that need a bound apply their own deadline.
 */
const PRODUCER_SETTINGS = {
  // murmur2 on the key, as Java clients do: a server id lands on the same partition
  // whichever client produced it.
  createPartitioner: Partitioners.DefaultPartitioner,
  idempotent: true,
  maxInFlightRequests: 1,
  retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 10_000 },
} as const;

/** How long readAll waits for a just-committed transaction's markers before settling. */
const READ_ALL_SETTLE_MS = 2_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Retries an admin call while the broker answers with a retriable error (for a moment after
 * a topic is created, or after a leader change, metadata is stale: NOT_LEADER_FOR_PARTITION).
 */
async function retrying<T>(call: () => Promise<T>, deadlineMs = 10_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    try {
      return await call();
    } catch (err) {
      if ((err as { retriable?: boolean }).retriable !== true || Date.now() > deadline) throw err;
      await sleep(delay);
    }
  }
}

class SeamMetrics {
  readonly produced: Counter<'topic' | 'type'>;
  readonly consumed: Counter<'topic' | 'group'>;
  readonly dlq: Counter<'topic' | 'group' | 'code'>;
  readonly retries: Counter<'topic' | 'group' | 'code'>;
  readonly handleSeconds: Histogram<'topic' | 'group'>;
  readonly lag: Gauge<'topic' | 'group' | 'partition'>;

  constructor(registry: Registry | undefined) {
    const registers = registry ? [registry] : [];
    this.produced = new Counter({
      name: 'ipmi_pipeline_events_produced_total',
      help: 'Events produced to Kafka, by topic and record type.',
      labelNames: ['topic', 'type'],
      registers,
    });
    this.consumed = new Counter({
      name: 'ipmi_pipeline_events_consumed_total',
      help: 'Events handled successfully, by topic and consumer group.',
      labelNames: ['topic', 'group'],
      registers,
    });
    this.dlq = new Counter({
      name: 'ipmi_pipeline_dlq_messages_total',
      help: 'Messages parked in a dead-letter topic, by source topic, group and error code.',
      labelNames: ['topic', 'group', 'code'],
      registers,
    });
    this.retries = new Counter({
      name: 'ipmi_pipeline_handler_retries_total',
      help: 'Retriable handler failures that were retried, by error code.',
      labelNames: ['topic', 'group', 'code'],
      registers,
    });
    this.handleSeconds = new Histogram({
      name: 'ipmi_pipeline_handle_seconds',
      help: 'Time to decode and handle one message.',
      labelNames: ['topic', 'group'],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    this.lag = new Gauge({
      name: 'ipmi_pipeline_consumer_lag_messages',
      help: 'Messages a consumer group has yet to read, per partition.',
      labelNames: ['topic', 'group', 'partition'],
      registers,
    });
  }
}

export async function connectSeam(options: SeamOptions): Promise<Seam> {
  const logger = options.logger.child({ component: 'kafka-seam' });
  const prefix = options.topicPrefix ?? '';
  const topicMap: Readonly<Record<string, TopicSettings>> = options.topics ?? defaultTopics;
  const codec = new SchemaCodec(options.registryUrl, options.schemas ?? schemaSources, logger);
  const metrics = new SeamMetrics(options.metrics);
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logCreator: kafkaLogCreator(options.logger),
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 200, retries: 8 },
  });
  const physical = (topic: string) => `${prefix}${topic}`;
  const logical = (topic: string) =>
    topic.startsWith(prefix) ? topic.slice(prefix.length) : topic;
  const settingsOf = (topic: string): TopicSettings => {
    const s = topicMap[topic];
    if (!s)
      throw runtimeErrors.error('RT_UNKNOWN_RECORD_TYPE', `topic ${topic} is not in the topic map`);
    return s;
  };

  const admin: Admin = kafka.admin();
  await admin.connect();
  const closers: (() => Promise<void>)[] = [() => admin.disconnect()];

  // One shared raw producer for DLQ writes and raw bytes: idempotent like every other.
  const rawProducer: Producer = kafka.producer(PRODUCER_SETTINGS);
  await rawProducer.connect();
  closers.push(() => rawProducer.disconnect());

  async function ensureTopics(names: readonly string[] = Object.keys(topicMap)): Promise<void> {
    const existing = new Set(await admin.listTopics());
    const wanted = names.flatMap((name) => {
      const s = settingsOf(name);
      const configEntries: { name: string; value: string }[] = [
        { name: 'cleanup.policy', value: s.cleanupPolicy },
      ];
      if (s.retentionMs !== undefined && s.retentionMs !== null) {
        configEntries.push({ name: 'retention.ms', value: String(s.retentionMs) });
      }
      return [
        { topic: physical(name), numPartitions: s.partitions, replicationFactor: 1, configEntries },
        // The DLQ keeps poison messages for 30 days: long enough to notice and replay.
        {
          topic: physical(dlqTopicFor(name)),
          numPartitions: 1,
          replicationFactor: 1,
          configEntries: [{ name: 'retention.ms', value: String(30 * 24 * 3600 * 1000) }],
        },
      ];
    });
    const missing = wanted.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      try {
        // kafkajs' own waitForLeaders gives up on UNKNOWN_TOPIC_OR_PARTITION, which a
        // Kafka 4 broker answers for a moment after creating a topic: wait ourselves.
        await admin.createTopics({ topics: missing, waitForLeaders: false });
      } catch (err) {
        // Another process created them first: fine, the settings come from one map.
        if ((err as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw err;
      }
      logger.info({ topics: missing.map((t) => t.topic) }, 'topics created');
    }
    await waitForLeaders(wanted.map((t) => t.topic));
  }

  /** Resolves once every partition of `names` has a leader (bounded: 30 s). */
  async function waitForLeaders(names: string[]): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const { topics: meta } = await admin.fetchTopicMetadata({ topics: names });
        const ready =
          meta.length === names.length &&
          meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
        if (ready) return;
      } catch (err) {
        if ((err as { retriable?: boolean }).retriable !== true) throw err;
      }
      if (Date.now() > deadline) {
        throw runtimeErrors.error('RT_KAFKA_UNAVAILABLE', `topics not ready: ${names.join(', ')}`);
      }
      await sleep(100);
    }
  }

  async function deleteTopics(names: readonly string[]): Promise<void> {
    const existing = new Set(await admin.listTopics());
    const doomed = names
      .flatMap((n) => [physical(n), physical(dlqTopicFor(n))])
      .filter((t) => existing.has(t));
    if (doomed.length > 0) await admin.deleteTopics({ topics: doomed });
  }

  async function produceBytes(
    topic: string,
    messages: { key?: string; value: Buffer; headers?: IHeaders }[],
  ): Promise<void> {
    await rawProducer.send({
      topic: physical(topic),
      acks: -1,
      messages: messages.map((m) => ({
        key: m.key ?? null,
        value: m.value,
        headers: m.headers ?? {},
      })),
    });
  }

  /** Validates record types against the topic map and encodes each event (registering its schema once). */
  async function encodeMessages(topic: string, events: readonly OutgoingEvent[]) {
    const settings = settingsOf(topic);
    const target = physical(topic);
    const messages = await Promise.all(
      events.map(async (e) => {
        if (!settings.records.includes(e.type)) {
          throw runtimeErrors.error(
            'RT_UNKNOWN_RECORD_TYPE',
            `topic ${topic} does not carry ${e.type}`,
          );
        }
        const key = e.key ?? (e.value as { serverId?: string }).serverId ?? null;
        const value = await codec.encode(subjectFor(target, e.type), e.type, e.value);
        return e.partition === undefined
          ? { key, value, headers: e.headers ?? {} }
          : { key, value, headers: e.headers ?? {}, partition: e.partition };
      }),
    );
    return { topic: target, acks: -1, messages };
  }

  async function producer(): Promise<TypedProducer> {
    const p = kafka.producer(PRODUCER_SETTINGS);
    await p.connect();
    const sendRaw = async (topic: string, events: readonly OutgoingEvent[]) => {
      await p.send(await encodeMessages(topic, events));
      for (const e of events) metrics.produced.inc({ topic, type: e.type });
    };
    let closed = false;
    const handle: TypedProducer = {
      send: (topic, events) => sendRaw(topic, events),
      sendRaw,
      close: async () => {
        if (closed) return;
        closed = true;
        await p.disconnect();
      },
    };
    closers.push(() => handle.close());
    return handle;
  }

  async function transactionalProducer(transactionalId: string): Promise<TransactionalProducer> {
    const create = () =>
      kafka.producer({
        ...PRODUCER_SETTINGS,
        // Finite, unlike the plain producer: a transaction that cannot finish must fail back
        // to the caller, who aborts and retries it whole (recreating the producer when even
        // the abort fails). Unbounded client retries left a transaction pending forever after
        // a broker restart, and its timers kept a stopped process alive.
        retry: { retries: 6, initialRetryTime: 200, maxRetryTime: 5_000 },
        transactionalId: `${prefix}${transactionalId}`,
        transactionTimeout: 60_000,
      });
    let p = create();
    await p.connect();
    // A transaction that could not even be aborted (broker down) leaves the client's
    // transaction state machine stuck. A fresh producer with the same id re-initialises:
    // the broker aborts whatever the old one left open, and the next transaction works.
    let broken = false;
    // One transaction at a time per transactional id: Kafka allows no more, and queuing
    // here keeps callers from having to coordinate.
    let chain: Promise<unknown> = Promise.resolve();
    let closed = false;
    const handle: TransactionalProducer = {
      transaction: <R>(fn: (tx: TransactionScope) => Promise<R>): Promise<R> => {
        const run = async (): Promise<R> => {
          if (broken) {
            await p.disconnect().catch(() => undefined);
            p = create();
            await p.connect();
            broken = false;
          }
          const tx = await p.transaction();
          const sent: { topic: string; type: string }[] = [];
          const sendRaw = async (topic: string, events: readonly OutgoingEvent[]) => {
            await tx.send(await encodeMessages(topic, events));
            for (const e of events) sent.push({ topic, type: e.type });
          };
          try {
            const result = await fn({
              send: (topic, events) => sendRaw(topic, events),
              sendRaw,
              sendBytes: async (physicalTopic, messages) => {
                await tx.send({ topic: physicalTopic, acks: -1, messages: [...messages] });
              },
              commitOffsets: (groupId, offsets) =>
                tx.sendOffsets({
                  consumerGroupId: `${prefix}${groupId}`,
                  topics: groupOffsets(offsets),
                }),
            });
            await tx.commit();
            for (const e of sent) metrics.produced.inc(e);
            return result;
          } catch (err) {
            await tx.abort().catch((abortErr: unknown) => {
              broken = true;
              logger.warn({ err: abortErr, transactionalId }, 'abort failed');
            });
            throw err;
          }
        };
        const next = chain.then(run, run);
        chain = next.catch(() => undefined);
        return next;
      },
      close: async () => {
        if (closed) return;
        closed = true;
        // A transaction stuck on an unreachable broker would hold close (and the process)
        // forever; after a grace period the producer disconnects anyway. The broker aborts
        // the open transaction on its timeout, or the next producer with this id fences it.
        let grace: NodeJS.Timeout | undefined;
        await Promise.race([chain, new Promise((r) => (grace = setTimeout(r, 5000)))]);
        clearTimeout(grace);
        await p.disconnect();
      },
    };
    closers.push(() => handle.close());
    return handle;
  }

  function groupOffsets(offsets: readonly { topic: string; partition: number; offset: string }[]) {
    const byTopic = new Map<string, { partition: number; offset: string }[]>();
    for (const o of offsets) {
      const list = byTopic.get(physical(o.topic)) ?? [];
      list.push({ partition: o.partition, offset: o.offset });
      byTopic.set(physical(o.topic), list);
    }
    return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
  }

  async function toDlq(msg: RawMessage, groupId: string, err: unknown): Promise<void> {
    const code = hasCode(err) ? err.code : 'RT_HANDLER_FAILED';
    if (msg.topic.endsWith('.dlq')) {
      // A DLQ reader that cannot handle a parked message has nowhere further to park it:
      // say so loudly and move on rather than loop.
      metrics.dlq.inc({ topic: msg.topic, group: groupId, code });
      logger.error(
        { err, topic: msg.topic, offset: msg.offset, group: groupId },
        'DLQ message not handled',
      );
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    await rawProducer.send({
      topic: physical(dlqTopicFor(msg.topic)),
      acks: -1,
      messages: [
        {
          key: msg.key,
          value: msg.raw,
          headers: {
            'x-error-code': code,
            'x-error-message': message.slice(0, 1000),
            'x-original-topic': physical(msg.topic),
            'x-original-partition': String(msg.partition),
            'x-original-offset': msg.offset,
            'x-consumer-group': groupId,
            'x-failed-at': new Date().toISOString(),
          },
        },
      ],
    });
    metrics.dlq.inc({ topic: msg.topic, group: groupId, code });
    logger.warn(
      { topic: msg.topic, partition: msg.partition, offset: msg.offset, group: groupId, code, err },
      'message parked in DLQ',
    );
  }

  /**
   * Joins a group and runs `onMessage` for each message. A retriable failure is retried
   * on the same message with exponential backoff (heartbeating, so the group keeps the
   * partition); anything else parks the message in the DLQ and moves on. Either way the
   * offset is committed only after the message was handled or parked.
   */
  async function runConsumer(
    opts: ConsumeOptions<string>,
    onMessage: (msg: RawMessage) => Promise<void>,
  ): Promise<ConsumerHandle> {
    const groupId = `${prefix}${opts.groupId}`;
    for (const t of opts.topics) if (!topicMap[t] && !t.endsWith('.dlq')) settingsOf(t);
    const consumer: Consumer = kafka.consumer({
      groupId,
      sessionTimeout: 30_000,
      // Never see records of aborted or still-open transactions (exactly-once writers).
      readUncommitted: false,
      heartbeatInterval: 3_000,
      retry: { retries: 10 },
    });
    let stopping = false;
    let readyResolve: () => void = () => undefined;
    const ready = new Promise<void>((r) => (readyResolve = r));
    consumer.on(consumer.events.GROUP_JOIN, () => readyResolve());
    await consumer.connect();
    await consumer.subscribe({
      topics: opts.topics.map(physical),
      fromBeginning: opts.fromBeginning ?? true,
    });
    const initial = opts.retryInitialMs ?? 200;
    const max = opts.retryMaxMs ?? 30_000;
    const clog = logger.child({ group: opts.groupId });

    await consumer.run({
      autoCommit: true,
      eachMessage: async (payload) => {
        const { topic, partition, message } = payload;
        const t = logical(topic);
        const msg: RawMessage = {
          topic: t,
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          timestamp: message.timestamp,
          headers: headersToStrings(message.headers),
          raw: message.value,
        };
        const end = metrics.handleSeconds.startTimer({ topic: t, group: opts.groupId });
        let delay = initial;
        for (;;) {
          try {
            await onMessage(msg);
            metrics.consumed.inc({ topic: t, group: opts.groupId });
            end();
            return;
          } catch (err) {
            if (isRetriable(err) && !stopping) {
              const code = hasCode(err) ? err.code : 'UNKNOWN';
              metrics.retries.inc({ topic: t, group: opts.groupId, code });
              clog.warn({ err, topic: t, partition, offset: message.offset, delay }, 'retrying');
              await sleep(delay);
              delay = Math.min(delay * 2, max);
              await payload.heartbeat();
              continue;
            }
            if (isRetriable(err)) {
              // Stopping mid-retry: throw so the offset is NOT committed; the next owner
              // of the partition re-reads this message.
              throw err;
            }
            await toDlq(msg, opts.groupId, err);
            end();
            return;
          }
        }
      },
    });
    const lagEvery = opts.lagIntervalMs ?? 15_000;
    const lagTimer =
      lagEvery > 0
        ? setInterval(() => {
            lag(opts.groupId, opts.topics).catch((err: unknown) =>
              clog.debug({ err }, 'lag measurement failed'),
            );
          }, lagEvery)
        : undefined;
    lagTimer?.unref();
    const handle: ConsumerHandle = {
      ready,
      stop: async () => {
        if (stopping) return;
        stopping = true;
        clearInterval(lagTimer);
        await consumer.disconnect();
      },
    };
    closers.push(() => handle.stop());
    return handle;
  }

  function consumeRaw(
    opts: ConsumeOptions<string>,
    handler: (msg: ConsumedEvent) => Promise<void>,
  ): Promise<ConsumerHandle> {
    return runConsumer(opts, async (msg) => {
      const decoded = await codec.decode(msg.raw);
      if (!settingsOf(msg.topic).records.includes(decoded.recordName)) {
        throw runtimeErrors.error(
          'RT_UNKNOWN_RECORD_TYPE',
          `topic ${msg.topic} does not carry ${decoded.recordName}`,
        );
      }
      await handler({
        ...msg,
        schemaId: decoded.schemaId,
        event: { type: decoded.recordName, value: decoded.value },
      });
    });
  }

  async function readAll(
    topic: string,
    options: { timeoutMs?: number; partitions?: readonly number[] } = {},
  ) {
    settingsOf(topic);
    // The admin client reads the last stable offset (read_committed). A transaction whose
    // commit has returned can still sit above it for a moment: the coordinator writes the
    // commit markers after answering. So the stable end at the start is a floor; the high
    // watermark the first fetch reports is the target, and a partition stuck between the
    // two (a transaction still open) is given up at the floor after READ_ALL_SETTLE_MS.
    const ends = await retrying(() => admin.fetchTopicOffsets(physical(topic)));
    const wanted = options.partitions;
    const floor = new Map(
      ends
        .filter((e) => wanted === undefined || wanted.includes(e.partition))
        .filter((e) => Number(e.high) > Number(e.low))
        .map((e) => [e.partition, Number(e.high)] as const),
    );
    const out: ConsumedEvent[] = [];
    if (floor.size === 0) return out;
    const target = new Map<number, number>();
    const position = new Map<number, number>();
    const endOf = (partition: number): number =>
      Math.max(floor.get(partition) ?? 0, target.get(partition) ?? 0);
    // A throwaway group: nothing is committed, and the group is deleted afterwards.
    const groupId = `${prefix}read-all-${randomUUID()}`;
    const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 250 });
    let finish: () => void = () => undefined;
    const done = new Promise<void>((r) => (finish = r));
    let settled = false;
    const pending = new Set(floor.keys());
    const check = (partition: number): void => {
      if (!pending.has(partition)) return;
      const at = position.get(partition) ?? 0;
      const floorReached = at >= (floor.get(partition) ?? 0);
      if (at >= endOf(partition) || (settled && floorReached)) {
        pending.delete(partition);
        if (pending.size === 0) finish();
      }
    };
    const reached = (partition: number, offset: string): void => {
      position.set(partition, Math.max(position.get(partition) ?? 0, Number(offset) + 1));
      check(partition);
    };
    consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
      if (!target.has(payload.partition)) {
        target.set(payload.partition, Number(payload.highWatermark));
      }
    });
    // On a topic written in transactions the last offset is often a commit marker, which
    // is never delivered as a message; the batch that held it still reports its last
    // offset, so the end is recognised from batches rather than messages alone.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      reached(payload.partition, payload.lastOffset);
    });
    const settle = setTimeout(() => {
      settled = true;
      for (const partition of [...pending]) check(partition);
    }, READ_ALL_SETTLE_MS);
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [physical(topic)], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          if (!pending.has(partition) || Number(message.offset) >= endOf(partition)) return;
          const decoded = await codec.decode(message.value);
          out.push({
            topic,
            partition,
            offset: message.offset,
            key: message.key?.toString() ?? null,
            timestamp: message.timestamp,
            headers: headersToStrings(message.headers),
            raw: message.value,
            schemaId: decoded.schemaId,
            event: { type: decoded.recordName, value: decoded.value },
          });
          reached(partition, message.offset);
        },
      });
      const timeoutMs = options.timeoutMs ?? 60_000;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        done,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                runtimeErrors.error(
                  'RT_KAFKA_UNAVAILABLE',
                  `reading ${topic} did not reach its end within ${timeoutMs} ms`,
                ),
              ),
            timeoutMs,
          );
        }),
      ]).finally(() => clearTimeout(timer));
    } finally {
      clearTimeout(settle);
      await consumer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
    // Per-partition order is the log's; across partitions, by offset order per key is all
    // Kafka promises, which is all a fold keyed by server id needs.
    return out;
  }

  async function lag(groupId: string, names: readonly string[]) {
    const group = `${prefix}${groupId}`;
    const out: { topic: string; partition: number; lag: number }[] = [];
    const committed = await admin.fetchOffsets({ groupId: group, topics: names.map(physical) });
    for (const t of committed) {
      const ends = await retrying(() => admin.fetchTopicOffsets(t.topic));
      for (const p of t.partitions) {
        const end = ends.find((e) => e.partition === p.partition);
        if (!end) continue;
        const high = Number(end.high);
        const low = Number(end.low);
        const at = Number(p.offset) < 0 ? low : Number(p.offset);
        const value = Math.max(0, high - at);
        out.push({ topic: logical(t.topic), partition: p.partition, lag: value });
        metrics.lag.set(
          { topic: logical(t.topic), group: groupId, partition: String(p.partition) },
          value,
        );
      }
    }
    return out;
  }

  let closed = false;
  return {
    codec,
    physical,
    ensureTopics,
    deleteTopics,
    producer,
    transactionalProducer,
    consume: (opts, handler) => consumeRaw(opts, handler as (m: ConsumedEvent) => Promise<void>),
    consumeRaw,
    consumeBytes: runConsumer,
    readAll,
    process: async (opts) => {
      const handle = await startStreamProcessor(
        {
          kafka,
          admin,
          codec,
          logger: options.logger,
          metrics: options.metrics,
          physical,
          logical,
          recordsOf: (t) => settingsOf(t).records,
          ensureTopics,
          transactionalProducer,
          readAll,
        },
        opts,
      );
      closers.push(() => handle.stop());
      return handle;
    },
    sink: async (opts) => {
      const handle = await startSink(
        {
          kafka,
          admin,
          codec,
          logger: options.logger,
          physical,
          logical,
          recordsOf: (t) => settingsOf(t).records,
          ensureTopics,
          toDlq,
          onConsumed: (t, g, n) => metrics.consumed.inc({ topic: t, group: g }, n),
          onRetry: (t, g, code) => metrics.retries.inc({ topic: t, group: g, code }),
        },
        opts,
      );
      closers.push(() => handle.stop());
      return handle;
    },
    offsets: async (topic) => {
      settingsOf(topic);
      const ends = await retrying(() => admin.fetchTopicOffsets(physical(topic)));
      return ends.map((e) => ({ partition: e.partition, low: e.low, high: e.high }));
    },
    lag,
    produceBytes,
    close: async () => {
      if (closed) return;
      closed = true;
      for (const c of closers.reverse()) {
        try {
          await c();
        } catch (err) {
          logger.warn({ err }, 'close failed');
        }
      }
    },
  };
}
