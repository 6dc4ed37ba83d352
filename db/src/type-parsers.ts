/**
 * Result-type parity between the adapters. PGlite and pg parse most types alike; where they
 * differ, both get the parsers below (PGlite through its `parsers` option, pg through the
 * pool's `types`), so the same query returns the same JS values on either.
 *
 * - int8 (count(*), sum(int), bigint columns): PGlite gives a number, pg a string. Both:
 *   a number when it is a safe integer (|n| <= 2^53-1), a bigint beyond (never silently
 *   rounded). Offsets and counts stay far below 2^53.
 * - date: PGlite gives a Date at UTC midnight, pg one at local midnight. Both: the
 *   'YYYY-MM-DD' text, because a calendar date is not an instant.
 * - interval: pg gives an object, PGlite the text. Both: the text ('1 day 02:00:00').
 * - numeric: both give the exact text already; left alone (cast to float8 for a number).
 */

export const OID = {
  INT8: 20,
  INT8_ARRAY: 1016,
  DATE: 1082,
  DATE_ARRAY: 1182,
  INTERVAL: 1186,
  INTERVAL_ARRAY: 1187,
} as const;

// PGlite also calls the element parser for NULL array elements, with null.
export type TextParser = (value: string | null) => unknown;

export function parseInt8(value: string | null): number | bigint | null {
  if (value === null) return null;
  const n = Number(value);
  if (Number.isSafeInteger(n)) return n;
  return BigInt(value);
}

/**
 * Parses a Postgres array literal of unquoted-safe scalars ('{1,2,NULL}', '{{1,2},{3,4}}',
 * '{"a b",c}'), applying `element` to every non-NULL element.
 */
export function parseArray(text: string | null, element: TextParser): unknown {
  if (text === null) return null;
  let i = 0;
  // Optional dimension decoration: '[0:1]={...}'.
  if (text[0] === '[') {
    const eq = text.indexOf('=');
    if (eq >= 0) i = eq + 1;
  }
  const parseLevel = (): unknown[] => {
    if (text[i] !== '{') throw new Error(`malformed array literal: ${text}`);
    i++;
    const out: unknown[] = [];
    if (text[i] === '}') {
      i++;
      return out;
    }
    for (;;) {
      if (text[i] === '{') {
        out.push(parseLevel());
      } else if (text[i] === '"') {
        i++;
        let s = '';
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\') i++;
          s += text[i] ?? '';
          i++;
        }
        i++;
        out.push(element(s));
      } else {
        let j = i;
        while (j < text.length && text[j] !== ',' && text[j] !== '}') j++;
        const raw = text.slice(i, j);
        i = j;
        out.push(raw === 'NULL' ? null : element(raw));
      }
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return out;
      }
      throw new Error(`malformed array literal: ${text}`);
    }
  };
  return parseLevel();
}

const identity: TextParser = (v) => v;

/** The overrides both adapters install, by type OID. */
export const sharedParsers: Readonly<Record<number, TextParser>> = {
  [OID.INT8]: parseInt8,
  [OID.INT8_ARRAY]: (v) => parseArray(v, parseInt8),
  [OID.DATE]: identity,
  [OID.DATE_ARRAY]: (v) => parseArray(v, identity),
  [OID.INTERVAL]: identity,
  [OID.INTERVAL_ARRAY]: (v) => parseArray(v, identity),
};
