/**
 * RFC 4180 CSV with the habits of real exports: a UTF-8 BOM (Excel), CRLF or LF, quoted
 * fields with `""` escapes and embedded line breaks, and `;` as the delimiter when the
 * header uses it (spreadsheets in locales with a decimal comma write `;`). Each record
 * keeps the line it starts on, so errors point into the file the operator edits.
 */

export interface CsvRecord {
  /** 1-based line where the record starts. */
  readonly line: number;
  readonly cells: readonly string[];
}

export class CsvError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvError';
  }
}

/** `;` when the first line has more of them than commas (outside quotes), else `,`. */
export function sniffDelimiter(text: string): ',' | ';' {
  const first = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/, 1)[0] ?? '';
  const bare = first.replace(/"(?:[^"]|"")*"/g, '');
  const count = (c: string) => bare.split(c).length - 1;
  return count(';') > count(',') ? ';' : ',';
}

/**
 * Parses every record. Blank lines and lines starting with `#` (outside a quoted field) are
 * skipped: operators comment out servers in these files.
 */
export function parseCsv(text: string, delimiter: ',' | ';' = sniffDelimiter(text)): CsvRecord[] {
  const src = text.replace(/^\uFEFF/, '');
  const out: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  while (i < src.length) {
    const start = line;
    // Skip blank and comment lines.
    const eol = /\r\n|\n|\r/g;
    eol.lastIndex = i;
    const m = eol.exec(src);
    const lineEnd = m ? m.index : src.length;
    const whole = src.slice(i, lineEnd);
    if (whole.trim() === '' || whole.trimStart().startsWith('#')) {
      i = m ? m.index + m[0].length : src.length;
      line++;
      continue;
    }
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    let wasQuoted = false;
    for (;;) {
      if (i >= src.length) {
        if (quoted) throw new CsvError(start, 'unterminated quoted field');
        cells.push(wasQuoted ? cell : cell.trim());
        break;
      }
      const c = src[i] as string;
      if (quoted) {
        if (c === '"') {
          if (src[i + 1] === '"') {
            cell += '"';
            i += 2;
          } else {
            quoted = false;
            i++;
          }
        } else {
          if (c === '\n' || (c === '\r' && src[i + 1] !== '\n')) line++;
          cell += c;
          i++;
        }
        continue;
      }
      if (c === '"' && cell.trim() === '' && !wasQuoted) {
        quoted = true;
        wasQuoted = true;
        cell = '';
        i++;
      } else if (c === delimiter) {
        cells.push(wasQuoted ? cell : cell.trim());
        cell = '';
        wasQuoted = false;
        i++;
      } else if (c === '\r' || c === '\n') {
        cells.push(wasQuoted ? cell : cell.trim());
        i += c === '\r' && src[i + 1] === '\n' ? 2 : 1;
        line++;
        break;
      } else {
        if (wasQuoted && c !== ' ' && c !== '\t') {
          throw new CsvError(
            line,
            'text after a closing quote (escape quotes inside a field as "")',
          );
        }
        if (!wasQuoted) cell += c;
        i++;
      }
    }
    out.push({ line: start, cells });
  }
  return out;
}
