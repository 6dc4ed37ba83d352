/**
 * Encoding rows for `COPY ... FROM` in PostgreSQL's text format (tab-separated, `\N` for
 * NULL, backslash escapes), the same bytes for pg's COPY FROM STDIN and PGlite's
 * `/dev/blob`. Pure functions, no I/O.
 *
 * Values: null/undefined → NULL; Date → ISO 8601 (UTC); number/bigint → decimal (NaN and
 * ±Infinity as Postgres spells them, valid for float columns); boolean → t/f;
 * Uint8Array → bytea hex; arrays → a Postgres array literal; other objects → JSON;
 * strings as they are.
 */

/** Quotes an identifier, or `schema.name`, for SQL. */
export function quoteIdent(name: string): string {
  const parts = name.split('.');
  if (parts.length > 2 || parts.some((p) => p.length === 0)) {
    throw new Error(`bad SQL identifier: ${JSON.stringify(name)}`);
  }
  return parts.map((p) => `"${p.replaceAll('"', '""')}"`).join('.');
}

export function copyStatement(table: string, columns: readonly string[], source: string): string {
  if (columns.length === 0) throw new Error('copyRows needs at least one column');
  return `COPY ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) FROM ${source}`;
}

/** A value as Postgres' text input for its column type would read it (before COPY escaping). */
export function toPgText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      if (Number.isNaN(value)) return 'NaN';
      if (value === Infinity) return 'Infinity';
      if (value === -Infinity) return '-Infinity';
      return String(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 't' : 'f';
    case 'object':
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw new Error('invalid Date in copyRows');
        return value.toISOString();
      }
      if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
      if (Array.isArray(value)) return arrayLiteral(value);
      return JSON.stringify(value);
    default:
      throw new Error(`copyRows cannot encode a ${typeof value}`);
  }
}

function arrayLiteral(values: readonly unknown[]): string {
  const items = values.map((v) => {
    if (Array.isArray(v)) return arrayLiteral(v);
    const t = toPgText(v);
    if (t === null) return 'NULL';
    return `"${t.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  });
  return `{${items.join(',')}}`;
}

const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
};

/** One field in COPY text format. */
export function encodeCopyField(value: unknown): string {
  const t = toPgText(value);
  if (t === null) return '\\N';
  return t.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c] ?? c);
}

/** One row, terminated by a newline. */
export function encodeCopyRow(row: readonly unknown[], width: number): string {
  if (row.length !== width) {
    throw new Error(`copyRows: a row has ${row.length} values for ${width} columns`);
  }
  let line = '';
  for (let j = 0; j < width; j++) {
    if (j > 0) line += '\t';
    line += encodeCopyField(row[j]);
  }
  return `${line}\n`;
}

/**
 * Encodes rows in batches: yields `{ text, rows }` whenever a batch reaches `batchRows`
 * rows, then the rest. Streams stay bounded whatever the input size.
 */
export function* encodeCopyBatches(
  rows: Iterable<readonly unknown[]>,
  width: number,
  batchRows: number,
): Generator<{ text: string; rows: number }> {
  let parts: string[] = [];
  for (const row of rows) {
    parts.push(encodeCopyRow(row, width));
    if (parts.length >= batchRows) {
      yield { text: parts.join(''), rows: parts.length };
      parts = [];
    }
  }
  if (parts.length > 0) yield { text: parts.join(''), rows: parts.length };
}
