/**
 * Sinks: consumers whose offsets live with the data they write, not in Kafka. The projections
 * into TimescaleDB run on this: each batch's rows and the partition's next offset are written
 * in one database transaction, so after any crash the database says exactly where to resume
 * and nothing is applied twice or skipped (exactly-once into the database, whatever Kafka's
 * committed offsets say).
 *
 * - Assignment: on every group join the sink asks `loadOffsets` where each assigned
 *   partition stands and seeks there (kafkajs drops batches fetched before a seek); batches
 *   are also filtered against those offsets, so a message below them is never written again.
 * - One batch = the messages of one topic-partition that one fetch returned, decoded, in
 *   offset order, handed to `write` with the next offset to store.
 * - Poison (bytes that do not decode, a record type the topic does not carry, or an event
 *   `write` rejects with a non-retriable error) goes to `<topic>.dlq` with the error in its
 *   headers. A rejected batch is retried one event at a time to find the culprit; the events
 *   around it are written. The DLQ write happens before the offset that skips it is stored,
 *   so a crash in between parks the message twice, never loses it.
 * - Retriable failures (database unavailable, registry unreachable) retry the same batch
 *   with exponential backoff, heartbeating so the group keeps the partition.
 * - Kafka's committed offsets are updated after each write, best effort: they only feed the
 *   lag gauge and make the seek after a restart short.
 */
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { hasCode, isRetriable, runtimeErrors } from '../errors.js';
import type { SchemaCodec } from './codec.js';
import { headersToStrings } from './headers.js';
import type { ConsumedEvent, RawMessage } from './seam.js';

export interface SinkBatch {
  /** Logical topic. */
  readonly topic: string;
  readonly partition: number;
  /** Decoded events, in offset order (poison already removed). May be empty. */
  readonly events: readonly ConsumedEvent[];
  /** The offset to resume from once this batch is written: last offset of the batch + 1. */
  readonly nextOffset: string;
}

export interface SinkOptions {
  /** Consumer group (partition assignment and the lag gauge only). */
  readonly groupId: string;
  /** Logical topics. */
  readonly topics: readonly string[];
  /**
   * Where each partition stands in the sink's own store: the next offset to read, or
   * undefined for a partition never written (read from its start).
   */
  loadOffsets(
    partitions: readonly { topic: string; partition: number }[],
  ): Promise<ReadonlyMap<string, string>>;
  /** Writes a batch's effect and its next offset atomically. Throw to reject it. */
  write(batch: SinkBatch): Promise<void>;
  /** Called after each batch was written (progress reporting, metrics). */
  onWritten?: (batch: SinkBatch, ms: number) => void;
  readonly sessionTimeoutMs?: number;
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
  /** Upper bound of one fetch per partition (bytes). Default 1 MiB. */
  readonly maxBytesPerPartition?: number;
}

export interface SinkHandle {
  /** Resolves once the member joined its group and sought its partitions. */
  readonly ready: Promise<void>;
  /** Rejects when the sink cannot go on (the consumer crashed for good). */
  readonly failed: Promise<never>;
  /**
   * Next offset to read per `topic:partition` of this member, as far as it got: what was
   * written, or past a stretch of transaction markers (never handed to `write`).
   */
  positions(): ReadonlyMap<string, bigint>;
  stop(): Promise<void>;
}

export interface SinkDeps {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly codec: SchemaCodec;
  readonly logger: Logger;
  physical(topic: string): string;
  logical(topic: string): string;
  recordsOf(topic: string): readonly string[];
  /** Creates missing topics (and their DLQs), as the stream processor does before subscribing. */
  ensureTopics(topics: readonly string[]): Promise<void>;
  toDlq(msg: RawMessage, groupId: string, err: unknown): Promise<void>;
  onConsumed(topic: string, groupId: string, n: number): void;
  onRetry(topic: string, groupId: string, code: string): void;
}

/** `topic:partition`, the key of `loadOffsets`' answer. */
export const sinkKey = (topic: string, partition: number) => `${topic}:${partition}`;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startSink(deps: SinkDeps, opts: SinkOptions): Promise<SinkHandle> {
  const group = deps.physical(opts.groupId);
  const log = deps.logger.child({ component: 'sink', group: opts.groupId });
  for (const t of opts.topics) deps.recordsOf(t);
  const sessionTimeout = opts.sessionTimeoutMs ?? 30_000;
  const consumer: Consumer = deps.kafka.consumer({
    groupId: group,
    sessionTimeout,
    heartbeatInterval: Math.max(500, Math.floor(sessionTimeout / 5)),
    // kafkajs heartbeats between fetches: an idle fetch must return within the session.
    maxWaitTimeInMs: Math.min(1000, Math.floor(sessionTimeout / 4)),
    maxBytesPerPartition: opts.maxBytesPerPartition ?? 1024 * 1024,
    // A whole fetch may hold a full batch of several partitions.
    maxBytes: Math.max(10 * 1024 * 1024, 4 * (opts.maxBytesPerPartition ?? 0)),
    readUncommitted: false,
    retry: { retries: 10 },
  });
  /** Next offset per `topic:partition` as the sink's store has it (what was written). */
  const floors = new Map<string, bigint>();
  const positions = new Map<string, bigint>();
  let stopping = false;
  let fail: (err: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined);
  const initial = opts.retryInitialMs ?? 200;
  const max = opts.retryMaxMs ?? 30_000;

  let readyResolve: () => void = () => undefined;
  const ready = new Promise<void>((r) => (readyResolve = r));
  // Seeks for a join finish before any batch of it is handled (the batch waits on this).
  let seeking: Promise<void> = Promise.resolve();

  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const assigned: { topic: string; partition: number }[] = [];
    for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
      for (const p of partitions) assigned.push({ topic: deps.logical(topic), partition: p });
    }
    seeking = (async () => {
      const stored = await withRetry('loadOffsets', () => opts.loadOffsets(assigned));
      floors.clear();
      positions.clear();
      const starts = new Map<string, string>();
      for (const topic of new Set(assigned.map((a) => a.topic))) {
        const ends = await withRetry('offsets', () =>
          deps.admin.fetchTopicOffsets(deps.physical(topic)),
        );
        for (const e of ends) starts.set(sinkKey(topic, e.partition), e.low);
      }
      for (const { topic, partition } of assigned) {
        const k = sinkKey(topic, partition);
        // Never written: from the log's start, whatever Kafka's committed offset says (it
        // survives a rebuild, which empties the store).
        const next = stored.get(k) ?? starts.get(k) ?? '0';
        floors.set(k, BigInt(next));
        positions.set(k, BigInt(next));
        consumer.seek({ topic: deps.physical(topic), partition, offset: next });
      }
      // Kafka's committed offsets only feed the lag figures, but they must say what the
      // database says: after a crash they lag behind it, and with nothing new to read no
      // batch would ever commit, so the group showed lag that had long been written.
      await consumer
        .commitOffsets(
          assigned.map(({ topic, partition }) => ({
            topic: deps.physical(topic),
            partition,
            offset: String(positions.get(sinkKey(topic, partition)) ?? 0n),
          })),
        )
        .catch((err: unknown) => log.debug({ err }, 'commit of Kafka offsets failed (harmless)'));
      log.info(
        { partitions: assigned.length, stored: floors.size },
        'partitions assigned, positions loaded',
      );
    })();
    seeking.then(readyResolve, (err: unknown) => {
      if (!stopping) fail(err instanceof Error ? err : new Error(String(err)));
    });
  });

  /** Runs `fn` until it succeeds or fails for good; retriable failures back off. */
  async function withRetry<R>(
    what: string,
    fn: () => Promise<R>,
    heartbeat?: () => Promise<void>,
    topic = '',
  ): Promise<R> {
    let delay = initial;
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        // Our coded errors say whether to retry; kafkajs' own errors carry `retriable` too.
        const retriable =
          isRetriable(err) || (err as { retriable?: unknown } | null)?.retriable === true;
        if (!retriable || stopping) throw err;
        const code = hasCode(err) ? err.code : 'UNKNOWN';
        deps.onRetry(topic, opts.groupId, code);
        log.warn({ err, what, delay }, 'retrying');
        await sleep(delay);
        delay = Math.min(delay * 2, max);
        await heartbeat?.().catch(() => undefined);
      }
    }
  }

  async function handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    await seeking;
    if (!payload.isRunning() || payload.isStale()) return;
    const topic = deps.logical(batch.topic);
    const partition = batch.partition;
    const key = sinkKey(topic, partition);
    const floor = floors.get(key) ?? -1n;
    const fresh = batch.messages.filter((m) => BigInt(m.offset) >= floor);
    const lastOffset = BigInt(batch.lastOffset());
    if (fresh.length === 0) {
      payload.resolveOffset(batch.lastOffset());
      return;
    }
    const heartbeat = () => payload.heartbeat();
    const records = deps.recordsOf(topic);
    const events: ConsumedEvent[] = [];
    for (const m of fresh) {
      const raw: RawMessage = {
        topic,
        partition,
        offset: m.offset,
        key: m.key?.toString() ?? null,
        timestamp: m.timestamp,
        headers: headersToStrings(m.headers),
        raw: m.value,
      };
      try {
        const decoded = await withRetry(
          'decode',
          () => deps.codec.decode(m.value),
          heartbeat,
          topic,
        );
        if (!records.includes(decoded.recordName)) {
          throw runtimeErrors.error(
            'RT_UNKNOWN_RECORD_TYPE',
            `topic ${topic} does not carry ${decoded.recordName}`,
          );
        }
        events.push({
          ...raw,
          schemaId: decoded.schemaId,
          event: { type: decoded.recordName, value: decoded.value },
        });
      } catch (err) {
        if (stopping && isRetriable(err)) return;
        await withRetry('dlq', () => deps.toDlq(raw, opts.groupId, err), heartbeat, topic);
      }
    }
    // The batch's last offset may be a transaction marker past the last message: storing it
    // keeps a restart from re-reading the marker's batch.
    const next = (lastOffset + 1n).toString();
    const whole: SinkBatch = { topic, partition, events, nextOffset: next };
    const started = performance.now();
    try {
      await withRetry('write', () => opts.write(whole), heartbeat, topic);
    } catch (err) {
      if (stopping && isRetriable(err)) return;
      log.warn(
        { err, topic, partition, events: events.length },
        'batch rejected: writing its events one by one',
      );
      await writeOneByOne(whole, heartbeat);
    }
    floors.set(key, BigInt(next));
    positions.set(key, BigInt(next));
    opts.onWritten?.(whole, performance.now() - started);
    deps.onConsumed(topic, opts.groupId, events.length);
    payload.resolveOffset(batch.lastOffset());
    await consumer
      .commitOffsets([{ topic: batch.topic, partition, offset: next }])
      .catch((err: unknown) => log.debug({ err }, 'commit of Kafka offsets failed (harmless)'));
    await heartbeat().catch(() => undefined);
  }

  /** The slow path of a rejected batch: each event alone; a rejected one goes to the DLQ. */
  async function writeOneByOne(batch: SinkBatch, heartbeat: () => Promise<void>): Promise<void> {
    for (const e of batch.events) {
      const single: SinkBatch = {
        topic: batch.topic,
        partition: batch.partition,
        events: [e],
        nextOffset: (BigInt(e.offset) + 1n).toString(),
      };
      try {
        await withRetry('write', () => opts.write(single), heartbeat, batch.topic);
      } catch (err) {
        if (stopping && isRetriable(err)) throw err;
        await withRetry('dlq', () => deps.toDlq(e, opts.groupId, err), heartbeat, batch.topic);
        await withRetry(
          'write',
          () => opts.write({ ...single, events: [] }),
          heartbeat,
          batch.topic,
        );
      }
    }
    await withRetry('write', () => opts.write({ ...batch, events: [] }), heartbeat, batch.topic);
  }

  // Subscribing to a topic that does not exist yet (a fresh broker or prefix) fails.
  await deps.ensureTopics(opts.topics);
  await consumer.connect();
  await consumer.subscribe({
    topics: opts.topics.map((t) => deps.physical(t)),
    fromBeginning: true,
  });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 1,
    eachBatch: async (payload) => {
      try {
        await handleBatch(payload);
      } catch (err) {
        if (stopping) return;
        log.error({ err }, 'sink failed');
        fail(err instanceof Error ? err : new Error(String(err)));
        throw err;
      }
    },
  });
  // A fetch of transaction markers only (or aborted records) never reaches eachBatch: the
  // position moves past them all the same.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.batchSize !== 0) return;
    const key = sinkKey(deps.logical(payload.topic), payload.partition);
    const next = BigInt(payload.lastOffset) + 1n;
    if (next > (positions.get(key) ?? -1n)) positions.set(key, next);
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!stopping && !payload.restart) fail(payload.error);
  });

  return {
    ready,
    failed,
    positions: () => positions,
    stop: async () => {
      if (stopping) return;
      stopping = true;
      await consumer.disconnect().catch(() => undefined);
    },
  };
}
