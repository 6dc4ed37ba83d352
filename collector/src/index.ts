/**
 * @ipmi-monitor/collector: the poll service (service/: scheduler → drivers → parsers →
 * events → one Kafka transaction per round) and each of its parts on its own.
 */
export { collectorErrors, type CollectorErrorCode } from './errors.js';
export { configErrors } from './errors-config.js';
export * from './drivers/index.js';
export * from './sel/model.js';
export * from './events/model.js';
export * from './schedule/model.js';
export { scheduleConfig, loadSchedulerConfig, schedulerConfigFrom } from './schedule/config.js';
export { seededRandom } from './schedule/random.js';
export { CredentialStore } from './credentials/store.js';
export { credentialsConfig } from './credentials/config.js';
export { loadSecretKeys, generateKey } from './credentials/key.js';
export * from './servers/import.js';
export * from './servers/registry.js';
export * from './servers/plan.js';
export { SERVER_ID_PATTERN, bmcKey, serverEventId } from './servers/ids.js';
export {
  importServers,
  type ImportServersOptions,
  type ImportServersReport,
} from './servers/handler.js';
export { credentialsFilePath } from './credentials/config.js';
export * from './poll/model.js';
export {
  startCollector,
  COLLECTOR_TOPICS,
  type CollectorOptions,
  type CollectorStats,
  type RunningCollector,
} from './service/collector.js';
export { collectorConfig, type CollectorConfig } from './service/config.js';
export { runCollectorProcess } from './service/main.js';
