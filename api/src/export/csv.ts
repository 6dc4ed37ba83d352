/**
 * CSV as spreadsheets and scripts read it: RFC 4180 plus what Excel needs. Pure: no I/O, the
 * export routes feed it rows page by page.
 *
 * - UTF-8 with a byte-order mark first: without it Excel reads the file as the local ANSI
 *   code page and mangles every non-ASCII sensor name (`°C`, `Ω`).
 * - CRLF after every record, the last one included (RFC 4180 §2.1-2.2).
 * - A field is quoted when it holds `,`, `"`, CR or LF; quotes inside are doubled (§2.6-2.7).
 * - Numbers in JavaScript's shortest round-trip form (`.` decimal point, never a thousands
 *   separator); times ISO-8601 UTC; null is an empty field.
 * - Formula injection (OWASP "CSV injection"): a spreadsheet runs a cell that starts with
 *   `=`, `+`, `-` or `@` as a formula (and tab or CR lead to the same through some import
 *   paths), so text from a BMC or an operator (SEL descriptions, sensor names) that starts with
 *   one gets a leading `'`, which Excel and LibreOffice show as plain text. Only text: numbers
 *   are written as numbers, so a negative reading stays `-12.5`, never `'-12.5`.
 */

/** What a field can be: the JavaScript type decides how it is written. */
export type CsvValue = string | number | bigint | boolean | Date | null | undefined;

export const BOM = '\uFEFF';
export const EOL = '\r\n';

const NEEDS_QUOTES = /[",\r\n]/;
const FORMULA_START = /^[=+\-@\t\r]/;
const QUOTE = /"/g;

/** A text field: guarded against formulas, then quoted when it must be. */
export function csvText(text: string): string {
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(QUOTE, '""')}"` : safe;
}

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  switch (typeof value) {
    case 'string':
      return csvText(value);
    case 'number':
    case 'bigint':
      // String() never uses a locale: `.` decimal point, `1e-7` for tiny values (which
      // spreadsheets read as numbers too). NaN and ±Infinity (float8 holds them) come out
      // as Postgres writes them.
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      return value.toISOString();
  }
}

/** One record, CRLF included. */
export function csvLine(values: readonly CsvValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += ',';
    line += csvField(values[i]);
  }
  return line + EOL;
}

/**
 * ISO-8601 UTC with the microseconds Postgres keeps: `Date` stops at milliseconds, so the
 * sub-millisecond part (0-999 µs) comes beside it. Most times have none and print exactly as
 * `Date.toISOString()` (what the JSON API prints).
 */
export function isoUtc(time: Date, microsOfMilli = 0): string {
  const iso = time.toISOString();
  if (microsOfMilli === 0) return iso;
  return `${iso.slice(0, -1)}${String(microsOfMilli).padStart(3, '0')}Z`;
}

/**
 * A whole document as text chunks: the BOM and the header, then one chunk per page of rows.
 * The first chunk waits for the first page, so a failure before any row (the database is
 * down) reaches the caller before anything was sent and can still become an error response.
 * A document without rows is the header alone.
 */
export async function* csvDocument<R>(
  columns: readonly string[],
  pages: AsyncIterable<readonly R[]>,
  cells: (row: R) => readonly CsvValue[],
): AsyncGenerator<string, void, undefined> {
  let head: string | null = BOM + csvLine(columns);
  for await (const page of pages) {
    let chunk = head ?? '';
    head = null;
    for (const row of page) chunk += csvLine(cells(row));
    if (chunk !== '') yield chunk;
  }
  if (head !== null) yield head;
}

/**
 * The inverse, as a client reads an export: BOM dropped, quotes undone, records split on CRLF
 * (or LF). Every field comes back as text; a trailing line end ends the last record rather
 * than starting an empty one. For tests and scripts; it holds the whole text.
 */
export function parseCsv(text: string): string[][] {
  const src = text.startsWith(BOM) ? text.slice(BOM.length) : text;
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        field += c;
      }
      i++;
      continue;
    }
    if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || (c === '\r' && src[i + 1] === '\n')) {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      if (c === '\r') i++;
    } else {
      field += c;
    }
    i++;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}
