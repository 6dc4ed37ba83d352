/**
 * @ipmi-monitor/api: the results API (fastify). `buildApp` wires routes over given parts;
 * `runApiProcess` is the service (`ipmi-monitor api`).
 */
export { apiErrors, type ApiErrorCode } from './errors.js';
export { apiConfig, type ApiConfig } from './config.js';
export { buildApp, type Access } from './app.js';
export { DEFAULT_SETTINGS, type ApiDeps, type ApiSettings, type ProbeTarget } from './deps.js';
export { AuthStore, ensureFirstAdmin, type Principal, type Role } from './auth/store.js';
export { LiveFeed } from './live.js';
export { runApiProcess } from './service/main.js';
