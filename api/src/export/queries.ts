/**
 * The exports' reads: async generators that page through a table with keyset queries, one
 * short statement per page, and the CSV they make.
 *
 * Never a transaction or a server-side cursor held for the length of an export: the embedded
 * engine runs one statement at a time and a transaction holds it, so a 10-minute download
 * would stall the projections for 10 minutes. Between two pages the engine is free. The cost
 * is that an export is not one snapshot: rows written while it runs appear if they sort after
 * the page being read, and retention dropping a chunk mid-export removes what was not yet read.
 * Keyset paging (`WHERE (time, ...) > (last row's key) ORDER BY time, ... LIMIT n`) never
 * repeats or skips a row however the pages fall, and with a time window around it (see
 * windowedPages) each page costs about the same whatever its place in the range.
 *
 * Plans (EXPLAIN ANALYZE on the embedded engine, 300k-1M readings): raw readings go through
 * each chunk's Timescale time index (`time >= $1 AND time < $2` as index condition) with an
 * incremental sort on (server, sensor) inside equal times; with a server filter the planner
 * picks a bitmap scan of readings_key (server_id, sensor_id, time) and sorts the window.
 * Aggregates: the materialized hypertable's bucket index (or its server/bucket index with a
 * filter) and the real-time part from the raw time index, both bounded by the window. SEL
 * events: sel_events_time_idx, or sel_events_server_time_idx with a server filter. The
 * sensors join runs on the page's rows only (sensors_pkey).
 *
 * Compressed chunks (older than a day, by 0001's policy) are segmented by server and ordered
 * by sensor, so reading them in time order decompresses every batch the window overlaps, one
 * or two per series: measured on one day of 400 series (576k readings), 20 s compressed
 * against 17 s uncompressed; the overhead grows with the number of series per window.
 */
import type { Queryable } from '@ipmi-monitor/db';
import { csvDocument, isoUtc, type CsvValue } from './csv.js';

/** Rows per query: ~300 KB of CSV, a few tens of ms of the engine per page. */
export const DEFAULT_PAGE_ROWS = 5000;

/** Aggregate resolutions: the continuous aggregates of migration 0002. */
export type Step = '1m' | '1h';

export interface ReadingsExport {
  from: Date;
  /** Exclusive. */
  to: Date;
  /** Empty: every server. */
  serverIds: readonly string[];
  /** Empty: every sensor. */
  sensorIds: readonly string[];
  /** null: raw readings. */
  step: Step | null;
}

export interface EventsExport {
  from: Date;
  /** Exclusive. */
  to: Date;
  serverIds: readonly string[];
  /** INFO, WARNING, CRITICAL, or UNKNOWN for entries without one; empty: all. */
  severities: readonly string[];
}

export interface PageOptions {
  pageRows?: number;
  /** Called with each page's row count, as it is read. */
  onRows?: (rows: number) => void;
}

/**
 * One export's page query. Placeholders: $1 the window's start (inclusive; exact, the last
 * row's time when `after` is given), $2 its end (exclusive), $3 the row limit, then `params`
 * (filters), then the rest of the last row's key when `after(n)` gives its first number.
 */
interface PageQuery<R> {
  sql(after: number | null): string;
  params: readonly unknown[];
  /** The row's time: exact (for the next window's start) and in ms (for window sizes). */
  timeOf(row: R): { exact: unknown; ms: number };
  /** The key after the time (server, sensor / event id). */
  restOf(row: R): readonly unknown[];
  /**
   * Window sizes: the first guess, and the smallest. The smallest is a second for times (not a
   * millisecond: after a page that ended inside one crowded instant, the next windows double
   * from there to the next poll, ~5 queries for 30 s rather than ~15) and a bucket for
   * aggregates. It bounds sizes only: the start stays exact.
   */
  firstWindowMs: number;
  minWindowMs: number;
}

/**
 * Keyset pages inside a moving time window. The key alone (`(time, ...) > last row`) keeps
 * pages exact; the window (`time >= start AND time < end`) keeps each statement's cost near
 * one page whatever plan it gets: without it, a plan that cannot read in key order (the
 * aggregates' UNION of materialized and real-time rows, a bitmap scan for a server filter)
 * reads and sorts every remaining row of the range for each page, quadratic in the range
 * (measured: 0.7 s per 5,000-row page of readings_1m with 300k buckets left, 13 ms with the
 * window). Windows tile the range: a full page continues from its last row in a window
 * sized by the span that page covered; an exhausted window passes to the next one, twice as
 * wide when it held less than half a page (so empty stretches cost a few queries, not one
 * per window).
 */
async function* windowedPages<R extends Record<string, unknown>>(
  db: Queryable,
  q: PageQuery<R>,
  range: { from: Date; to: Date },
  pageRows: number,
): AsyncGenerator<R[], void, undefined> {
  if (!Number.isInteger(pageRows) || pageRows < 1) {
    throw new RangeError(`pageRows must be a positive integer, got ${pageRows}`);
  }
  const toMs = range.to.getTime();
  let start: unknown = range.from;
  let startMs = range.from.getTime();
  let after: readonly unknown[] | null = null;
  let width = q.firstWindowMs;
  while (startMs < toMs) {
    // startMs is the start rounded down to the millisecond and width >= 1 ms: end > start.
    const endMs = Math.min(toMs, startMs + width);
    const params: unknown[] = [start, new Date(endMs), pageRows, ...q.params];
    const restAt = after === null ? null : params.length + 1;
    if (after !== null) params.push(...after);
    const { rows } = await db.query<R>(q.sql(restAt), params);
    if (rows.length > 0) yield rows;
    const first = rows[0];
    const last = rows[rows.length - 1];
    if (rows.length === pageRows && first !== undefined && last !== undefined) {
      const t = q.timeOf(last);
      width = Math.max(q.minWindowMs, t.ms - q.timeOf(first).ms);
      start = t.exact;
      startMs = t.ms;
      after = q.restOf(last);
    } else {
      if (rows.length < pageRows / 2) width = Math.min(width * 2, toMs - startMs);
      start = new Date(endMs);
      startMs = endMs;
      after = null;
    }
  }
}

/** `expr = ANY($n)` for each filter given, numbered after the window and the limit. */
function filters(columns: readonly (readonly [expr: string, values: readonly string[]])[]): {
  where: string;
  params: unknown[];
} {
  const params: unknown[] = [];
  let where = '';
  for (const [expr, values] of columns) {
    if (values.length === 0) continue;
    params.push([...values]);
    where += ` AND ${expr} = ANY($${params.length + 3}::text[])`;
  }
  return { where, params };
}

// The time of a row as the key of the next page must be exact: `Date` keeps milliseconds,
// Postgres microseconds, and a key rounded down would read the rest of its millisecond again.
// So pages carry the sub-millisecond part and the key goes back as ISO text.
const SUB_MS = (column: string) => `(extract(microseconds FROM ${column})::int % 1000)`;

interface RawRow extends Record<string, unknown> {
  time: Date;
  us: number;
  server_id: string;
  sensor_id: string;
  sensor_name: string | null;
  value: number | null;
  unit: string | null;
  state: string | null;
}

interface AggregateRow extends Record<string, unknown> {
  bucket: Date;
  server_id: string;
  sensor_id: string;
  sensor_name: string | null;
  unit: string | null;
  min_value: number | null;
  avg_value: number | null;
  max_value: number | null;
  samples: number;
  last_state: string | null;
}

interface SelRow extends Record<string, unknown> {
  time: Date;
  us: number;
  server_id: string;
  severity: string | null;
  sensor_type: string;
  sensor_name: string | null;
  sensor_id: string | null;
  sensor_number: number | null;
  event_direction: string;
  description: string | null;
  event_data: string | null;
  record_id: number;
  timestamp_basis: string;
  bmc_timestamp_raw: string | null;
  observed_at: Date;
  event_id: string;
  raw_line: string | null;
}

export const RAW_COLUMNS = [
  'time',
  'server_id',
  'sensor_id',
  'sensor_name',
  'value',
  'unit',
  'state',
] as const;

/** `time` is the start of the bucket; `samples` counts readings, null values included. */
export const AGGREGATE_COLUMNS = [
  'time',
  'server_id',
  'sensor_id',
  'sensor_name',
  'unit',
  'min_value',
  'avg_value',
  'max_value',
  'samples',
  'last_state',
] as const;

export const EVENT_COLUMNS = [
  'time',
  'server_id',
  'severity',
  'sensor_type',
  'sensor_name',
  'sensor_id',
  'sensor_number',
  'event_direction',
  'description',
  'event_data',
  'record_id',
  'timestamp_basis',
  'bmc_timestamp_raw',
  'observed_at',
  'event_id',
  'raw_line',
] as const;

const rawCells = (r: RawRow): CsvValue[] => [
  isoUtc(r.time, r.us),
  r.server_id,
  r.sensor_id,
  r.sensor_name,
  r.value,
  r.unit,
  r.state,
];

const aggregateCells = (r: AggregateRow): CsvValue[] => [
  r.bucket,
  r.server_id,
  r.sensor_id,
  r.sensor_name,
  r.unit,
  r.min_value,
  r.avg_value,
  r.max_value,
  r.samples,
  r.last_state,
];

const eventCells = (r: SelRow): CsvValue[] => [
  isoUtc(r.time, r.us),
  r.server_id,
  r.severity,
  r.sensor_type,
  r.sensor_name,
  r.sensor_id,
  r.sensor_number,
  r.event_direction,
  r.description,
  r.event_data,
  r.record_id,
  r.timestamp_basis,
  r.bmc_timestamp_raw,
  r.observed_at,
  r.event_id,
  r.raw_line,
];

const SECOND_MS = 1000;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** Raw readings, by (time, server, sensor): the key of readings_key, so unique. */
export function rawReadingPages(
  db: Queryable,
  q: ReadingsExport,
  pageRows = DEFAULT_PAGE_ROWS,
): AsyncGenerator<RawRow[], void, undefined> {
  const { where, params } = filters([
    ['server_id', q.serverIds],
    ['sensor_id', q.sensorIds],
  ]);
  return windowedPages<RawRow>(
    db,
    {
      params,
      // The sensors join runs on the page's rows only, after the LIMIT.
      sql: (a) => `
        SELECT r.time, ${SUB_MS('r.time')} AS us, r.server_id, r.sensor_id,
               s.name AS sensor_name, r.value, s.unit, r.state
          FROM (SELECT time, server_id, sensor_id, value, state
                  FROM readings
                 WHERE time >= $1::timestamptz AND time < $2${where}${
                   a === null
                     ? ''
                     : ` AND (time, server_id, sensor_id) > ($1::timestamptz, $${a}, $${a + 1})`
                 }
                 ORDER BY time, server_id, sensor_id
                 LIMIT $3) r
          LEFT JOIN sensors s ON s.server_id = r.server_id AND s.sensor_id = r.sensor_id
         ORDER BY r.time, r.server_id, r.sensor_id`,
      timeOf: (r) => ({ exact: isoUtc(r.time, r.us), ms: r.time.getTime() }),
      restOf: (r) => [r.server_id, r.sensor_id],
      firstWindowMs: 10 * MINUTE_MS,
      minWindowMs: SECOND_MS,
    },
    q,
    pageRows,
  );
}

/**
 * Buckets of readings_1m or readings_1h whose start is in [from, to). Buckets are whole
 * minutes or hours, so their `Date` is exact as a key. Both aggregates are real-time: the
 * buckets since the last refresh are computed from raw readings, by the same query.
 */
export function aggregatePages(
  db: Queryable,
  q: ReadingsExport & { step: Step },
  pageRows = DEFAULT_PAGE_ROWS,
): AsyncGenerator<AggregateRow[], void, undefined> {
  const view = q.step === '1m' ? 'readings_1m' : 'readings_1h';
  const bucketMs = q.step === '1m' ? MINUTE_MS : HOUR_MS;
  const { where, params } = filters([
    ['server_id', q.serverIds],
    ['sensor_id', q.sensorIds],
  ]);
  return windowedPages<AggregateRow>(
    db,
    {
      params,
      // numeric and bigint columns cast so they arrive as numbers and print as numbers.
      sql: (a) => `
        SELECT a.bucket, a.server_id, a.sensor_id, s.name AS sensor_name, s.unit,
               a.min_value, a.avg_value, a.max_value, a.samples, a.last_state
          FROM (SELECT bucket, server_id, sensor_id,
                       min_value::float8 AS min_value, avg_value::float8 AS avg_value,
                       max_value::float8 AS max_value, samples::int8 AS samples, last_state
                  FROM ${view}
                 WHERE bucket >= $1::timestamptz AND bucket < $2${where}${
                   a === null
                     ? ''
                     : ` AND (bucket, server_id, sensor_id) > ($1::timestamptz, $${a}, $${a + 1})`
                 }
                 ORDER BY bucket, server_id, sensor_id
                 LIMIT $3) a
          LEFT JOIN sensors s ON s.server_id = a.server_id AND s.sensor_id = a.sensor_id
         ORDER BY a.bucket, a.server_id, a.sensor_id`,
      timeOf: (r) => ({ exact: r.bucket, ms: r.bucket.getTime() }),
      restOf: (r) => [r.server_id, r.sensor_id],
      firstWindowMs: 60 * bucketMs,
      minWindowMs: bucketMs,
    },
    q,
    pageRows,
  );
}

/** SEL entries by (time, event id): the event id is the table's key. */
export function selEventPages(
  db: Queryable,
  q: EventsExport,
  pageRows = DEFAULT_PAGE_ROWS,
): AsyncGenerator<SelRow[], void, undefined> {
  const { where, params } = filters([
    ['server_id', q.serverIds],
    ["coalesce(severity, 'UNKNOWN')", q.severities],
  ]);
  return windowedPages<SelRow>(
    db,
    {
      params,
      sql: (a) => `
        SELECT time, ${SUB_MS('time')} AS us, server_id, severity, sensor_type, sensor_name,
               sensor_id, sensor_number, event_direction, description, event_data, record_id,
               timestamp_basis, bmc_timestamp_raw, observed_at, event_id, raw_line
          FROM sel_events
         WHERE time >= $1::timestamptz AND time < $2${where}${
           a === null ? '' : ` AND (time, event_id) > ($1::timestamptz, $${a})`
         }
         ORDER BY time, event_id
         LIMIT $3`,
      timeOf: (r) => ({ exact: isoUtc(r.time, r.us), ms: r.time.getTime() }),
      restOf: (r) => [r.event_id],
      firstWindowMs: 24 * HOUR_MS,
      minWindowMs: SECOND_MS,
    },
    q,
    pageRows,
  );
}

async function* counted<R>(
  pages: AsyncIterable<readonly R[]>,
  onRows: ((rows: number) => void) | undefined,
): AsyncGenerator<readonly R[], void, undefined> {
  for await (const page of pages) {
    onRows?.(page.length);
    yield page;
  }
}

/** The readings export as CSV text chunks: raw rows, or buckets when a step is given. */
export function readingsCsv(
  db: Queryable,
  q: ReadingsExport,
  options: PageOptions = {},
): AsyncGenerator<string, void, undefined> {
  const { step } = q;
  if (step === null) {
    return csvDocument(
      RAW_COLUMNS,
      counted(rawReadingPages(db, q, options.pageRows), options.onRows),
      rawCells,
    );
  }
  return csvDocument(
    AGGREGATE_COLUMNS,
    counted(aggregatePages(db, { ...q, step }, options.pageRows), options.onRows),
    aggregateCells,
  );
}

export function eventsCsv(
  db: Queryable,
  q: EventsExport,
  options: PageOptions = {},
): AsyncGenerator<string, void, undefined> {
  return csvDocument(
    EVENT_COLUMNS,
    counted(selEventPages(db, q, options.pageRows), options.onRows),
    eventCells,
  );
}
