/**
 * The projections: which topics each one reads, which tables it owns, and how a batch of
 * events becomes rows. Every write is idempotent on its own (keyed by event id or by a
 * natural key that names one event), so replaying any stretch of the log changes nothing;
 * the runner adds the offsets in the same transaction, so in normal operation nothing is
 * replayed at all.
 *
 * Each topic belongs to exactly one projection, and each table to exactly one projection:
 * `rebuild <name>` empties that projection's tables and replays its topics, and no other
 * projection's rows are touched.
 */
import { sqlState, type Queryable } from '@ipmi-monitor/db';
import type { ConsumedEvent } from '@ipmi-monitor/runtime';
import type {
  BmcReachabilityChanged,
  ChassisPowerObserved,
  InventoryCollected,
  PollCompleted,
  SelCleared,
  SelEntryRecorded,
  SelOverflowDetected,
  SensorReadingRecorded,
  ServerConfigured,
  ServerRemoved,
  SilenceLifted,
  SilenceSet,
  TopicName,
} from '@ipmi-monitor/schemas';
import {
  ALERT_COLUMNS,
  ALERT_HISTORY_COLUMNS,
  alertHistoryRow,
  alertRow,
  foldRevisions,
  INSIGHT_COLUMNS,
  insightRow,
  INVENTORY_COLUMNS,
  inventoryRow,
  iso,
  LAST_POLL_COLUMNS,
  lastPollRow,
  latestBy,
  latestReadings,
  POLL_COLUMNS,
  pollRow,
  POWER_COLUMNS,
  powerRow,
  REACHABILITY_COLUMNS,
  reachabilityRow,
  READING_COLUMNS,
  readingRow,
  SEL_COLUMNS,
  SEL_LOG_COLUMNS,
  selLogRow,
  selRow,
  SENSOR_COLUMNS,
  sensorRow,
  SERVER_COLUMNS,
  serverRow,
  SILENCE_COLUMNS,
  silenceRow,
  type AlertEvent,
  type InsightEvent,
  type Row,
} from './rows.js';
import { insertRows, updateSet } from './sql.js';

export type ProjectionName =
  'readings' | 'sel' | 'polls' | 'inventory' | 'servers' | 'alerts' | 'insights' | 'silences';

export interface ApplyOptions {
  /**
   * How readings enter the database: `copy` (COPY, falling back to a staging table when the
   * batch repeats readings already stored: the fast path) or `insert` (one INSERT from
   * arrays: for connections that cannot COPY, such as the embedded engine's socket).
   */
  readonly bulk: 'copy' | 'insert';
}

export interface Projection {
  readonly name: ProjectionName;
  readonly topics: readonly TopicName[];
  /** Tables this projection owns: emptied by a rebuild, compared by the rebuild test. */
  readonly tables: readonly string[];
  /** Continuous aggregates over its tables, refreshed after a rebuild. */
  readonly aggregates: readonly string[];
  /** Writes a batch's rows (events of one topic-partition, in log order). */
  apply(tx: Queryable, events: readonly ConsumedEvent[], opts: ApplyOptions): Promise<void>;
}

/** A unique key refused a row (SQLSTATE 23505). */
const isUniqueViolation = (err: unknown) => sqlState(err) === '23505';

/** The events of `type` in a batch, typed. */
function ofType<T>(events: readonly ConsumedEvent[], type: string): T[] {
  const out: T[] = [];
  for (const e of events) if (e.event.type === type) out.push(e.event.value as T);
  return out;
}

// ---------------------------------------------------------------------------------------------

const readings: Projection = {
  name: 'readings',
  topics: ['ipmi.readings.v1'],
  tables: ['readings', 'sensors'],
  aggregates: ['readings_1m', 'readings_1h'],
  async apply(tx, events, opts) {
    const list = ofType<SensorReadingRecorded>(events, 'SensorReadingRecorded');
    if (list.length === 0) return;
    // Every reading of a poll shares its time: format each time once per batch.
    const times = new Map<number, string>();
    const rows = list.map((e) => {
      let t = times.get(e.occurredAt);
      if (t === undefined) times.set(e.occurredAt, (t = iso(e.occurredAt)));
      return readingRow(e, t);
    });
    if (opts.bulk === 'copy') {
      // Fast path: COPY straight into the hypertable. Offsets are stored with the rows, so a
      // reading already in the table only arrives when the log itself holds it twice (a poll
      // re-sent after a collector crash): then the unique key refuses the whole COPY, and
      // the batch goes, from a savepoint, through a staging table that one INSERT ... ON
      // CONFLICT DO NOTHING moves into the hypertable. (ON COMMIT DELETE ROWS empties it; IF
      // NOT EXISTS because a pooled connection may have created it already.)
      await tx.exec('SAVEPOINT readings_copy');
      try {
        await tx.copyRows('readings', READING_COLUMNS, rows);
        await tx.exec('RELEASE SAVEPOINT readings_copy');
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        await tx.exec('ROLLBACK TO SAVEPOINT readings_copy');
        await tx.exec(
          `CREATE TEMP TABLE IF NOT EXISTS readings_in
             (time timestamptz, server_id text, sensor_id text, value double precision, state text)
             ON COMMIT DELETE ROWS`,
        );
        await tx.copyRows('readings_in', READING_COLUMNS, rows);
        await tx.query(
          `INSERT INTO readings (time, server_id, sensor_id, value, state)
           SELECT time, server_id, sensor_id, value, state FROM readings_in
           ON CONFLICT DO NOTHING`,
        );
      }
    } else {
      const cols = READING_COLUMNS.map((_, i) => rows.map((r) => r[i]));
      await tx.query(
        `INSERT INTO readings (time, server_id, sensor_id, value, state)
         SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::float8[], $5::text[])
         ON CONFLICT DO NOTHING`,
        cols,
      );
    }
    // A late reading never replaces a newer one in the current-sensors table. Through a
    // staging table too on the COPY path: binding ~20 parameters per sensor costs the
    // embedded engine more than copying the rows.
    const sensorRows = latestReadings(list).map(sensorRow);
    const upsert = `ON CONFLICT (server_id, sensor_id) DO UPDATE SET ${updateSet(SENSOR_COLUMNS, 2)}
       WHERE sensors.time <= EXCLUDED.time`;
    if (opts.bulk === 'copy') {
      await tx.exec(
        `CREATE TEMP TABLE IF NOT EXISTS sensors_in (LIKE sensors) ON COMMIT DELETE ROWS`,
      );
      await tx.copyRows('sensors_in', SENSOR_COLUMNS, sensorRows);
      await tx.query(
        `INSERT INTO sensors (${SENSOR_COLUMNS.join(', ')})
         SELECT ${SENSOR_COLUMNS.join(', ')} FROM sensors_in ${upsert}`,
      );
    } else {
      await insertRows(tx, 'sensors', SENSOR_COLUMNS, sensorRows, upsert);
    }
  },
};

const sel: Projection = {
  name: 'sel',
  topics: ['ipmi.sel.v1'],
  tables: ['sel_events', 'sel_log_events'],
  aggregates: [],
  async apply(tx, events) {
    await insertRows(
      tx,
      'sel_events',
      SEL_COLUMNS,
      ofType<SelEntryRecorded>(events, 'SelEntryRecorded').map(selRow),
      'ON CONFLICT (event_id) DO NOTHING',
    );
    const life: Row[] = [];
    for (const e of events) {
      if (e.event.type === 'SelCleared' || e.event.type === 'SelOverflowDetected') {
        life.push(selLogRow(e.event.type, e.event.value as SelCleared | SelOverflowDetected));
      }
    }
    await insertRows(tx, 'sel_log_events', SEL_LOG_COLUMNS, life, 'ON CONFLICT DO NOTHING');
  },
};

const polls: Projection = {
  name: 'polls',
  topics: ['ipmi.polls.v1'],
  tables: ['poll_outcomes', 'server_status'],
  aggregates: [],
  async apply(tx, events) {
    const done = ofType<PollCompleted>(events, 'PollCompleted');
    await insertRows(
      tx,
      'poll_outcomes',
      POLL_COLUMNS,
      done.map(pollRow),
      'ON CONFLICT DO NOTHING',
    );
    // Three independent parts of a server's status, each with its own clock: the latest
    // event of each kind wins, a replayed older one changes nothing.
    const latest = <T extends { serverId: string; occurredAt: number }>(xs: T[]) =>
      latestBy(
        xs,
        (x) => x.serverId,
        (a, b) => a.occurredAt >= b.occurredAt,
      );
    await insertRows(
      tx,
      'server_status',
      LAST_POLL_COLUMNS,
      latest(done).map(lastPollRow),
      `ON CONFLICT (server_id) DO UPDATE SET ${updateSet(LAST_POLL_COLUMNS, 1)}
       WHERE server_status.last_poll_at IS NULL
          OR server_status.last_poll_at <= EXCLUDED.last_poll_at`,
    );
    await insertRows(
      tx,
      'server_status',
      REACHABILITY_COLUMNS,
      latest(ofType<BmcReachabilityChanged>(events, 'BmcReachabilityChanged')).map(reachabilityRow),
      `ON CONFLICT (server_id) DO UPDATE SET ${updateSet(REACHABILITY_COLUMNS, 1)}
       WHERE server_status.reachability_since IS NULL
          OR server_status.reachability_since <= EXCLUDED.reachability_since`,
    );
    await insertRows(
      tx,
      'server_status',
      POWER_COLUMNS,
      latest(ofType<ChassisPowerObserved>(events, 'ChassisPowerObserved')).map(powerRow),
      `ON CONFLICT (server_id) DO UPDATE SET ${updateSet(POWER_COLUMNS, 1)}
       WHERE server_status.power_observed_at IS NULL
          OR server_status.power_observed_at <= EXCLUDED.power_observed_at`,
    );
  },
};

const inventory: Projection = {
  name: 'inventory',
  topics: ['ipmi.inventory.v1'],
  tables: ['server_inventory'],
  aggregates: [],
  async apply(tx, events) {
    const list = latestBy(
      ofType<InventoryCollected>(events, 'InventoryCollected'),
      (e) => e.serverId,
      (a, b) => a.occurredAt >= b.occurredAt,
    );
    await insertRows(
      tx,
      'server_inventory',
      INVENTORY_COLUMNS,
      list.map(inventoryRow),
      `ON CONFLICT (server_id) DO UPDATE SET ${updateSet(INVENTORY_COLUMNS, 1)}
       WHERE server_inventory.time <= EXCLUDED.time`,
    );
  },
};

const servers: Projection = {
  name: 'servers',
  topics: ['ipmi.servers.v1'],
  tables: ['servers'],
  aggregates: [],
  async apply(tx, events) {
    // Configuration and removal interleave (removed, then added again): fold per server to
    // its last event, by revision.
    const last = latestBy(
      events.filter((e) => e.event.type === 'ServerConfigured' || e.event.type === 'ServerRemoved'),
      (e) => (e.event.value as ServerConfigured).serverId,
      (a, b) =>
        (a.event.value as { revision: number }).revision >=
        (b.event.value as { revision: number }).revision,
    );
    const configured = last
      .filter((e) => e.event.type === 'ServerConfigured')
      .map((e) => e.event.value as ServerConfigured);
    await insertRows(
      tx,
      'servers',
      SERVER_COLUMNS,
      configured.map(serverRow),
      `ON CONFLICT (server_id) DO UPDATE SET ${updateSet(SERVER_COLUMNS, 1)}
       WHERE servers.revision <= EXCLUDED.revision`,
    );
    for (const e of last) {
      if (e.event.type !== 'ServerRemoved') continue;
      const v = e.event.value as ServerRemoved;
      await tx.query(`DELETE FROM servers WHERE server_id = $1 AND revision <= $2`, [
        v.serverId,
        v.revision,
      ]);
    }
  },
};

const alerts: Projection = {
  name: 'alerts',
  topics: ['ipmi.alerts.v1'],
  tables: ['alerts', 'alert_history'],
  aggregates: [],
  async apply(tx, events) {
    const list = events.map((e) => e.event as AlertEvent);
    await insertRows(
      tx,
      'alert_history',
      ALERT_HISTORY_COLUMNS,
      list.map(alertHistoryRow),
      'ON CONFLICT (event_id) DO NOTHING',
    );
    const current = foldRevisions(list, (e) => e.value.alertId);
    await insertRows(
      tx,
      'alerts',
      ALERT_COLUMNS,
      current.map((c) => alertRow(c.event, c.earliest)),
      `ON CONFLICT (alert_id) DO UPDATE SET ${updateSet(ALERT_COLUMNS, 1, ['raised_at'])},
         raised_at = LEAST(alerts.raised_at, EXCLUDED.raised_at)
       WHERE alerts.revision <= EXCLUDED.revision`,
    );
  },
};

const insights: Projection = {
  name: 'insights',
  topics: ['ipmi.insights.v1'],
  tables: ['insights'],
  aggregates: [],
  async apply(tx, events) {
    const current = foldRevisions(
      events.map((e) => e.event as InsightEvent),
      (e) => e.value.insightId,
    );
    await insertRows(
      tx,
      'insights',
      INSIGHT_COLUMNS,
      current.map((c) => insightRow(c.event, c.earliest)),
      `ON CONFLICT (insight_id) DO UPDATE SET ${updateSet(INSIGHT_COLUMNS, 1, ['raised_at'])},
         raised_at = LEAST(insights.raised_at, EXCLUDED.raised_at)
       WHERE insights.revision <= EXCLUDED.revision`,
    );
  },
};

const silences: Projection = {
  name: 'silences',
  topics: ['ipmi.silences.v1'],
  tables: ['silences'],
  aggregates: [],
  async apply(tx, events) {
    // A silence is set once and lifted at most once; both are idempotent as written.
    const set = ofType<SilenceSet>(events, 'SilenceSet');
    await insertRows(
      tx,
      'silences',
      SILENCE_COLUMNS,
      latestBy(
        set,
        (s) => `${s.silenceId}\u0000${s.serverId}`,
        () => true,
      ).map(silenceRow),
      'ON CONFLICT (silence_id, server_id) DO NOTHING',
    );
    for (const l of ofType<SilenceLifted>(events, 'SilenceLifted')) {
      await tx.query(
        `UPDATE silences SET lifted_at = $3, lifted_by = $4
          WHERE silence_id = $1 AND server_id = $2 AND lifted_at IS NULL`,
        [l.silenceId, l.serverId, iso(l.occurredAt), l.liftedBy],
      );
    }
  },
};

export const projections: readonly Projection[] = [
  readings,
  sel,
  polls,
  inventory,
  servers,
  alerts,
  insights,
  silences,
];

export const projectionNames = projections.map((p) => p.name);

export function projectionFor(topic: string): Projection | undefined {
  return projections.find((p) => (p.topics as readonly string[]).includes(topic));
}

export function projectionNamed(name: string): Projection | undefined {
  return projections.find((p) => p.name === name);
}
