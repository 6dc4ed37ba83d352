/**
 * @ipmi-monitor/streams: the stream processors. So far the pure alert lifecycle
 * (alerts/conditions.ts: input event → observations; alerts/model.ts: observations → alert
 * events); the Kafka loop around it lands separately.
 */
export * from './alerts/conditions.js';
export * from './alerts/model.js';
