/**
 * Prepares a running local stack for the services: creates every topic of the contract
 * (with its DLQ), sets the registry's default compatibility to BACKWARD and registers
 * every schema under its subject, and migrates the embedded TimescaleDB. Idempotent.
 */
import { join } from 'node:path';
import { subjectFor, topics } from '@ipmi-monitor/schemas';
import { commonConfig, connectSeam, createLogger, parseConfig } from '@ipmi-monitor/runtime';
import { migrate, openDatabase } from '@ipmi-monitor/db';

const repo = new URL('../../', import.meta.url).pathname;
const config = parseConfig(commonConfig);
const logger = createLogger({ name: 'init', level: config.logLevel });
const dataDir = process.env.IPMI_DATA_DIR ?? join(repo, '.state', 'db');

const seam = await connectSeam({
  brokers: config.kafkaBrokers,
  registryUrl: config.registryUrl,
  clientId: 'ipmi-init',
  logger,
  topicPrefix: config.topicPrefix,
});
try {
  await seam.ensureTopics();
  await seam.codec.setGlobalCompatibility('BACKWARD');
  let subjects = 0;
  for (const [topic, spec] of Object.entries(topics)) {
    for (const record of spec.records) {
      await seam.codec.register(subjectFor(seam.physical(topic), record), record);
      subjects++;
    }
  }
  console.log(
    `topics: ${Object.keys(topics).length} (+ a .dlq each), schemas registered: ${subjects}`,
  );
} finally {
  await seam.close();
}

const db = await openDatabase({ dataDir, logger });
try {
  const applied = await migrate(db);
  console.log(`database: embedded TimescaleDB at ${dataDir} (${applied.length} new migration(s))`);
} finally {
  await db.close();
}
console.log(`kafka: ${config.kafkaBrokers.join(',')}   registry: ${config.registryUrl}`);
console.log('stop everything with: npm stop');
