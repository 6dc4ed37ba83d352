/**
 * A real database with data for the API's tests and bench: the projections' known stream
 * (servers, readings with duplicates, SEL, polls, alerts, insights, silences) written through
 * the projections themselves, without Kafka. Not part of the package's API.
 */
import { migrate, type Database } from '@ipmi-monitor/db';
import type { ConsumedEvent } from '@ipmi-monitor/runtime';
import { projectionFor, writeBatch } from '@ipmi-monitor/projections';
import { testLogger } from '@ipmi-monitor/runtime/testing';
// Test helpers of sibling packages, by path: they are not part of their API.
import { openTempDb, type TestDb } from '../../../db/src/testing/temp-db.js';
import { knownFeed, type Feed, type FeedEvent } from '../../../projections/src/testing/feed.js';

export { FEED_T0 } from '../../../projections/src/testing/feed.js';

export const seedLogger = testLogger('api');

/** Writes events through their projections, as the projections service would. */
export async function project(db: Database, events: readonly FeedEvent[]): Promise<void> {
  const byTopic = new Map<string, ConsumedEvent[]>();
  for (const [i, e] of events.entries()) {
    const list = byTopic.get(e.topic) ?? [];
    list.push({
      topic: e.topic,
      partition: 0,
      offset: String(i),
      key: e.value.serverId,
      timestamp: '0',
      schemaId: 0,
      headers: {},
      raw: null,
      event: { type: e.type, value: e.value },
    });
    byTopic.set(e.topic, list);
  }
  for (const [topic, list] of byTopic) {
    const projection = projectionFor(topic);
    if (!projection) throw new Error(`no projection reads ${topic}`);
    await writeBatch(
      db,
      projection,
      { topic, partition: 0, events: list, nextOffset: String(events.length) },
      { bulk: 'copy' },
    );
  }
}

export interface SeededDb extends TestDb {
  feed: Feed;
}

/** A temporary embedded database, migrated, holding `knownFeed(...)`. */
export async function seededDb(servers = 6, sensors = 12, polls = 20): Promise<SeededDb> {
  const t = await openTempDb();
  await migrate(t.db, { logger: seedLogger });
  const feed = knownFeed(servers, sensors, polls);
  await project(t.db, feed.events);
  return { ...t, feed };
}
