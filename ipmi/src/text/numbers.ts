/** Numbers as the tools print them, including locale quirks. */

/**
 * Texts that mean "no reading". They must become null, never 0: a fan that reads `na` has
 * not stopped, and a graph of zeros would say it had.
 */
const NO_READING = new Set([
  '',
  'na',
  'n/a',
  'no reading',
  'disabled',
  'not available',
  'unavailable',
  'ns',
  'event-only',
  'unknown',
  'not present',
  'absent',
]);

export function isNoReading(text: string): boolean {
  return NO_READING.has(text.trim().toLowerCase());
}

const DOT_DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
/** A decimal comma, as printed under a locale such as de_DE or fr_FR (`12,960`). */
const COMMA_DECIMAL = /^[+-]?\d+,\d+$/;

/**
 * Parses a number printed by ipmitool or FreeIPMI: `45.000`, `-12.5`, `12,96` (decimal comma),
 * `+3.30`. Returns null for no-reading words and for anything that is not a plain number
 * (`0x1`, the reading column of a discrete sensor in `ipmitool sensor`, is not a reading).
 */
export function parseNumber(text: string): number | null {
  const t = text.trim();
  if (t.length === 0 || t.length > 40) return null;
  let n: number;
  if (DOT_DECIMAL.test(t)) n = Number(t);
  else if (COMMA_DECIMAL.test(t)) n = Number(t.replace(',', '.'));
  else return null;
  return Number.isFinite(n) ? n : null;
}

/**
 * Splits a reading with its unit, as `ipmitool sdr elist` prints it: `45 degrees C`,
 * `3.30 Volts`, `12,96 Volts`, `280 Watts`. Returns null when the text does not start with a
 * number (a discrete state text such as `Presence detected`).
 */
export function parseValueWithUnit(text: string): { value: number; unit: string } | null {
  const m = /^([+-]?(?:\d+(?:[.,]\d+)?|\.\d+))(?:\s+(.*))?$/.exec(text.trim());
  if (!m) return null;
  const value = parseNumber(m[1] ?? '');
  if (value === null) return null;
  return { value, unit: (m[2] ?? '').trim() };
}

/** Parses a hexadecimal number as ipmitool prints it: `1a`, `0x1a`, `1Ah`, `0Bh`. */
export function parseHex(text: string): number | null {
  const m = /^(?:0x)?([0-9a-f]{1,8})h?$/i.exec(text.trim());
  return m ? Number.parseInt(m[1] ?? '', 16) : null;
}

export function parseDecimalInt(text: string): number | null {
  const t = text.trim();
  return /^\d{1,9}$/.test(t) ? Number.parseInt(t, 10) : null;
}
