/**
 * @ipmi-monitor/streams: the stream processors. Pure deciders (alerts/conditions.ts: input
 * event → observations; alerts/model.ts: observations → alert events) and the process that
 * runs them exactly once over Kafka (service/).
 */
export * from './alerts/conditions.js';
export * from './alerts/model.js';
export * from './insights/model.js';
export { streamsErrors } from './errors.js';
export * from './silences/model.js';
export { streamsConfig, type StreamsConfig } from './service/config.js';
export {
  STREAMS_CHANGELOG,
  STREAMS_INPUTS,
  alertStateKey,
  insightIndexKey,
  createStreamsHandler,
  startStreams,
  type HandlerOptions,
  type StartStreamsOptions,
} from './service/streams.js';
export { runStreamsProcess } from './service/main.js';
