/**
 * The CSV exports against the embedded database: (a) the known feed exported and parsed back
 * equals the table for every filter, with pages so small that their boundaries fall inside
 * rows that share a timestamp; (b) a million readings downloaded over real HTTP while the
 * process's memory is sampled: it must grow by far less than the CSV's size, which only a
 * streamed response can do; (c) a database failure mid-download cuts the response off
 * visibly, one before the first byte gives an error response.
 */
import assert from 'node:assert/strict';
import { get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Fastify, { type FastifyInstance } from 'fastify';
// Test helpers of a sibling package, by path: they are not part of its API.
import { generateReadings, READING_COLUMNS } from '../../../db/src/testing/temp-db.js';
import type { ApiDeps } from '../deps.js';
import { exportRoutes } from '../routes/export.js';
import { seededDb, seedLogger, type SeededDb } from '../testing/seed.js';
import { BOM, parseCsv } from './csv.js';
import { RAW_COLUMNS, readingsCsv } from './queries.js';

const T0 = Date.parse('2026-11-20T00:00:00Z');
const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A whole CSV response of the inject app, parsed: header and rows as text. */
interface Parsed {
  status: number;
  headers: Record<string, unknown>;
  trailers: Record<string, unknown>;
  raw: string;
  header: string[];
  rows: string[][];
}

// What a cell must read as, computed here rather than by the code under test: empty for
// null, ISO-8601 for times, numbers as JavaScript prints them, text with the formula guard.
function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (typeof v !== 'string') return JSON.stringify(v);
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

describe('CSV export', () => {
  let seeded: SeededDb;
  let app: FastifyInstance;
  let server: FastifyInstance;
  let base: string;

  // Small pages: 72 readings share each poll time, so a page of 7 ends inside one.
  const PAGE = 7;
  // A million readings for the memory test, a day after the feed (outside its range).
  const BIG = { from: T0 + 86_400_000, stepMs: MINUTE, servers: 100, sensors: 10, steps: 1000 };
  const BIG_ROWS = BIG.servers * BIG.sensors * BIG.steps;

  before(async () => {
    seeded = await seededDb();
    const db = seeded.db;
    // Awkward text and a unicode unit through the database, not only in unit tests.
    await db.query(
      `UPDATE sensors SET name = '=CPU "Die", 1', unit = '°C'
        WHERE server_id = 'srv-000' AND sensor_id = 'Sensor 0#0x00'`,
    );
    // SEL entries beyond the feed's (all CRITICAL): other severities, none, hostile text.
    await db.query(
      `INSERT INTO sel_events (event_id, server_id, time, observed_at, record_id,
                               timestamp_basis, sensor_type, event_direction, description,
                               severity, sensor_name, raw_line)
       VALUES ('x-warn', 'srv-002', $1, $1, 90, 'BMC_CLOCK', 'FAN', 'ASSERTION',
               'Lower Non-critical going low', 'WARNING', 'FAN 1', NULL),
              ('x-none', 'srv-002', $1, $1, 91, 'BMC_CLOCK', 'OEM', 'UNKNOWN',
               NULL, NULL, NULL, NULL),
              ('x-evil', 'srv-003', $2, $2, 92, 'PRE_INIT', 'OEM', 'ASSERTION',
               '=HYPERLINK("http://evil","click"), line
two', 'INFO', '-Tag', '@raw')`,
      [iso(T0 + 30_000), iso(T0 + 7 * MINUTE)],
    );
    const deps = { db, logger: seedLogger, clock: () => T0 + 3_600_000 } as unknown as ApiDeps;
    // The app's validation settings (app.ts): unknown parameters are refused, not dropped.
    const ajv = {
      customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: true },
    } as const;
    app = Fastify({ ajv });
    await app.register(
      async (v1) => {
        await exportRoutes(v1, deps, { pageRows: PAGE });
      },
      { prefix: '/api/v1' },
    );
    await app.ready();
    server = Fastify({ ajv });
    await server.register(
      async (v1) => {
        await exportRoutes(v1, deps);
      },
      { prefix: '/api/v1' },
    );
    await server.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}/api/v1`;
  });

  after(async () => {
    await app?.close();
    await server?.close();
    await seeded?.dispose();
  });

  async function fetchCsv(url: string): Promise<Parsed> {
    const res = await app.inject({ method: 'GET', url: `/api/v1${url}` });
    assert.equal(res.statusCode, 200, res.body);
    const [header = [], ...rows] = parseCsv(res.body);
    return {
      status: res.statusCode,
      headers: res.headers,
      trailers: res.trailers,
      raw: res.body,
      header,
      rows,
    };
  }

  async function table(sql: string, params: unknown[] = []): Promise<string[][]> {
    const { rows } = await seeded.db.query<Record<string, unknown>>(sql, params);
    return rows.map((r) => Object.values(r).map(cell));
  }

  const RAW_SQL = (where: string) => `
    SELECT r.time, r.server_id, r.sensor_id, s.name, r.value, s.unit, r.state
      FROM readings r LEFT JOIN sensors s USING (server_id, sensor_id)
     WHERE ${where}
     ORDER BY r.time, r.server_id, r.sensor_id`;

  describe('readings', () => {
    test('the feed over the default range (24 h to now), row for row, in small pages', async () => {
      const csv = await fetchCsv('/export/readings.csv');
      assert.equal(csv.headers['content-type'], 'text/csv; charset=utf-8');
      assert.equal(
        csv.headers['content-disposition'],
        'attachment; filename="readings-20261119T010000Z-20261120T010000Z.csv"',
      );
      assert.ok(
        csv.raw.startsWith(`${BOM}time,server_id,sensor_id,sensor_name,value,unit,state\r\n`),
      );
      assert.ok(csv.raw.endsWith('\r\n'));
      assert.equal(csv.raw.replace(/\r\n/g, '').includes('\n'), false, 'every line end is CRLF');
      assert.deepEqual(csv.header, [...RAW_COLUMNS]);
      assert.equal(csv.rows.length, seeded.feed.expect.readings);
      assert.deepEqual(
        csv.rows,
        await table(RAW_SQL('r.time >= $1 AND r.time < $2'), [
          iso(T0 - 23 * 3_600_000),
          iso(T0 + 3_600_000),
        ]),
      );
      assert.equal(csv.trailers['x-export-rows'], String(seeded.feed.expect.readings));
      // Nulls are empty fields, the hostile sensor name is guarded and quoted, unicode kept.
      assert.ok(csv.rows.some((r) => r[4] === '' && r[6] === 'UNKNOWN'));
      assert.match(csv.raw, /,"'=CPU ""Die"", 1",\d+(\.\d+)?,°C,/);
    });

    test('one server, a comma list, repeated parameters', async () => {
      const range = `from=${iso(T0)}&to=${iso(T0 + 3_600_000)}`;
      const hour = [iso(T0), iso(T0 + 3_600_000)];
      const one = await fetchCsv(`/export/readings.csv?serverId=srv-001&${range}`);
      assert.equal(one.rows.length, 12 * 20);
      assert.deepEqual(
        one.rows,
        await table(RAW_SQL(`r.server_id = 'srv-001' AND r.time >= $1 AND r.time < $2`), hour),
      );
      const two = await table(
        RAW_SQL(`r.server_id IN ('srv-001', 'srv-004') AND r.time >= $1 AND r.time < $2`),
        hour,
      );
      assert.equal(two.length, 2 * 12 * 20);
      assert.deepEqual(
        (await fetchCsv(`/export/readings.csv?serverId=srv-001,srv-004&${range}`)).rows,
        two,
      );
      assert.deepEqual(
        (await fetchCsv(`/export/readings.csv?serverId=srv-004&serverId=srv-001&${range}`)).rows,
        two,
      );
      assert.deepEqual((await fetchCsv(`/export/readings.csv?serverId=nope&${range}`)).rows, []);
    });

    test('one sensor, and a sensor of one server', async () => {
      const sensor = encodeURIComponent('Sensor 3#0x03');
      const all = await fetchCsv(`/export/readings.csv?sensor=${sensor}`);
      assert.equal(all.rows.length, 6 * 20);
      assert.deepEqual(all.rows, await table(RAW_SQL(`r.sensor_id = 'Sensor 3#0x03'`)));
      const one = await fetchCsv(`/export/readings.csv?sensor=${sensor}&serverId=srv-005`);
      assert.deepEqual(
        one.rows,
        await table(RAW_SQL(`r.sensor_id = 'Sensor 3#0x03' AND r.server_id = 'srv-005'`)),
      );
      assert.equal(one.rows.length, 20);
    });

    test('a time range: from inclusive, to exclusive', async () => {
      // Polls are 30 s apart from T0: [T0+60 s, T0+180 s) holds polls 2, 3 (the late one), 4, 5.
      const csv = await fetchCsv(
        `/export/readings.csv?from=${iso(T0 + 60_000)}&to=${iso(T0 + 180_000)}`,
      );
      assert.equal(csv.rows.length, 4 * 72);
      assert.deepEqual(
        csv.rows,
        await table(RAW_SQL('r.time >= $1 AND r.time < $2'), [iso(T0 + 60_000), iso(T0 + 180_000)]),
      );
      assert.equal(csv.rows[0]![0], iso(T0 + 60_000));
      assert.equal(csv.rows.at(-1)![0], iso(T0 + 150_000));
    });

    test('page boundaries inside equal timestamps and within a millisecond: nothing lost or repeated', async () => {
      // Ten days before the feed: readings of three servers at the same microsecond-precise
      // times, several inside one millisecond, and negative values.
      const at = T0 - 10 * 86_400_000;
      const times = [
        '00:00:00.000100',
        '00:00:00.000200',
        '00:00:00.000999',
        '00:00:00.001',
        '00:00:01',
      ];
      const values: string[] = [];
      let n = 0;
      for (const t of times) {
        for (const srv of ['srv-a', 'srv-b', 'srv-c']) {
          values.push(`('2026-11-10 ${t}+00', '${srv}', 's', ${-1.5 * ++n}, 'OK')`);
        }
      }
      await seeded.db.exec(
        `INSERT INTO readings (time, server_id, sensor_id, value, state) VALUES ${values.join(',')}`,
      );
      const q = {
        from: new Date(at),
        to: new Date(at + MINUTE),
        serverIds: [],
        sensorIds: [],
        step: null,
      };
      const wanted = parseCsv(
        (await collect(readingsCsv(seeded.db, q, { pageRows: 100 }))).join(''),
      );
      assert.equal(wanted.length, 1 + 15);
      assert.deepEqual(
        wanted.slice(1).map((r) => r[0]),
        [
          '2026-11-10T00:00:00.000100Z',
          '2026-11-10T00:00:00.000200Z',
          '2026-11-10T00:00:00.000999Z',
          '2026-11-10T00:00:00.001Z',
          '2026-11-10T00:00:01.000Z',
        ].flatMap((t) => [t, t, t]),
      );
      assert.equal(wanted[1]![4], '-1.5', 'negative numbers are not guarded');
      for (const pageRows of [1, 2, 4]) {
        const got = (await collect(readingsCsv(seeded.db, q, { pageRows }))).join('');
        assert.deepEqual(parseCsv(got), wanted, `pageRows ${pageRows}`);
      }
    });

    test('per-minute and per-hour aggregates (step 1m, 60, 1h)', async () => {
      const AGG_SQL = (view: string) => `
        SELECT a.bucket, a.server_id, a.sensor_id, s.name, s.unit, a.min_value::float8,
               a.avg_value::float8, a.max_value::float8, a.samples, a.last_state
          FROM ${view} a LEFT JOIN sensors s USING (server_id, sensor_id)
         WHERE a.bucket >= $1 AND a.bucket < $2 AND a.server_id = ANY($3)
         ORDER BY a.bucket, a.server_id, a.sensor_id`;
      const params = [iso(T0), iso(T0 + 3_600_000), ['srv-000', 'srv-002']];
      const query = `serverId=srv-000,srv-002&from=${iso(T0)}&to=${iso(T0 + 3_600_000)}`;
      const minute = await fetchCsv(`/export/readings.csv?step=1m&${query}`);
      assert.deepEqual(minute.header, [
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
      ]);
      // 20 polls 30 s apart: 10 minutes, 2 servers x 12 sensors.
      assert.equal(minute.rows.length, 10 * 24);
      assertClose(minute.rows, await table(AGG_SQL('readings_1m'), params));
      assert.match(
        String(minute.headers['content-disposition']),
        /filename="readings-1m-20261120T000000Z-20261120T010000Z\.csv"/,
      );
      assert.deepEqual((await fetchCsv(`/export/readings.csv?step=60&${query}`)).rows, minute.rows);
      const hour = await fetchCsv(`/export/readings.csv?step=1h&${query}`);
      assert.equal(hour.rows.length, 24);
      assertClose(hour.rows, await table(AGG_SQL('readings_1h'), params));
    });
  });

  describe('events', () => {
    const EVENTS_SQL = (where: string) => `
      SELECT time, server_id, severity, sensor_type, sensor_name, sensor_id, sensor_number,
             event_direction, description, event_data, record_id, timestamp_basis,
             bmc_timestamp_raw, observed_at, event_id, raw_line
        FROM sel_events WHERE ${where} ORDER BY time, event_id`;

    test('every entry in range, hostile text guarded and quoted', async () => {
      const csv = await fetchCsv('/export/events.csv');
      assert.match(
        String(csv.headers['content-disposition']),
        /filename="events-20261119T010000Z-20261120T010000Z\.csv"/,
      );
      assert.equal(csv.rows.length, seeded.feed.expect.selEntries + 3);
      assert.deepEqual(csv.rows, await table(EVENTS_SQL('true')));
      const evil = csv.rows.find((r) => r[14] === 'x-evil')!;
      assert.equal(evil[8], `'=HYPERLINK("http://evil","click"), line\ntwo`);
      assert.equal(evil[4], "'-Tag");
      assert.equal(evil[15], "'@raw");
      assert.ok(csv.raw.includes(`"'=HYPERLINK(""http://evil"",""click""), line\ntwo"`));
    });

    test('by server, by severity (UNKNOWN: none), by time range', async () => {
      const srv = await fetchCsv('/export/events.csv?serverId=srv-002');
      assert.deepEqual(srv.rows, await table(EVENTS_SQL(`server_id = 'srv-002'`)));
      assert.equal(srv.rows.length, 5 + 2);
      const warn = await fetchCsv('/export/events.csv?severity=WARNING&severity=UNKNOWN');
      assert.deepEqual(
        warn.rows.map((r) => r[14]),
        ['x-none', 'x-warn'],
      );
      const crit = await fetchCsv('/export/events.csv?severity=CRITICAL&serverId=srv-001');
      assert.deepEqual(
        crit.rows,
        await table(EVENTS_SQL(`severity = 'CRITICAL' AND server_id = 'srv-001'`)),
      );
      assert.equal(crit.rows.length, 5);
      const range = await fetchCsv(
        `/export/events.csv?from=${iso(T0 + MINUTE)}&to=${iso(T0 + 3 * MINUTE)}`,
      );
      assert.deepEqual(
        range.rows,
        await table(EVENTS_SQL('time >= $1 AND time < $2'), [
          iso(T0 + MINUTE),
          iso(T0 + 3 * MINUTE),
        ]),
      );
      assert.equal(range.rows.length, 2 * 6);
    });
  });

  describe('bad requests', () => {
    test('HEAD is not served: it would read the whole export to send a few headers', async () => {
      const res = await app.inject({ method: 'HEAD', url: '/api/v1/export/readings.csv' });
      assert.equal(res.statusCode, 404);
    });

    for (const [what, url] of [
      ['from after to', `/export/readings.csv?from=${iso(T0)}&to=${iso(T0 - 1)}`],
      ['from equal to', `/export/events.csv?from=${iso(T0)}&to=${iso(T0)}`],
      ['not a time', '/export/readings.csv?from=yesterday'],
      ['a step the export has no table for', '/export/readings.csv?step=5m'],
      ['an unknown parameter', '/export/readings.csv?server=srv-001'],
      ['an unknown severity', '/export/events.csv?severity=FATAL'],
    ] as const) {
      test(`${what}: 400, no CSV`, async () => {
        const res = await app.inject({ method: 'GET', url: `/api/v1${url}` });
        assert.equal(res.statusCode, 400, res.body);
        assert.doesNotMatch(String(res.headers['content-type']), /csv/);
        assert.equal(res.headers['content-disposition'], undefined);
      });
    }
  });

  describe('streaming', () => {
    const bigUrl = () =>
      `${base}/export/readings.csv?from=${iso(BIG.from)}&to=${iso(BIG.from + BIG.steps * BIG.stepMs)}`;

    before(async () => {
      const t0 = performance.now();
      await seeded.db.copyRows(
        'readings',
        READING_COLUMNS,
        generateReadings({
          from: BIG.from,
          to: BIG.from + BIG.steps * BIG.stepMs,
          stepMs: BIG.stepMs,
          servers: BIG.servers,
          sensors: BIG.sensors,
        }),
      );
      console.log(
        `copied ${BIG_ROWS} readings in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
    });

    test('a million readings over HTTP: memory grows by far less than the CSV', async () => {
      const gc = collector();
      gc?.();
      await sleep(100);
      gc?.();
      const baseline = process.memoryUsage();
      const peak = { rss: baseline.rss, heap: baseline.heapUsed, live: baseline.heapUsed };
      let ticks = 0;
      const sampler = setInterval(() => {
        const m = process.memoryUsage();
        peak.rss = Math.max(peak.rss, m.rss);
        peak.heap = Math.max(peak.heap, m.heapUsed);
        // Every 0.5 s, what is still reachable: V8 lets garbage pile up in the old generation
        // (tens of MiB here, from the pages' row objects) until its next full collection, so
        // heapUsed alone says little about what the export holds.
        if (gc !== undefined && ++ticks % 10 === 0) {
          gc();
          peak.live = Math.max(peak.live, process.memoryUsage().heapUsed);
        }
      }, 50);
      const started = performance.now();
      let result: Download;
      try {
        result = await download(bigUrl());
      } finally {
        clearInterval(sampler);
      }
      const seconds = (performance.now() - started) / 1000;
      const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
      const growth = {
        rss: peak.rss - baseline.rss,
        heap: peak.heap - baseline.heapUsed,
        live: peak.live - baseline.heapUsed,
      };
      console.log(
        `export of ${BIG_ROWS} readings: ${mb(result.bytes)} CSV in ${seconds.toFixed(1)} s ` +
          `(${Math.round(BIG_ROWS / seconds)} rows/s); baseline rss ${mb(baseline.rss)}, ` +
          `heapUsed ${mb(baseline.heapUsed)}; peak growth rss +${mb(growth.rss)}, ` +
          `heapUsed +${mb(growth.heap)}` +
          (gc
            ? `, reachable heap (after a GC, every 0.5 s) +${mb(growth.live)}`
            : ' (no GC available: the heap is not bounded)'),
      );

      assert.equal(result.status, 200);
      assert.equal(result.complete, true);
      assert.equal(result.lines, BIG_ROWS + 1, 'a header and one line per reading');
      assert.equal(result.trailers['x-export-rows'], String(BIG_ROWS));
      const lastTime = iso(BIG.from + (BIG.steps - 1) * BIG.stepMs);
      assert.match(
        result.tail,
        new RegExp(
          `\r\n${lastTime},srv-${BIG.servers - 1},sensor-${BIG.sensors - 1},,[\\d.]+,,\\w+\r\n$`,
        ),
      );
      // A buffered response holds the whole CSV at once: ~53 MiB of bytes, as much again as
      // a string, and a million row objects (hundreds of MiB) if the rows were read in one
      // go. A streamed one holds a page or two (5,000 rows, ~270 KiB of CSV) and socket
      // buffers. Measured (report): rss +9 to +17 MiB, reachable heap +5 MiB. The bounds sit
      // well above those and well below the CSV, so a buffered export cannot pass.
      // heapUsed between collections is printed, not bounded: each 5,000-row page leaves
      // ~13 MiB of the driver's parsing garbage, and V8 let ~70 MiB of it pile up even with a
      // full collection every 0.5 s.
      assert.ok(result.bytes > 50 * 2 ** 20, `the CSV is ${mb(result.bytes)}`);
      const RSS_BOUND = 32 * 2 ** 20;
      const LIVE_BOUND = 16 * 2 ** 20;
      assert.ok(growth.rss < RSS_BOUND, `rss grew ${mb(growth.rss)}, bound ${mb(RSS_BOUND)}`);
      if (gc !== undefined) {
        assert.ok(
          growth.live < LIVE_BOUND,
          `reachable heap grew ${mb(growth.live)}, bound ${mb(LIVE_BOUND)}`,
        );
      }
    });

    test('the database failing mid-download cuts the response off: incomplete, no trailer', async () => {
      const result = await download(bigUrl(), async (res) => {
        // The first bytes are in: stop reading, so the server stalls on backpressure, then
        // take the database away and read on.
        res.pause();
        await seeded.db.close();
        res.resume();
      });
      assert.equal(result.status, 200);
      assert.equal(result.complete, false, 'the client can tell the body is incomplete');
      assert.ok(result.error !== undefined || result.aborted, 'the client saw the connection cut');
      assert.equal(result.trailers['x-export-rows'], undefined);
      assert.ok(result.lines > 1 && result.lines < BIG_ROWS + 1, `${result.lines} lines`);
    });

    test('the database failing before the first byte: an error response, not a CSV', async () => {
      const res = await app.inject({ method: 'GET', url: '/api/v1/export/readings.csv' });
      assert.equal(res.statusCode, 500);
      assert.doesNotMatch(String(res.headers['content-type']), /csv/);
      assert.equal(res.headers['content-disposition'], undefined);
      assert.equal(res.json<{ code?: string }>().code, 'DB_CLOSED');
    });
  });
});

/**
 * The garbage collector as a function: `global.gc` under `node --expose-gc`, else the same
 * switched on at run time (the test runner starts node without the flag). Undefined if the
 * runtime refuses both; the heap bound is then not checked, rss still is.
 */
function collector(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Rows equal field by field, numbers to 1e-12 relative: an aggregate's average is a float sum
 * whose last digit depends on the order the plan reads the rows in (`61.7` one time,
 * `61.70000000000001` the next), and real-time aggregates are computed at each query.
 */
function assertClose(actual: string[][], expected: string[][]): void {
  assert.equal(actual.length, expected.length, 'row count');
  actual.forEach((row, i) => {
    const want = expected[i]!;
    const same =
      row.length === want.length &&
      row.every((v, j) => {
        const w = want[j]!;
        if (v === w) return true;
        const a = Number(v);
        const b = Number(w);
        return v !== '' && w !== '' && Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));
      });
    assert.ok(same, `row ${i}: ${JSON.stringify(row)} != ${JSON.stringify(want)}`);
  });
}

async function collect(chunks: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

interface Download {
  status: number;
  complete: boolean;
  aborted: boolean;
  error: Error | undefined;
  bytes: number;
  lines: number;
  tail: string;
  trailers: NodeJS.Dict<string>;
}

/**
 * GET over real HTTP, counting bytes and lines and keeping only the last few hundred bytes.
 * Resolves however the response ends: `complete` says whether it ended properly.
 */
function download(
  url: string,
  onFirstChunk?: (res: IncomingMessage) => Promise<void>,
): Promise<Download> {
  return new Promise((resolve, reject) => {
    const req = get(url, (res) => {
      const out: Download = {
        status: res.statusCode ?? 0,
        complete: false,
        aborted: false,
        error: undefined,
        bytes: 0,
        lines: 0,
        tail: '',
        trailers: {},
      };
      let first = onFirstChunk;
      let settled = false;
      const done = () => {
        if (settled) return;
        settled = true;
        out.complete = res.complete;
        out.trailers = res.trailers;
        resolve(out);
      };
      res.on('data', (chunk: Buffer) => {
        out.bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) out.lines++;
        out.tail = (out.tail + chunk.toString('latin1')).slice(-400);
        if (first) {
          const f = first;
          first = undefined;
          f(res).catch(reject);
        }
      });
      res.on('aborted', () => {
        out.aborted = true;
      });
      res.on('error', (err) => {
        out.error = err;
        done();
      });
      res.on('end', done);
      res.on('close', done);
    });
    req.on('error', reject);
  });
}
