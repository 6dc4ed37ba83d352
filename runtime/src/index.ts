export * from './errors.js';
export * from './config.js';
export * from './logger.js';
export * from './shutdown.js';
export * from './metrics.js';
export { serveOps, type OpsEndpoint } from './http.js';
export {
  connectSeam,
  type ConsumedEvent,
  type ConsumeOptions,
  type ConsumerHandle,
  type OutgoingEvent,
  type RawMessage,
  type Seam,
  type SeamOptions,
  type TopicSettings,
  type TransactionalProducer,
  type TransactionScope,
  type TypedConsumed,
  type TypedProducer,
} from './kafka/seam.js';
export type {
  StreamProcessorHandle,
  StreamProcessorOptions,
  TaskContext,
} from './kafka/processor.js';
export { sinkKey, type SinkBatch, type SinkHandle, type SinkOptions } from './kafka/sink.js';
export { frame, readFrame, SchemaCodec, type DecodedRecord } from './kafka/codec.js';
