/**
 * The API service's variables (besides the database's, the credential store's and the
 * projections' when it hosts them). Declarative: docs/configuration.md is generated from this.
 */
import { defineConfig, type ConfigOf } from '@ipmi-monitor/runtime';

export const apiConfig = defineConfig({
  port: {
    env: 'HTTP_PORT',
    type: 'int',
    default: 8470,
    min: 0,
    doc: 'Port of the API (REST under /api/v1, /health, /metrics, the docs page at /api/v1/docs).',
  },
  host: {
    env: 'HTTP_HOST',
    type: 'string',
    default: '127.0.0.1',
    doc: 'Address the API binds to. `0.0.0.0` to reach it from other machines (put TLS in front).',
  },
  trustProxy: {
    env: 'IPMI_API_TRUST_PROXY',
    type: 'bool',
    default: false,
    doc: "Set when a reverse proxy (TLS) is in front: its X-Forwarded-For then names the client for rate limits and the audit trail. Without a proxy that header would be the client's to forge.",
  },
  metricsAuth: {
    env: 'IPMI_API_METRICS_AUTH',
    type: 'bool',
    default: true,
    doc: 'Whether `/metrics` needs a token like every other route (Prometheus: `authorization: { credentials_file: ... }`). `false` opens it, for a scraper on a trusted network.',
  },
  metricsTokenFile: {
    env: 'IPMI_API_METRICS_TOKEN_FILE',
    type: 'string',
    default: null,
    doc: 'A file holding a bearer token that `/metrics` (and nothing else) accepts: give Prometheus the same file (`authorization: { credentials_file: ... }`), so scraping needs no API user. At least 32 characters.',
  },
  adminCredentialsFile: {
    env: 'IPMI_API_ADMIN_CREDENTIALS_FILE',
    type: 'string',
    default: null,
    doc: 'Where the first start writes the generated admin user and password (mode 0600). Unset: `<IPMI_STATE_DIR>/api/admin-credentials`.',
  },
  rateLimit: {
    env: 'IPMI_API_RATE_LIMIT',
    type: 'int',
    default: 1200,
    min: 1,
    doc: 'Requests per minute one client (token, or address when unauthenticated) may make.',
  },
  loginRateLimit: {
    env: 'IPMI_API_LOGIN_RATE_LIMIT',
    type: 'int',
    default: 10,
    min: 1,
    doc: 'Login attempts per minute from one address: slows password guessing.',
  },
  sessionHours: {
    env: 'IPMI_API_SESSION_HOURS',
    type: 'int',
    default: 12,
    min: 1,
    doc: 'How long a login session token (the web UI) stays valid.',
  },
  serversLimit: {
    env: 'IPMI_SERVERS_LIMIT',
    type: 'int',
    default: 50,
    min: 1,
    doc: 'Servers included in the free tier. A soft limit: more can be added and all are monitored; the API reports the count against it with an upgrade hint.',
  },
  staleSensorMinutes: {
    env: 'IPMI_API_STALE_SENSOR_MINUTES',
    type: 'int',
    default: 15,
    min: 1,
    doc: 'A sensor not read for this long leaves `/metrics` (it was removed from the BMC, or the server is gone or not polled).',
  },
  pipelineLagWarn: {
    env: 'IPMI_API_PIPELINE_LAG_WARN',
    type: 'int',
    default: 5000,
    min: 1,
    doc: '`GET /api/v1/pipeline` reports the projections as lagging (problem `PIPE_PROJECTION_LAG`) when the events they have yet to write into the database exceed this many.',
  },
  withProjections: {
    env: 'IPMI_API_WITH_PROJECTIONS',
    type: 'string',
    default: 'auto',
    doc: '`auto`: run the projections in the API process when the database is the embedded one (only one process may open it); `on` / `off` force it.',
  },
});

export type ApiConfig = ConfigOf<typeof apiConfig>;
