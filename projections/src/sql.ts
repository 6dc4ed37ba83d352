/**
 * Multi-row INSERT statements built from column lists: the write path of every table but the
 * readings hypertable. Pure string building; the values always travel as parameters.
 */
import type { Queryable } from '@ipmi-monitor/db';
import type { Row } from './rows.js';

/**
 * Postgres allows 65,535 parameters per statement; staying well under keeps the statement
 * text small too.
 */
export const MAX_PARAMS = 16_000;

/** `($1, $2), ($3, $4)` for `rows` rows of `width` values. */
export function valuesList(rows: number, width: number): string {
  const out: string[] = [];
  let n = 1;
  for (let r = 0; r < rows; r++) {
    const one: string[] = [];
    for (let c = 0; c < width; c++) one.push(`$${n++}`);
    out.push(`(${one.join(', ')})`);
  }
  return out.join(', ');
}

/**
 * `a = EXCLUDED.a, b = EXCLUDED.b` for every column after the first `keyColumns`, except
 * those in `except` (set by the caller's own expressions).
 */
export function updateSet(
  columns: readonly string[],
  keyColumns: number,
  except: readonly string[] = [],
): string {
  return columns
    .slice(keyColumns)
    .filter((c) => !except.includes(c))
    .map((c) => `${c} = EXCLUDED.${c}`)
    .join(', ');
}

/** The statements (text and parameters) that insert `rows`, in chunks under MAX_PARAMS. */
export function insertStatements(
  table: string,
  columns: readonly string[],
  rows: readonly Row[],
  tail: string,
): { sql: string; params: unknown[] }[] {
  const per = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  const out: { sql: string; params: unknown[] }[] = [];
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    out.push({
      sql: `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${valuesList(chunk.length, columns.length)} ${tail}`,
      params: chunk.flat(),
    });
  }
  return out;
}

export async function insertRows(
  tx: Queryable,
  table: string,
  columns: readonly string[],
  rows: readonly Row[],
  tail: string,
): Promise<void> {
  for (const s of insertStatements(table, columns, rows, tail)) await tx.query(s.sql, s.params);
}
