/**
 * Child process for the lock tests: opens the data directory given as argv[2] and reports
 * on stdout as one JSON line: {"opened":true} (then, with argv[3] === 'hold', inserts a
 * marker row and waits to be killed) or {"opened":false,"code":"DB_LOCKED"}.
 */
import { openDatabase } from '../open.js';
import { migrate } from '../migrate.js';
import { logger } from './temp-db.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: open-child.ts <dataDir> [hold]');
try {
  const db = await openDatabase({ dataDir: dir, logger });
  if (process.argv[3] === 'hold') {
    await migrate(db);
    await db.query(
      `INSERT INTO projection_offsets (consumer, topic, partition, next_offset) VALUES ('child', 't', 0, 42)`,
    );
    process.stdout.write(`${JSON.stringify({ opened: true, pid: process.pid })}\n`);
    setInterval(() => undefined, 1_000); // hold the lock until killed
  } else {
    process.stdout.write(`${JSON.stringify({ opened: true, pid: process.pid })}\n`);
    await db.close();
  }
} catch (err) {
  process.stdout.write(
    `${JSON.stringify({ opened: false, code: (err as { code?: string }).code, message: (err as Error).message })}\n`,
  );
  process.exitCode = 1;
}
