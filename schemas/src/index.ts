/**
 * @ipmi-monitor/schemas: the event contract. The .avsc files in ../avro are the source of
 * truth; the types and embedded schemas are generated from them (`npm run gen`).
 */
export * from './generated/types.js';
export type {
  AvroArraySchema,
  AvroEnumSchema,
  AvroField,
  AvroLogicalSchema,
  AvroMapSchema,
  AvroPrimitive,
  AvroRecordSchema,
  AvroSchema,
} from './avro.js';
export {
  DEFAULT_PARTITIONS,
  NAMESPACE,
  dlqTopicFor,
  subjectFor,
  topicNames,
  topics,
  type AnyEvent,
  type EventOf,
  type RecordsOf,
  type TopicName,
  type TopicOf,
  type TopicSpec,
} from './topics.js';
export { isRecordName, recordNameOf, topicForRecord } from './records.js';
export { sampleEvents } from './fixtures.js';
