/** The CSV encoder: what Excel, LibreOffice and RFC 4180 parsers need, and nothing lost. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  BOM,
  csvDocument,
  csvField,
  csvLine,
  csvText,
  EOL,
  isoUtc,
  parseCsv,
  type CsvValue,
} from './csv.js';

async function collect(chunks: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const c of chunks) out.push(c);
  return out;
}

async function* pagesOf<T>(pages: T[][]): AsyncGenerator<T[]> {
  for (const p of pages) yield await Promise.resolve(p);
}

describe('csv fields', () => {
  test('RFC 4180 quoting: only fields with , " CR or LF, quotes doubled', () => {
    const cases: [string, string][] = [
      ['plain', 'plain'],
      ['', ''],
      ['a,b', '"a,b"'],
      ['say "hi"', '"say ""hi"""'],
      ['"', '""""'],
      ['line\nbreak', '"line\nbreak"'],
      ['line\r\nbreak', '"line\r\nbreak"'],
      ['ends with cr\r', '"ends with cr\r"'],
      [' padded ', ' padded '],
      ['semi;colon', 'semi;colon'],
    ];
    for (const [text, want] of cases) assert.equal(csvText(text), want, JSON.stringify(text));
  });

  test('formula guard: text starting with = + - @ tab CR gets a leading quote', () => {
    const cases: [string, string][] = [
      ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
      ['=1+2', "'=1+2"],
      ['+1', "'+1"],
      ['-1', "'-1"],
      ['-2+3+cmd|" /C calc"!A0', `"'-2+3+cmd|"" /C calc""!A0"`],
      ['@SUM(A1)', "'@SUM(A1)"],
      ['\tTAB', "'\tTAB"],
      ['\rCR', `"'\rCR"`],
      // Only the first character counts: these are ordinary text.
      ['a=b', 'a=b'],
      ['Upper Critical going high', 'Upper Critical going high'],
      [' =1', ' =1'],
    ];
    for (const [text, want] of cases) assert.equal(csvText(text), want, JSON.stringify(text));
  });

  test('numbers are written as numbers, never guarded: a negative reading stays negative', () => {
    assert.equal(csvField(-12.5), '-12.5');
    assert.equal(csvField(-0.001), '-0.001');
    assert.equal(csvField(0), '0');
    assert.equal(csvField(-0), '0');
    assert.equal(csvField(42), '42');
    assert.equal(csvField(1234567.25), '1234567.25');
    assert.equal(csvField(1e-7), '1e-7');
    assert.equal(csvField(-1e21), '-1e+21');
    assert.equal(csvField(Number.NaN), 'NaN');
    assert.equal(csvField(Number.NEGATIVE_INFINITY), '-Infinity');
    assert.equal(csvField(-(2n ** 63n)), '-9223372036854775808');
    // The same text as a string is guarded: the type decides, not the look.
    assert.equal(csvField('-12.5'), "'-12.5");
  });

  test('numbers: `.` decimal point whatever the locale, shortest round-trip form', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const s = csvField(x);
        assert.doesNotMatch(s, /[,'"\s]/);
        assert.equal(Number(s), Object.is(x, -0) ? 0 : x);
      }),
    );
  });

  test('null and undefined are empty fields; booleans and dates', () => {
    assert.equal(csvField(null), '');
    assert.equal(csvField(undefined), '');
    assert.equal(csvField(true), 'true');
    assert.equal(csvField(false), 'false');
    assert.equal(
      csvField(new Date(Date.UTC(2026, 10, 20, 8, 19, 0, 5))),
      '2026-11-20T08:19:00.005Z',
    );
  });

  test('unicode passes through unchanged (the BOM tells Excel it is UTF-8)', () => {
    for (const s of ['CPU Temp °C', 'Ω', 'Lüfter 1', '温度', '🔥 PSU', 'é\u0301']) {
      assert.equal(csvText(s), s);
    }
    assert.equal(csvText('温度,湿度'), '"温度,湿度"');
  });

  test('isoUtc: milliseconds as Date prints them, microseconds when Postgres has them', () => {
    const t = new Date(Date.UTC(2026, 10, 20, 0, 0, 0, 123));
    assert.equal(isoUtc(t), '2026-11-20T00:00:00.123Z');
    assert.equal(isoUtc(t, 0), '2026-11-20T00:00:00.123Z');
    assert.equal(isoUtc(t, 4), '2026-11-20T00:00:00.123004Z');
    assert.equal(isoUtc(t, 999), '2026-11-20T00:00:00.123999Z');
  });
});

describe('csv records and documents', () => {
  test('a line: comma separated, CRLF terminated, nulls empty', () => {
    assert.equal(
      csvLine(['2026-11-20T00:00:00.000Z', 'srv-1', 'Temp, CPU', null, -3.5, '°C', 'OK']),
      '2026-11-20T00:00:00.000Z,srv-1,"Temp, CPU",,-3.5,°C,OK\r\n',
    );
    assert.equal(csvLine([]), EOL);
    assert.equal(csvLine([null]), EOL);
    assert.equal(csvLine([null, null]), `,${EOL}`);
  });

  test('a document: BOM and header with the first page, one chunk per page', async () => {
    const chunks = await collect(
      csvDocument(
        ['a', 'b'],
        pagesOf([
          [{ a: 1, b: 'x' }],
          [
            { a: 2, b: '=y' },
            { a: -3, b: null },
          ],
        ]),
        (r: { a: number; b: string | null }) => [r.a, r.b],
      ),
    );
    assert.deepEqual(chunks, [`${BOM}a,b\r\n1,x\r\n`, "2,'=y\r\n-3,\r\n"]);
    assert.equal(chunks[0]!.charCodeAt(0), 0xfeff);
    assert.deepEqual(
      Buffer.from(chunks[0]!, 'utf8').subarray(0, 3),
      Buffer.from([0xef, 0xbb, 0xbf]),
    );
  });

  test('a document without rows is the BOM and the header', async () => {
    assert.deepEqual(await collect(csvDocument(['a'], pagesOf<never>([]), () => [])), [
      `${BOM}a\r\n`,
    ]);
    assert.deepEqual(await collect(csvDocument(['a'], pagesOf<never>([[], []]), () => [])), [
      `${BOM}a\r\n`,
    ]);
  });

  test('a failing page source fails the document before anything is yielded', async () => {
    async function* failing(): AsyncGenerator<number[]> {
      yield await Promise.reject(new Error('database down'));
    }
    const doc = csvDocument(['a'], failing(), (n: number) => [n]);
    await assert.rejects(doc.next(), /database down/);
  });

  test('round trip: any text, numbers and nulls parse back as written', () => {
    const value: fc.Arbitrary<CsvValue> = fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc.string({
        unit: fc.constantFrom('a', ',', '"', '\r', '\n', '=', '-', '+', '@', '\t', ' '),
      }),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.constant(null),
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(value, { minLength: 1, maxLength: 6 }), { maxLength: 6 }),
        (rows) => {
          const text = BOM + rows.map((r) => csvLine(r)).join('');
          const expected = rows.map((r) =>
            r.map((v) => {
              if (v === null) return '';
              if (typeof v === 'number') return String(v);
              const s = v as string;
              return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
            }),
          );
          assert.deepEqual(parseCsv(text), expected);
        },
      ),
    );
  });

  test('parseCsv: LF line ends and a last record without a line end', () => {
    assert.deepEqual(parseCsv('a,b\nc,"d\r\ne"'), [
      ['a', 'b'],
      ['c', 'd\r\ne'],
    ]);
    assert.deepEqual(parseCsv(''), []);
  });
});
