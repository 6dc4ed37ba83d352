/**
 * CSV export of readings (raw or per-minute/per-hour aggregates) and SEL events, streamed:
 * one page of rows is read from the database only when the client has taken the previous
 * one, so memory stays the same whatever the range and a slow client slows the export, not
 * the server.
 *
 * How a client tells a complete file from a broken one. A failure before the first row (bad
 * parameters, database down) is an ordinary error response (RFC 9457 problem document). A
 * failure after the first bytes cannot change the status any more, so the connection is cut
 * without the chunked encoding's final zero-length chunk: every HTTP client reports that as
 * an error (curl exits with 18 "transfer closed with outstanding read data remaining", Node's
 * `res.complete` stays false, Python's requests raises ChunkedEncodingError). A complete
 * response also ends with the HTTP trailer `X-Export-Rows: <data rows>`, for clients that
 * read trailers; a broken one never has it. Nothing is appended to the CSV itself: a marker
 * line would become a bogus row in every spreadsheet.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ApiDeps } from '../deps.js';
import { apiErrors } from '../errors.js';
import {
  eventsCsv,
  readingsCsv,
  type EventsExport,
  type ReadingsExport,
  type Step,
} from '../export/queries.js';
import { parseRange, parseStep } from './fleet.js';

const ROWS_TRAILER = 'x-export-rows';

export interface ExportOptions {
  /** Rows per database query (tests use small pages to put page boundaries in odd places). */
  pageRows?: number;
}

const listOf = (description: string) =>
  ({
    type: 'array',
    items: { type: 'string', minLength: 1, maxLength: 200 },
    maxItems: 500,
    description,
  }) as const;

const range = {
  from: {
    type: 'string',
    description:
      'ISO-8601 start, inclusive (e.g. `2026-11-20T00:00:00Z`); default: 24 h before `to`.',
  },
  to: { type: 'string', description: 'ISO-8601 end, exclusive; default: now.' },
} as const;

const serverId = listOf('Only these servers: repeat the parameter or give a comma list.');

const readingsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    serverId,
    sensor: listOf('Only these sensor ids (`sensorId` of the readings); repeat for several.'),
    ...range,
    step: {
      type: 'string',
      description:
        'Absent: raw readings. `1m` (or `60`, `60s`) / `1h` (or `3600`, `60m`): per-minute or per-hour buckets (min, avg, max) whose start is in the range.',
    },
  },
} as const;

/** As the events list takes them; UNKNOWN selects entries without a severity. */
const SEVERITIES = ['INFO', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;

const eventsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    serverId,
    severity: {
      type: 'array',
      items: { type: 'string', enum: [...SEVERITIES] },
      description: 'Only these severities; repeat for several. Default: all.',
    },
    ...range,
  },
} as const;

// For the OpenAPI document only: a stream is never serialized.
const csvResponse = {
  description: 'The CSV, streamed (chunked); the `X-Export-Rows` trailer ends a complete one.',
  content: { 'text/csv': { schema: { type: 'string' } } },
} as const;

interface ReadingsQuerystring {
  serverId?: string[];
  sensor?: string[];
  from?: string;
  to?: string;
  step?: string;
}

interface EventsQuerystring {
  serverId?: string[];
  severity?: string[];
  from?: string;
  to?: string;
}

/** `a,b` and repeated parameters alike, blanks and repeats dropped. */
function splitList(values: readonly string[] | undefined): string[] {
  const out = new Set<string>();
  for (const v of values ?? []) {
    for (const part of v.split(',')) {
      const s = part.trim();
      if (s !== '') out.add(s);
    }
  }
  return [...out];
}

/** `20261120T000000Z`: ISO-8601 basic format, no `:` (not allowed in Windows file names). */
function stamp(d: Date): string {
  return d
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');
}

/** The steps the aggregates serve, in any spelling the series API takes (`parseStep`). */
function stepOf(text: string | undefined): Step | null {
  const seconds = parseStep(text);
  if (seconds === undefined) return null;
  if (seconds === 60) return '1m';
  if (seconds === 3600) return '1h';
  throw apiErrors.error(
    'API_INVALID_REQUEST',
    `step "${text}": the export has raw readings (no step), 1m or 1h`,
  );
}

function rangeOf(q: { from?: string; to?: string }, now: number): { from: Date; to: Date } {
  const r = parseRange(q.from, q.to, now);
  return { from: new Date(r.from), to: new Date(r.to) };
}

// async: the plugin signature the route list awaits, though registering awaits nothing yet.
// eslint-disable-next-line @typescript-eslint/require-await
export async function exportRoutes(
  app: FastifyInstance,
  deps: ApiDeps,
  options: ExportOptions = {},
): Promise<void> {
  const log = deps.logger.child({ component: 'export' });
  const clock = deps.clock ?? Date.now;

  /**
   * Streams one export. The first chunk (BOM, header, first page) is read before anything is
   * sent, so a database that fails at once gives a proper error response; after that, a
   * failure destroys the stream and fastify cuts the connection (see the file comment).
   */
  async function stream(
    reply: FastifyReply,
    what: string,
    fileName: string,
    make: (onRows: (n: number) => void) => AsyncGenerator<string, void, undefined>,
  ) {
    const started = performance.now();
    let rows = 0;
    const chunks = make((n) => {
      rows += n;
    });
    const first = await chunks.next();
    async function* body(): AsyncGenerator<string, void, undefined> {
      try {
        if (first.done !== true) yield first.value;
        yield* chunks;
        log.info(
          { export: what, fileName, rows, ms: Math.round(performance.now() - started) },
          'export done',
        );
      } catch (err) {
        log.error(
          { err, export: what, fileName, rowsRead: rows },
          'export failed after its first bytes; the response is cut off',
        );
        throw err;
      }
    }
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${fileName}"`)
      .header('cache-control', 'no-store')
      .trailer(ROWS_TRAILER, (_reply, _payload, done) => done(null, String(rows)));
    // highWaterMark 1: at most one page waits in the stream besides the one being written,
    // so the next query runs when the socket has drained, not ahead of a slow client.
    return Readable.from(body(), { objectMode: true, highWaterMark: 1 });
  }

  app.get<{ Querystring: ReadingsQuerystring }>(
    '/export/readings.csv',
    {
      // fastify answers HEAD by running the GET handler and draining its stream: a whole
      // export read from the database for a few headers.
      exposeHeadRoute: false,
      config: { access: 'read' },
      schema: {
        tags: ['export'],
        summary: 'Readings as CSV',
        description:
          "Raw readings (`time,server_id,sensor_id,sensor_name,value,unit,state`) or, with `step`, aggregate buckets (`time,server_id,sensor_id,sensor_name,unit,min_value,avg_value,max_value,samples,last_state`; `time` is the bucket start), ordered by time, server, sensor. UTF-8 with BOM, CRLF, RFC 4180 quoting, ISO-8601 UTC times; text starting with `= + - @`, tab or CR gets a leading `'`. Streamed for any range: a response cut off without the final chunk (and without the `X-Export-Rows` trailer) is incomplete.",
        querystring: readingsQuery,
        response: { 200: csvResponse },
      },
    },
    async (req, reply) => {
      const { from, to } = rangeOf(req.query, clock());
      const step = stepOf(req.query.step);
      const q: ReadingsExport = {
        from,
        to,
        serverIds: splitList(req.query.serverId),
        sensorIds: [...new Set(req.query.sensor ?? [])],
        step,
      };
      const name = `readings-${step === null ? '' : `${step}-`}${stamp(from)}-${stamp(to)}.csv`;
      return await stream(reply, 'readings', name, (onRows) =>
        readingsCsv(deps.db, q, { pageRows: options.pageRows, onRows }),
      );
    },
  );

  app.get<{ Querystring: EventsQuerystring }>(
    '/export/events.csv',
    {
      exposeHeadRoute: false,
      config: { access: 'read' },
      schema: {
        tags: ['export'],
        summary: 'SEL events as CSV',
        description:
          'System Event Log entries (`time,server_id,severity,sensor_type,sensor_name,sensor_id,sensor_number,event_direction,description,event_data,record_id,timestamp_basis,bmc_timestamp_raw,observed_at,event_id,raw_line`), ordered by time. Same encoding and completeness signal as the readings export.',
        querystring: eventsQuery,
        response: { 200: csvResponse },
      },
    },
    async (req, reply) => {
      const { from, to } = rangeOf(req.query, clock());
      const q: EventsExport = {
        from,
        to,
        serverIds: splitList(req.query.serverId),
        severities: [...new Set(req.query.severity ?? [])],
      };
      const name = `events-${stamp(from)}-${stamp(to)}.csv`;
      return await stream(reply, 'events', name, (onRows) =>
        eventsCsv(deps.db, q, { pageRows: options.pageRows, onRows }),
      );
    },
  );
}
