import { defineConfig } from '@ipmi-monitor/runtime';

/**
 * The variables that choose the database, for the services that use it:
 * `openDatabase({ url: c.databaseUrl, dataDir: c.dataDir, logger })`.
 */
export const dbConfig = defineConfig({
  databaseUrl: {
    env: 'DATABASE_URL',
    type: 'string',
    default: null,
    secret: true,
    doc: 'postgres:// URL of a TimescaleDB server (production). Unset: the embedded database.',
  },
  dataDir: {
    env: 'IPMI_DATA_DIR',
    type: 'string',
    default: '.state/db',
    doc: 'Data directory of the embedded database (used when DATABASE_URL is unset).',
  },
});
