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
 * repeats or skips a row however the pages fall, and page 1000 costs what page 1 costs.
 *
 * Plans (EXPLAIN ANALYZE on the embedded engine, 1M readings): raw readings are read through
 * each chunk's Timescale time index (backward scan, the key as index condition) with an
 * incremental sort on (server, sensor) inside equal times; with a server or sensor filter
 * the planner may pick readings_key (server_id, sensor_id, time) instead. The sensors join
 * runs on the page only (sensors_pkey, memoized). SEL events use sel_events_time_idx or
 * sel_events_server_time_idx.
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

interface Page {
  /** The statement for one page; `cursor` is the first placeholder of the key, if any. */
  sql(cursor: number | null): string;
  params: readonly unknown[];
  /** The last row's key, as parameters for the next page. */
  keyOf(row: Record<string, unknown>): readonly unknown[];
}

async function* keysetPages<R extends Record<string, unknown>>(
  db: Queryable,
  page: Page,
  pageRows: number,
): AsyncGenerator<R[], void, undefined> {
  if (!Number.isInteger(pageRows) || pageRows < 1) {
    throw new RangeError(`pageRows must be a positive integer, got ${pageRows}`);
  }
  let key: readonly unknown[] | null = null;
  for (;;) {
    const params: unknown[] = [...page.params, pageRows];
    const cursor = key === null ? null : params.length + 1;
    if (key !== null) params.push(...key);
    const { rows } = await db.query<R>(page.sql(cursor), params);
    if (rows.length > 0) yield rows;
    const last = rows[rows.length - 1];
    if (rows.length < pageRows || last === undefined) return;
    key = page.keyOf(last);
  }
}

/** `expr = ANY($n)` for each filter given, numbered after the range's $1 and $2. */
function filters(
  columns: readonly (readonly [expr: string, values: readonly string[]])[],
  base: readonly unknown[],
): { where: string; params: unknown[] } {
  const params = [...base];
  let where = '';
  for (const [expr, values] of columns) {
    if (values.length === 0) continue;
    params.push([...values]);
    where += ` AND ${expr} = ANY($${params.length}::text[])`;
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

/** Raw readings, by (time, server, sensor): the key of readings_key, so unique. */
export function rawReadingPages(
  db: Queryable,
  q: ReadingsExport,
  pageRows = DEFAULT_PAGE_ROWS,
): AsyncGenerator<RawRow[], void, undefined> {
  const { where, params } = filters(
    [
      ['server_id', q.serverIds],
      ['sensor_id', q.sensorIds],
    ],
    [q.from, q.to],
  );
  const limit = params.length + 1;
  return keysetPages<RawRow>(
    db,
    {
      params,
      // `time >= key` beside the row comparison: Timescale excludes chunks by plain bounds
      // on the time column only, and the index scan starts there.
      sql: (c) => `
        SELECT r.time, ${SUB_MS('r.time')} AS us, r.server_id, r.sensor_id,
               s.name AS sensor_name, r.value, s.unit, r.state
          FROM (SELECT time, server_id, sensor_id, value, state
                  FROM readings
                 WHERE time >= $1 AND time < $2${where}${
                   c === null
                     ? ''
                     : ` AND time >= $${c}::timestamptz
                         AND (time, server_id, sensor_id) > ($${c}::timestamptz, $${c + 1}, $${c + 2})`
                 }
                 ORDER BY time, server_id, sensor_id
                 LIMIT $${limit}) r
          LEFT JOIN sensors s ON s.server_id = r.server_id AND s.sensor_id = r.sensor_id
         ORDER BY r.time, r.server_id, r.sensor_id`,
      keyOf: (row) => {
        const r = row as RawRow;
        return [isoUtc(r.time, r.us), r.server_id, r.sensor_id];
      },
    },
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
  const { where, params } = filters(
    [
      ['server_id', q.serverIds],
      ['sensor_id', q.sensorIds],
    ],
    [q.from, q.to],
  );
  const limit = params.length + 1;
  return keysetPages<AggregateRow>(
    db,
    {
      params,
      // numeric and bigint columns cast so they arrive as numbers and print as numbers.
      sql: (c) => `
        SELECT a.bucket, a.server_id, a.sensor_id, s.name AS sensor_name, s.unit,
               a.min_value, a.avg_value, a.max_value, a.samples, a.last_state
          FROM (SELECT bucket, server_id, sensor_id,
                       min_value::float8 AS min_value, avg_value::float8 AS avg_value,
                       max_value::float8 AS max_value, samples::int8 AS samples, last_state
                  FROM ${view}
                 WHERE bucket >= $1 AND bucket < $2${where}${
                   c === null
                     ? ''
                     : ` AND bucket >= $${c}
                         AND (bucket, server_id, sensor_id) > ($${c}, $${c + 1}, $${c + 2})`
                 }
                 ORDER BY bucket, server_id, sensor_id
                 LIMIT $${limit}) a
          LEFT JOIN sensors s ON s.server_id = a.server_id AND s.sensor_id = a.sensor_id
         ORDER BY a.bucket, a.server_id, a.sensor_id`,
      keyOf: (row) => {
        const r = row as AggregateRow;
        return [r.bucket, r.server_id, r.sensor_id];
      },
    },
    pageRows,
  );
}

/** SEL entries by (time, event id): the event id is the table's key. */
export function selEventPages(
  db: Queryable,
  q: EventsExport,
  pageRows = DEFAULT_PAGE_ROWS,
): AsyncGenerator<SelRow[], void, undefined> {
  const { where, params } = filters(
    [
      ['server_id', q.serverIds],
      ["coalesce(severity, 'UNKNOWN')", q.severities],
    ],
    [q.from, q.to],
  );
  const limit = params.length + 1;
  return keysetPages<SelRow>(
    db,
    {
      params,
      sql: (c) => `
        SELECT time, ${SUB_MS('time')} AS us, server_id, severity, sensor_type, sensor_name,
               sensor_id, sensor_number, event_direction, description, event_data, record_id,
               timestamp_basis, bmc_timestamp_raw, observed_at, event_id, raw_line
          FROM sel_events
         WHERE time >= $1 AND time < $2${where}${
           c === null
             ? ''
             : ` AND time >= $${c}::timestamptz AND (time, event_id) > ($${c}::timestamptz, $${c + 1})`
         }
         ORDER BY time, event_id
         LIMIT $${limit}`,
      keyOf: (row) => {
        const r = row as SelRow;
        return [isoUtc(r.time, r.us), r.event_id];
      },
    },
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
