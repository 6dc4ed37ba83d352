/**
 * Stream processors with partition-local state and exactly-once output: the part of the
 * Kafka seam the stream processors run on. Services give it the input topics, a changelog
 * topic and a per-message handler; the handler reads and writes a key-value store and emits
 * events. Everything else is here:
 *
 * - Co-partitioned assignment: every input topic has the same partition count and is keyed
 *   by server id, so partition p of every input holds the same servers. One member owns
 *   partition p of all inputs (a "task"), and with it the state of those servers.
 * - Read-process-write in one transaction per input batch: the output events, the changed
 *   store entries (to the compacted changelog, on partition p) and the input offsets commit
 *   together or not at all. A crash at any point leaves either all of a batch's effects or
 *   none; the next owner redoes what was not committed, from the state that was.
 * - Zombie fencing: each task writes with the transactional id `<group>.task-<p>`. A new
 *   owner's first (empty) transaction fences the previous owner and makes the broker finish
 *   its open transaction; only then does it restore the store and read the committed input
 *   offsets, and it skips input below them (read by an owner that committed after this
 *   member joined).
 * - Restore: a task's store is rebuilt from changelog partition p, read committed, before its
 *   first message is handled, on start and after every rebalance.
 *
 * A message that cannot be decoded, or whose handler fails with a non-retriable error, goes
 * to the DLQ inside the same transaction (the handler's store writes for it are rolled
 * back); retriable failures abort the transaction and retry the whole batch with backoff.
 */
import {
  AssignerProtocol,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type IHeaders,
  type Kafka,
  type PartitionAssigner,
} from 'kafkajs';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { dlqTopicFor } from '@ipmi-monitor/schemas';
import { hasCode, isRetriable, runtimeErrors } from '../errors.js';
import type { SchemaCodec } from './codec.js';
import { headersToStrings } from './headers.js';
import type { ConsumedEvent, OutgoingEvent, TransactionalProducer } from './seam.js';

/** What a handler sees of its task while it handles one message. */
export interface TaskContext {
  readonly partition: number;
  /** The stored value, or undefined. Values are plain JSON data; do not mutate them. */
  get(key: string): unknown;
  /** Stores a value (JSON-serialisable) for the current message's server; null deletes. */
  put(key: string, value: unknown): void;
  delete(key: string): void;
  /** Events to produce with this message's transaction. */
  emit(topic: string, events: readonly OutgoingEvent[]): void;
}

export interface StreamProcessorOptions {
  /** Consumer group, and the prefix of the tasks' transactional ids. */
  readonly groupId: string;
  /** Input topics (logical), co-partitioned. */
  readonly inputs: readonly string[];
  /** Compacted topic (logical) carrying StateEntrySaved records. */
  readonly changelog: string;
  /**
   * `source` of the changelog records (`streams@<instance>`). Their `store` is the part of
   * each key before its first `/`.
   */
  readonly source: string;
  /** Group session timeout: how long a crashed member holds its partitions (default 10 s). */
  readonly sessionTimeoutMs?: number;
  readonly handle: (ctx: TaskContext, msg: ConsumedEvent) => void | Promise<void>;
  /** Processing time; injectable for tests. */
  readonly now?: () => number;
}

export interface StreamProcessorHandle {
  /** Resolves once the member joined the group and restored the state of its first assignment. */
  readonly ready: Promise<void>;
  /** Partitions this member owns now. */
  assigned(): number[];
  /** Rejects when processing cannot go on here (fenced by another owner, a fatal error). */
  readonly failed: Promise<never>;
  stop(): Promise<void>;
}

/** What the seam lends the processor: its client, codec and naming. */
export interface ProcessorDeps {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly codec: SchemaCodec;
  readonly logger: Logger;
  readonly metrics: Registry | undefined;
  physical(topic: string): string;
  logical(topic: string): string;
  /** Record types a logical topic carries (throws for a topic outside the map). */
  recordsOf(topic: string): readonly string[];
  ensureTopics(topics: readonly string[]): Promise<void>;
  transactionalProducer(transactionalId: string): Promise<TransactionalProducer>;
  /** The seam's readAll: decoded, read committed, from the start to the end as of the call. */
  readAll(
    topic: string,
    options: { timeoutMs?: number; partitions?: readonly number[] },
  ): Promise<ConsumedEvent[]>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Assigns partition p of every subscribed topic to the same member, round robin over the
 * members sorted by id (kafkajs' default spreads topic-partitions independently, which
 * would split one server's inputs across members).
 */
export const coPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: 'IpmiCoPartitioned',
  version: 1,
  assign: ({ members, topics }) => {
    const ids = members.map((m) => m.memberId).sort();
    const plan = new Map<string, Record<string, number[]>>(ids.map((id) => [id, {}]));
    const counts = new Map(
      topics.map((t) => [t, cluster.findTopicPartitionMetadata(t).length] as const),
    );
    const most = Math.max(0, ...counts.values());
    for (let p = 0; p < most; p++) {
      const owner = plan.get(ids[p % ids.length] ?? '');
      if (!owner) continue;
      for (const t of topics) if (p < (counts.get(t) ?? 0)) (owner[t] ??= []).push(p);
    }
    return Promise.resolve(
      ids.map((memberId) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment: plan.get(memberId) ?? {},
          userData: Buffer.alloc(0),
        }),
      })),
    );
  },
  protocol: ({ topics }) => ({
    name: 'IpmiCoPartitioned',
    metadata: AssignerProtocol.MemberMetadata.encode({
      version: 1,
      topics,
      userData: Buffer.alloc(0),
    }),
  }),
});

/** The changelog entry of one key, as kept in memory: the parsed value. */
type Store = Map<string, unknown>;

interface Task {
  readonly partition: number;
  /** Resolves once the task is fenced-in and restored. */
  readonly ready: Promise<void>;
  producer: TransactionalProducer | null;
  store: Store;
  /** Committed offset per input topic, read once after fencing: input below it is done. */
  readonly floor: Map<string, bigint>;
  lost: boolean;
}

/** A pending write: the value (null = delete) and what the changelog record needs. */
interface Write {
  readonly value: unknown;
  readonly serverId: string;
  readonly occurredAt: number;
}

function isFenced(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const type = (e as { type?: string }).type;
    if (type === 'INVALID_PRODUCER_EPOCH' || type === 'PRODUCER_FENCED') return true;
    if (/fenced|older epoch|old epoch/i.test((e as Error).message ?? '')) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

class ProcessorMetrics {
  readonly batches: Counter<'group' | 'outcome'>;
  readonly messages: Counter<'group' | 'topic'>;
  readonly stateWrites: Counter<'group'>;
  readonly batchSeconds: Histogram<'group'>;
  readonly restoreSeconds: Histogram<'group'>;
  readonly partitions: Gauge<'group'>;
  readonly storeKeys: Gauge<'group'>;

  constructor(registry: Registry | undefined) {
    const registers = registry ? [registry] : [];
    this.batches = new Counter({
      name: 'ipmi_streams_transactions_total',
      help: 'Input batches processed in one transaction, by outcome (committed, aborted = retried).',
      labelNames: ['group', 'outcome'],
      registers,
    });
    this.messages = new Counter({
      name: 'ipmi_streams_messages_total',
      help: 'Input messages committed as processed, by input topic.',
      labelNames: ['group', 'topic'],
      registers,
    });
    this.stateWrites = new Counter({
      name: 'ipmi_streams_state_writes_total',
      help: 'State entries written to the changelog.',
      labelNames: ['group'],
      registers,
    });
    this.batchSeconds = new Histogram({
      name: 'ipmi_streams_transaction_seconds',
      help: 'Time to process one input batch, transaction commit included.',
      labelNames: ['group'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.restoreSeconds = new Histogram({
      name: 'ipmi_streams_restore_seconds',
      help: 'Time to fence the previous owner and restore a partition assignment from the changelog.',
      labelNames: ['group'],
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.partitions = new Gauge({
      name: 'ipmi_streams_assigned_partitions',
      help: 'Partitions (tasks) this instance owns.',
      labelNames: ['group'],
      registers,
    });
    this.storeKeys = new Gauge({
      name: 'ipmi_streams_state_keys',
      help: 'State entries held in memory across the owned partitions.',
      labelNames: ['group'],
      registers,
    });
  }
}

const metricsByRegistry = new WeakMap<Registry, ProcessorMetrics>();
function metricsFor(registry: Registry | undefined): ProcessorMetrics {
  if (!registry) return new ProcessorMetrics(undefined);
  let m = metricsByRegistry.get(registry);
  if (!m) {
    m = new ProcessorMetrics(registry);
    metricsByRegistry.set(registry, m);
  }
  return m;
}

export async function startStreamProcessor(
  deps: ProcessorDeps,
  opts: StreamProcessorOptions,
): Promise<StreamProcessorHandle> {
  const log = deps.logger.child({ component: 'stream-processor', group: opts.groupId });
  const metrics = metricsFor(deps.metrics);
  const now = opts.now ?? Date.now;
  const group = deps.physical(opts.groupId);
  for (const t of opts.inputs) deps.recordsOf(t);
  if (!deps.recordsOf(opts.changelog).includes('StateEntrySaved')) {
    throw runtimeErrors.error(
      'RT_UNKNOWN_RECORD_TYPE',
      `${opts.changelog} does not carry StateEntrySaved`,
    );
  }
  await deps.ensureTopics([...opts.inputs, opts.changelog]);

  const tasks = new Map<number, Task>();
  let stopping = false;
  let fail: (err: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined);

  const sessionTimeout = opts.sessionTimeoutMs ?? 10_000;
  const consumer: Consumer = deps.kafka.consumer({
    groupId: group,
    sessionTimeout,
    heartbeatInterval: Math.max(500, Math.floor(sessionTimeout / 5)),
    rebalanceTimeout: 60_000,
    // kafkajs heartbeats between fetches only: an idle fetch must return well within the
    // session timeout, or the member is dropped from the group while it waits for data.
    maxWaitTimeInMs: Math.min(1000, Math.floor(sessionTimeout / 4)),
    readUncommitted: false,
    partitionAssigners: [coPartitionedAssigner],
    retry: { retries: 10 },
  });

  /** Rebuilds the stores of changelog partitions: the latest entry per key wins. */
  async function restore(partitions: readonly number[]): Promise<Map<number, Store>> {
    const stores = new Map<number, Store>(partitions.map((p) => [p, new Map()]));
    const entries = await deps.readAll(opts.changelog, { partitions, timeoutMs: 120_000 });
    for (const m of entries) {
      const store = stores.get(m.partition);
      const entry = m.event.value as { key: string; json: string | null };
      if (!store) continue;
      if (entry.json === null) store.delete(entry.key);
      else store.set(entry.key, JSON.parse(entry.json));
    }
    return stores;
  }

  /** Fences the previous owners of `partitions`, then restores their stores and offsets. */
  function openTasks(partitions: readonly number[]): void {
    const fresh = partitions.filter((p) => !tasks.has(p));
    if (fresh.length === 0) return;
    let start: () => void = () => undefined;
    const gate = new Promise<void>((r) => (start = r));
    const opened = fresh.map((p) => {
      const task: Task = {
        partition: p,
        ready: gate.then(() => ready),
        producer: null,
        store: new Map(),
        floor: new Map(),
        lost: false,
      };
      tasks.set(p, task);
      return task;
    });
    const started = now();
    const ready = (async () => {
      await gate;
      for (const task of opened) {
        if (task.lost) continue;
        const producer = await deps.transactionalProducer(`${opts.groupId}.task-${task.partition}`);
        // The first transaction initialises the producer id: the broker bumps the epoch,
        // fencing the previous owner, and completes whatever transaction it left open.
        await producer.transaction(() => Promise.resolve());
        task.producer = producer;
      }
      const stores = await restore(fresh);
      const committed = await deps.admin.fetchOffsets({
        groupId: group,
        topics: opts.inputs.map((t) => deps.physical(t)),
      });
      for (const task of opened) {
        task.store = stores.get(task.partition) ?? new Map<string, unknown>();
        for (const t of committed) {
          const o = t.partitions.find((x) => x.partition === task.partition)?.offset;
          if (o !== undefined && BigInt(o) >= 0n) task.floor.set(deps.logical(t.topic), BigInt(o));
        }
      }
      metrics.restoreSeconds.observe({ group: opts.groupId }, (now() - started) / 1000);
      updateGauges();
      log.info(
        {
          partitions: fresh,
          keys: opened.reduce((n, t) => n + t.store.size, 0),
          ms: now() - started,
        },
        'partitions restored',
      );
    })();
    ready.catch((err: unknown) => {
      if (!stopping) fail(err instanceof Error ? err : new Error(String(err)));
    });
    start();
  }

  async function closeTasks(partitions: readonly number[]): Promise<void> {
    await Promise.all(
      partitions.map(async (p) => {
        const task = tasks.get(p);
        tasks.delete(p);
        if (!task) return;
        task.lost = true;
        await task.ready.catch(() => undefined);
        await task.producer?.close().catch(() => undefined);
      }),
    );
    updateGauges();
  }

  function updateGauges(): void {
    metrics.partitions.set({ group: opts.groupId }, tasks.size);
    let keys = 0;
    for (const t of tasks.values()) keys += t.store.size;
    metrics.storeKeys.set({ group: opts.groupId }, keys);
  }

  let readyResolve: () => void = () => undefined;
  const ready = new Promise<void>((r) => (readyResolve = r));
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const assigned = new Set<number>();
    for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
      if (opts.inputs.includes(deps.logical(topic))) for (const p of partitions) assigned.add(p);
    }
    const revoked = [...tasks.keys()].filter((p) => !assigned.has(p));
    if (revoked.length > 0) log.info({ partitions: revoked }, 'partitions revoked');
    void closeTasks(revoked);
    openTasks([...assigned].sort((a, b) => a - b));
    void Promise.all([...tasks.values()].map((t) => t.ready)).then(readyResolve, () => undefined);
  });

  async function processBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const resolveOffset = (offset: string) => payload.resolveOffset(offset);
    const heartbeat = () => payload.heartbeat();
    const isRunning = () => payload.isRunning();
    const isStale = () => payload.isStale();
    const topic = deps.logical(batch.topic);
    const partition = batch.partition;
    if (!tasks.has(partition)) openTasks([partition]);
    const task = tasks.get(partition);
    if (!task) return;
    // Restoring can take longer than a session: keep the membership alive meanwhile.
    const beat = setInterval(() => void heartbeat().catch(() => undefined), 500);
    try {
      await task.ready;
    } finally {
      clearInterval(beat);
    }
    if (task.lost || !task.producer || !isRunning() || isStale()) return;
    const floor = task.floor.get(topic) ?? -1n;
    const messages = batch.messages.filter((m) => BigInt(m.offset) >= floor);
    if (messages.length === 0) {
      resolveOffset(batch.lastOffset());
      return;
    }
    const last = messages[messages.length - 1];
    if (!last) return;
    const started = now();
    const producer = task.producer;
    for (let delay = 200; ; delay = Math.min(delay * 2, 10_000)) {
      let writes = new Map<string, Write>();
      try {
        writes = await producer.transaction(async (tx) => {
          const pending = new Map<string, Write>();
          const out = new Map<string, OutgoingEvent[]>();
          const dlq: { key: string | null; value: Buffer | null; headers: IHeaders }[] = [];
          for (const m of messages) {
            const key = m.key?.toString() ?? null;
            const msg: ConsumedEvent = {
              topic,
              partition,
              offset: m.offset,
              key,
              timestamp: m.timestamp,
              headers: headersToStrings(m.headers),
              raw: m.value,
              schemaId: 0,
              event: { type: '', value: undefined },
            };
            // Per-message savepoint: a message that fails leaves no writes or events behind.
            const undo: [string, Write | undefined][] = [];
            const emitted: [string, OutgoingEvent[]][] = [];
            try {
              const decoded = await deps.codec.decode(m.value);
              if (!deps.recordsOf(topic).includes(decoded.recordName)) {
                throw runtimeErrors.error(
                  'RT_UNKNOWN_RECORD_TYPE',
                  `topic ${topic} does not carry ${decoded.recordName}`,
                );
              }
              msg.schemaId = decoded.schemaId;
              msg.event = { type: decoded.recordName, value: decoded.value };
              const value = decoded.value as { serverId?: string; occurredAt?: number };
              const serverId = value.serverId ?? key ?? '';
              const occurredAt = typeof value.occurredAt === 'number' ? value.occurredAt : now();
              const write = (k: string, v: unknown) => {
                undo.push([k, pending.get(k)]);
                pending.set(k, { value: v ?? null, serverId, occurredAt });
              };
              await opts.handle(
                {
                  partition,
                  get: (k) => {
                    const w = pending.get(k);
                    if (w) return w.value === null ? undefined : w.value;
                    return task.store.get(k);
                  },
                  put: write,
                  delete: (k) => write(k, null),
                  emit: (t, events) => emitted.push([t, [...events]]),
                },
                msg,
              );
              for (const [t, events] of emitted) {
                const list = out.get(t) ?? [];
                list.push(...events);
                out.set(t, list);
              }
            } catch (err) {
              if (isRetriable(err)) throw err;
              for (const [k, before] of undo.reverse()) {
                if (before) pending.set(k, before);
                else pending.delete(k);
              }
              const code = hasCode(err) ? err.code : 'RT_HANDLER_FAILED';
              log.warn({ err, topic, partition, offset: m.offset, code }, 'message parked in DLQ');
              dlq.push({
                key,
                value: m.value,
                headers: {
                  'x-error-code': code,
                  'x-error-message': (err instanceof Error ? err.message : String(err)).slice(
                    0,
                    1000,
                  ),
                  'x-original-topic': batch.topic,
                  'x-original-partition': String(partition),
                  'x-original-offset': m.offset,
                  'x-consumer-group': group,
                  'x-failed-at': new Date(now()).toISOString(),
                },
              });
            }
          }
          for (const [t, events] of out) if (events.length > 0) await tx.sendRaw(t, events);
          if (pending.size > 0) {
            const stamp = `${topic}:${partition}:${messages[0]?.offset}-${last.offset}`;
            await tx.sendRaw(
              opts.changelog,
              [...pending].map(([k, w]) => ({
                type: 'StateEntrySaved',
                key: k,
                partition,
                value: {
                  eventId: createHash('sha256')
                    .update(`${k}\u001e${stamp}`)
                    .digest('hex')
                    .slice(0, 32),
                  serverId: w.serverId,
                  occurredAt: w.occurredAt,
                  observedAt: now(),
                  source: opts.source,
                  store: k.split('/')[0] ?? k,
                  key: k,
                  json: w.value === null ? null : JSON.stringify(w.value),
                },
              })),
            );
          }
          if (dlq.length > 0) await tx.sendBytes(deps.physical(dlqTopicFor(topic)), dlq);
          await tx.commitOffsets(opts.groupId, [
            { topic, partition, offset: String(BigInt(last.offset) + 1n) },
          ]);
          return pending;
        });
      } catch (err) {
        metrics.batches.inc({ group: opts.groupId, outcome: 'aborted' });
        if (isFenced(err)) {
          task.lost = true;
          log.error({ err, partition }, 'fenced: another instance owns this partition');
          fail(runtimeErrors.error('RT_KAFKA_FENCED', `partition ${partition} was taken over`));
          return;
        }
        if (stopping || !isRunning()) return;
        log.warn({ err, topic, partition, delay }, 'batch failed; retrying it whole');
        await sleep(delay);
        await heartbeat().catch(() => undefined);
        if (task.lost || isStale()) return;
        continue;
      }
      for (const [k, w] of writes) {
        if (w.value === null) task.store.delete(k);
        else task.store.set(k, w.value);
      }
      task.floor.set(topic, BigInt(last.offset) + 1n);
      resolveOffset(last.offset);
      metrics.batches.inc({ group: opts.groupId, outcome: 'committed' });
      metrics.messages.inc({ group: opts.groupId, topic }, messages.length);
      metrics.stateWrites.inc({ group: opts.groupId }, writes.size);
      metrics.batchSeconds.observe({ group: opts.groupId }, (now() - started) / 1000);
      updateGauges();
      await heartbeat().catch(() => undefined);
      return;
    }
  }

  await consumer.connect();
  await consumer.subscribe({
    topics: opts.inputs.map((t) => deps.physical(t)),
    fromBeginning: true,
  });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async (payload) => {
      try {
        await processBatch(payload);
      } catch (err) {
        if (stopping) return;
        log.error({ err }, 'stream processor failed');
        fail(err instanceof Error ? err : new Error(String(err)));
      }
    },
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!stopping && !payload.restart) fail(payload.error);
  });

  return {
    ready,
    failed,
    assigned: () => [...tasks.keys()].sort((a, b) => a - b),
    stop: async () => {
      if (stopping) return;
      stopping = true;
      await consumer.disconnect().catch(() => undefined);
      await closeTasks([...tasks.keys()]);
    },
  };
}
