import type { Database, DatabaseConfig } from './database.js';
import { openEmbedded } from './embedded.js';
import { dbErrors } from './errors.js';
import { openPostgres } from './postgres.js';

/**
 * Opens the database: the external TimescaleDB server when `url` is set (DATABASE_URL),
 * otherwise the embedded engine on `dataDir`. Either way TimescaleDB is verified active
 * before this resolves (DB_TIMESCALE_MISSING otherwise). Run `migrate(db)` next.
 */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  const logger = config.logger.child({ component: 'db' });
  if (config.url) {
    if (config.dataDir) logger.info('both a URL and a data directory are set: using the URL');
    return openPostgres(config.url, logger, config.maxConnections);
  }
  if (config.dataDir) return openEmbedded(config.dataDir, logger);
  throw dbErrors.error(
    'DB_CONFIG_INVALID',
    'no database configured: set a URL (DATABASE_URL) or an embedded data directory',
  );
}
