/**
 * Cursor pagination. A cursor is the sort key of the last item of a page, opaque to clients
 * (base64url JSON), so a page is a keyset query (`WHERE (key) < ($cursor)`): stable while rows
 * are added, and as fast on page 1000 as on page 1, unlike OFFSET.
 */
import { apiErrors } from './errors.js';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The key in a cursor, checked against the shape the list uses (`kinds`). */
export function decodeCursor(
  cursor: string | undefined,
  kinds: readonly ('string' | 'number')[],
): (string | number)[] | null {
  if (cursor === undefined || cursor === '') return null;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  if (
    !Array.isArray(key) ||
    key.length !== kinds.length ||
    key.some((v, i) => typeof v !== kinds[i])
  ) {
    throw apiErrors.error('API_INVALID_CURSOR', 'cursor is not one this list returned');
  }
  return key as (string | number)[];
}

/**
 * A page from rows fetched with LIMIT `limit + 1`: the extra row says there is a next page,
 * and the last returned item's key becomes the cursor.
 */
export function pageOf<R, T>(
  rows: readonly R[],
  limit: number,
  keyOf: (row: R) => (string | number)[],
  map: (row: R) => T,
): Page<T> {
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  const last = shown[shown.length - 1];
  return {
    items: shown.map(map),
    nextCursor: more && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}
