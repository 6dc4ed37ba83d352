/**
 * The one topic map. Every topic, what it carries and how it is configured lives here; the
 * Kafka seam creates topics from it, producers and consumers are typed by it, and
 * docs/events.md is generated from it.
 */
import type { RecordName, RecordTypes } from './generated/types.js';

/** Avro namespace of every record in this version of the contract. */
export const NAMESPACE = 'io.ipmimonitor.v1';

export interface TopicSpec {
  /** Record types the topic carries (names within NAMESPACE). */
  readonly records: readonly RecordName[];
  readonly partitions: number;
  readonly cleanupPolicy: 'delete' | 'compact';
  /**
   * `retention.ms` of a delete topic. null on compacted topics: the broker default applies and
   * compaction keeps the latest event of every key indefinitely.
   */
  readonly retentionMs: number | null;
  /** Message key: the server id as a plain UTF-8 string (not Avro encoded). */
  readonly key: 'serverId';
  /** One paragraph for docs/events.md. */
  readonly doc: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Every topic gets the same partition count, the small ones included. With the default
 * (murmur2, Java-compatible) partitioner a key lands on `hash(key) % partitions`, so equal
 * counts put one server on the same partition number of every topic: a stream processor can
 * join a server's readings with its configuration from partition-local state, without a
 * repartition topic. Changing it later reshuffles keys, so pick it once per deployment.
 */
export const DEFAULT_PARTITIONS = 6;

export const topics = {
  'ipmi.readings.v1': {
    records: ['SensorReadingRecorded'],
    partitions: DEFAULT_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY_MS,
    key: 'serverId',
    doc: 'Every sensor reading of every poll: the high-volume topic. Retention matches the default raw-readings retention of the database, so a rebuild from the log restores what the database holds by default; raise it together with the database retention.',
  },
  'ipmi.sel.v1': {
    records: ['SelEntryRecorded', 'SelCleared', 'SelOverflowDetected'],
    partitions: DEFAULT_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 365 * DAY_MS,
    key: 'serverId',
    doc: 'System Event Log entries and the life of the SEL itself (cleared, full). Low volume and the primary hardware history, so it is kept for a year. Entries are re-published when a SEL is re-read: deduplicate by eventId.',
  },
  'ipmi.polls.v1': {
    records: ['PollCompleted', 'BmcReachabilityChanged', 'ChassisPowerObserved'],
    partitions: DEFAULT_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY_MS,
    key: 'serverId',
    doc: 'How polling goes: one PollCompleted per poll, reachability changes of each BMC, and chassis power observations. Operational telemetry; current reachability can be rebuilt from the latest polls within the retention.',
  },
  'ipmi.inventory.v1': {
    records: ['InventoryCollected'],
    partitions: DEFAULT_PARTITIONS,
    cleanupPolicy: 'compact',
    retentionMs: null,
    key: 'serverId',
    doc: 'Hardware and firmware identity of each server. Compacted: the latest snapshot per server is kept; history is available only until compaction.',
  },
  'ipmi.servers.v1': {
    records: ['ServerConfigured', 'ServerRemoved'],
    partitions: DEFAULT_PARTITIONS,
    cleanupPolicy: 'compact',
    retentionMs: null,
    key: 'serverId',
    doc: 'The monitored fleet: one ServerConfigured per add or change (the full configuration, never credentials) and ServerRemoved on removal. Compacted: the latest event per server is its current configuration, and ServerRemoved stays as the last value of a removed server (no tombstones).',
  },
  'ipmi.alerts.v1': {
    records: ['AlertRaised', 'AlertUpdated', 'AlertResolved'],
    partitions: DEFAULT_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 365 * DAY_MS,
    key: 'serverId',
    doc: 'Deduplicated alerts with a lifecycle, derived by the stream processors from readings, SEL entries and polls. Every event carries the full state of its alert: the latest event per alertId (highest revision) is the current state.',
  },
  'ipmi.insights.v1': {
    records: ['InsightRaised', 'InsightUpdated', 'InsightClosed'],
    partitions: DEFAULT_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 365 * DAY_MS,
    key: 'serverId',
    doc: 'Trends, predictions and maintenance tasks, derived by the stream processors. Every event carries the full state of its insight: the latest event per insightId (highest revision) is the current state.',
  },
  'ipmi.silences.v1': {
    records: ['SilenceSet', 'SilenceLifted'],
    partitions: DEFAULT_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 365 * DAY_MS,
    key: 'serverId',
    doc: 'Silences set and lifted by operators (through the API or `ipmi-monitor silence`), one event per server a silence covers. The stream processors read it beside their other inputs and mark the alerts a silence covers (`silencedBy`); a silence ends by itself at `endsAt`.',
  },
  'ipmi.cursors.v1': {
    records: ['SelCursorSaved'],
    partitions: DEFAULT_PARTITIONS,
    cleanupPolicy: 'compact',
    retentionMs: null,
    key: 'serverId',
    doc: 'Internal state of the collector: the SEL cursor of each server, written in the same transaction as the SEL events it covers. Compacted: the latest cursor per server is kept. Not part of the public contract; integrations should not depend on it.',
  },
  'ipmi.streamstate.v1': {
    records: ['StateEntrySaved'],
    partitions: DEFAULT_PARTITIONS,
    cleanupPolicy: 'compact',
    retentionMs: null,
    key: 'serverId',
    doc: 'Internal state of the stream processors (open alerts, trend buckets, counters), one entry per key, written in the same transaction as the events and input offsets it goes with; a processor taking over a partition restores from it. Entries are keyed by their own key and placed on the partition of their server explicitly. Compacted. Not part of the public contract; integrations should not depend on it.',
  },
} as const satisfies Record<string, TopicSpec>;

export type TopicName = keyof typeof topics;

/** Record names carried by topic T. */
export type RecordsOf<T extends TopicName> = (typeof topics)[T]['records'][number];

/** A discriminated union of the events topic T carries: `{ type: 'SelCleared', value: SelCleared } | ...`. */
export type EventOf<T extends TopicName> = {
  [R in RecordsOf<T>]: { type: R; value: RecordTypes[R] };
}[RecordsOf<T>];

/** Any event of any topic. */
export type AnyEvent = EventOf<TopicName>;

/** The topic that carries record R (every record type lives on exactly one topic). */
export type TopicOf<R extends RecordName> = {
  [T in TopicName]: R extends RecordsOf<T> ? T : never;
}[TopicName];

/** Topic names in map order. */
export const topicNames = Object.keys(topics) as TopicName[];

/**
 * Schema-registry subject of a record type on a topic: TopicRecordNameStrategy
 * (`<topic>-<fully qualified record name>`), because our topics carry several record types and
 * each type evolves under its own subject. Plain strings, so tests can use throw-away topics
 * (prefixed physical names) and evolved record types.
 */
export function subjectFor(topic: string, recordName: RecordName | (string & {})): string {
  return `${topic}-${NAMESPACE}.${recordName}`;
}

/** Dead-letter topic of a topic: poison messages go there unchanged, the error in headers. */
export function dlqTopicFor(topic: string): string {
  return `${topic}.dlq`;
}
