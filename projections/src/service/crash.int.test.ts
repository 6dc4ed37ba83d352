/**
 * The projections process (`ipmi-monitor projections`, as shipped) killed with SIGKILL in the
 * middle of its work, several times, then left to finish: the database must end exactly as
 * an uninterrupted run leaves it. Between kills the test opens the database itself (the dead
 * owner's lock is taken over) to check that work was still pending when the kill came, so
 * the kills really hit a projection mid-stream.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { migrate, openDatabase } from '@ipmi-monitor/db';
import { connectSeam, type Seam } from '@ipmi-monitor/runtime';
import { eventually, stackEnv, testLogger, testPrefix } from '@ipmi-monitor/runtime/testing';
import { topicNames } from '@ipmi-monitor/schemas';

import { tempDir } from '../../../db/src/testing/temp-db.js';
import { projections } from '../projections.js';
import { startProjections as runProjections } from '../runner.js';
import { byTopic, knownFeed, readings } from '../testing/feed.js';
import { dumpTables, waitCaughtUp } from '../testing/db.js';

const main = new URL('../../../cli/src/main.ts', import.meta.url).pathname;
const logger = testLogger('projections-crash');
const logDir = join(process.cwd(), '.state', 'test-logs');
mkdirSync(logDir, { recursive: true });
const prefix = testPrefix();
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

let seam: Seam;
let dir: { dir: string; remove: () => Promise<void> };

function startProjections(): { child: ChildProcess; ready: Promise<void>; exited: Promise<void> } {
  const child = spawn(
    process.execPath,
    ['--conditions=ipmi-source', '--import', 'tsx', main, 'projections'],
    {
      env: {
        ...process.env,
        IPMI_TOPIC_PREFIX: prefix,
        IPMI_DATA_DIR: dir.dir,
        HTTP_PORT: '0',
        LOG_LEVEL: 'info',
        // The policy jobs run 5 s after each start (compression of the older chunks mid-
        // stream is welcome), but the feed's readings are days old: retention must not drop
        // what the clean run keeps.
        IPMI_READINGS_RETENTION: '3650 days',
        IPMI_POLL_OUTCOMES_RETENTION: '3650 days',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(child);
  const log = createWriteStream(join(logDir, 'projections-crash-child.log'), { flags: 'a' });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('projections ready')) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`projections exited early (${code}): ${out.slice(-2000)}`)),
    );
  });
  ready.catch(() => undefined);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  exited.finally(() => children.delete(child)).catch(() => undefined);
  return { child, ready, exited };
}

/** Sum of stored offsets and the total to reach, read with the database closed again. */
async function progress(): Promise<{ stored: bigint; total: bigint }> {
  const db = await openDatabase({ dataDir: dir.dir, logger });
  try {
    const { rows } = await db.query<{ s: string | null }>(
      `SELECT sum(next_offset)::text AS s FROM projection_offsets`,
    );
    let total = 0n;
    for (const p of projections) {
      for (const t of p.topics) for (const o of await seam.offsets(t)) total += BigInt(o.high);
    }
    return { stored: BigInt(rows[0]?.s ?? '0'), total };
  } finally {
    await db.close();
  }
}

before(async () => {
  dir = await tempDir('ipmi-prj-crash-');
  seam = await connectSeam({
    ...stackEnv(),
    clientId: 'prj-crash-test',
    logger,
    topicPrefix: prefix,
  });
  await seam.ensureTopics(topicNames);
  const producer = await seam.producer();
  for (const [topic, events] of byTopic(knownFeed().events)) await producer.sendRaw(topic, events);
  // The bulk: 60,000 readings (40 servers × 30 sensors × 50 polls), a few seconds of work.
  const batch: { type: string; value: unknown }[] = [];
  for (const r of readings({
    servers: 40,
    sensors: 30,
    polls: 50,
    from: Date.parse('2026-11-25T00:00:00Z'),
  })) {
    batch.push({ type: 'SensorReadingRecorded', value: r });
    if (batch.length === 5000) await producer.sendRaw('ipmi.readings.v1', batch.splice(0));
  }
  if (batch.length) await producer.sendRaw('ipmi.readings.v1', batch.splice(0));
});

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await seam?.deleteTopics(topicNames).catch(() => undefined);
  await seam?.close();
  await dir?.remove();
});

test('killed with SIGKILL mid-stream 5 times: the same final tables as one clean run', async () => {
  const kills: { stored: bigint; total: bigint }[] = [];
  for (let k = 0; k < 5; k++) {
    const p = startProjections();
    await p.ready;
    // Into the stream: a different point each time.
    await new Promise((r) => setTimeout(r, 300 + k * 350));
    p.child.kill('SIGKILL');
    await p.exited;
    kills.push(await progress());
  }
  const pending = kills.filter((k) => k.stored < k.total).length;
  assert.ok(
    pending >= 3,
    `kills with work still pending: ${pending} of 5 (${JSON.stringify(kills.map((k) => `${k.stored}/${k.total}`))})`,
  );
  // Progress was kept across kills (stored offsets never go back).
  for (let i = 1; i < kills.length; i++) {
    assert.ok((kills[i]?.stored ?? 0n) >= (kills[i - 1]?.stored ?? 0n), 'offsets went back');
  }

  // Now let it finish (its Kafka group's lag reaches 0: the sink commits there after each
  // database commit), stop it gracefully, and compare with a clean run into a fresh database.
  const last = startProjections();
  await last.ready;
  const topics = projections.flatMap((p) => p.topics);
  await eventually(
    async () =>
      (await seam.lag('projections', topics)).every((l) => l.lag === 0) ? true : undefined,
    { timeoutMs: 120_000, intervalMs: 500, what: 'the projections to catch up' },
  );
  last.child.kill('SIGTERM');
  await last.exited;
  const end = await progress();
  assert.ok(end.stored >= end.total, `stored ${end.stored} of ${end.total}`);
  const db = await openDatabase({ dataDir: dir.dir, logger });
  const clean = await tempDir('ipmi-prj-clean-');
  const reference = await openDatabase({ dataDir: clean.dir, logger });
  try {
    await migrate(reference, { logger });
    const handle = await runProjections({
      seam,
      db: reference,
      logger,
      projections,
      groupId: 'reference',
      apply: { bulk: 'copy' },
    });
    await handle.ready;
    await waitCaughtUp(reference, seam, projections, 120_000);
    await handle.stop();
    const tables = projections.flatMap((p) => p.tables);
    const got = await dumpTables(db, tables);
    const want = await dumpTables(reference, tables);
    for (const t of tables) {
      assert.equal(
        got[t]?.length,
        want[t]?.length,
        `${t}: ${got[t]?.length} rows after the kills, ${want[t]?.length} in the clean run`,
      );
      assert.deepEqual(got[t], want[t], `${t} differs from the clean run`);
    }
    assert.equal(want.readings?.length, 60_000 + 6 * 12 * 20);
  } finally {
    await db.close();
    await reference.close();
    await clean.remove();
  }
});
