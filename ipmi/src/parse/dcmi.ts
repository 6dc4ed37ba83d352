/**
 * DCMI power readings (DCMI 1.5 Get Power Reading, mode 01h "system power statistics"):
 *
 * `ipmitool dcmi power reading` (ipmi_dcmi.c):
 *
 *       Instantaneous power reading:                   280 Watts
 *       Minimum during sampling period:                250 Watts
 *       Maximum during sampling period:                450 Watts
 *       Average power reading over sample period:      390 Watts
 *       IPMI timestamp:                           11/28/26 14:03:41 UTC
 *       Sampling period:                          00000001 Seconds.
 *       Power reading state is:                   activated
 *
 * `ipmi-dcmi --get-system-power-statistics` (FreeIPMI):
 *
 *   Current Power                        : 280 Watts
 *   Minimum Power over sampling duration : 250 watts
 *   ...
 *   Power Measurement                    : Active
 *
 * "deactivated" / "Not Available" means the BMC has no valid reading (many report zeros, some
 * Supermicro firmware stale numbers): `active` is false and the wattages must not be graphed.
 * Several readings in one input (a loop, a fan-out) give one record each; a block starts at
 * its current-power line.
 */
import type { Line } from '../text/lines.js';
import { parseNumber } from '../text/numbers.js';
import type { ParseIssue, ParseResult, ParsedPowerReading } from '../types.js';
import { LineError, contentLines, parseIssue, type ContentLine } from './common.js';

type Field = 'current' | 'min' | 'max' | 'avg' | 'timestamp' | 'period' | 'state';

const LABELS: readonly [RegExp, Field][] = [
  [/^Instantaneous power reading\s*:\s*(.*)$/i, 'current'],
  [/^Current Power\s*:\s*(.*)$/i, 'current'],
  [/^Minimum during sampling period\s*:\s*(.*)$/i, 'min'],
  [/^Minimum Power over sampling duration\s*:\s*(.*)$/i, 'min'],
  [/^Maximum during sampling period\s*:\s*(.*)$/i, 'max'],
  [/^Maximum Power over sampling duration\s*:\s*(.*)$/i, 'max'],
  [/^Average power reading over sample period\s*:\s*(.*)$/i, 'avg'],
  [/^Average Power over sampling duration\s*:\s*(.*)$/i, 'avg'],
  [/^IPMI timestamp\s*:\s*(.*)$/i, 'timestamp'],
  [/^Time Stamp\s*:\s*(.*)$/i, 'timestamp'],
  [/^Sampling period\s*:\s*(.*)$/i, 'period'],
  [/^Statistics reporting time period\s*:\s*(.*)$/i, 'period'],
  [/^Power reading state is\s*:\s*(.*)$/i, 'state'],
  [/^Power Measurement\s*:\s*(.*)$/i, 'state'],
];

function watts(text: string): number | null {
  const m = /^([+-]?\d+(?:[.,]\d+)?)\s*(?:watts?|w)?$/i.exec(text.trim());
  if (!m) throw new LineError(`"${text.trim()}" is not a wattage`);
  return parseNumber(m[1] ?? '');
}

function seconds(text: string): number | null {
  const m = /^(\d+(?:[.,]\d+)?)\s*(seconds?|s|milliseconds?|ms)?\.?$/i.exec(text.trim());
  if (!m) throw new LineError(`"${text.trim()}" is not a sampling period`);
  const n = parseNumber(m[1] ?? '');
  if (n === null) return null;
  return /^m/i.test(m[2] ?? '') ? n / 1000 : n;
}

function active(text: string): boolean {
  const t = text.trim().toLowerCase();
  if (t === 'activated' || t === 'active') return true;
  if (t === 'deactivated' || t === 'inactive' || t === 'not available' || t === 'not active')
    return false;
  throw new LineError(`unknown power reading state "${text.trim()}"`);
}

interface Block {
  line: number;
  host: string | null;
  currentWatts: number | null;
  minWatts: number | null;
  maxWatts: number | null;
  avgWatts: number | null;
  active: boolean | null;
  timestampRaw: string | null;
  samplingPeriodSeconds: number | null;
  seen: Set<Field>;
}

function newBlock(c: ContentLine): Block {
  return {
    line: c.line.no,
    host: c.host,
    currentWatts: null,
    minWatts: null,
    maxWatts: null,
    avgWatts: null,
    active: null,
    timestampRaw: null,
    samplingPeriodSeconds: null,
    seen: new Set(),
  };
}

function finish(b: Block): ParsedPowerReading {
  return {
    kind: 'dcmi',
    line: b.line,
    host: b.host,
    currentWatts: b.currentWatts,
    minWatts: b.minWatts,
    maxWatts: b.maxWatts,
    avgWatts: b.avgWatts,
    // ipmitool before 1.8.13 prints no state line: a reading without one is taken as valid.
    active: b.active ?? b.currentWatts !== null,
    timestampRaw: b.timestampRaw,
    samplingPeriodSeconds: b.samplingPeriodSeconds,
  };
}

type FieldValue =
  | { readonly field: 'current' | 'min' | 'max' | 'avg'; readonly watts: number | null }
  | { readonly field: 'period'; readonly seconds: number | null }
  | { readonly field: 'state'; readonly active: boolean }
  | { readonly field: 'timestamp'; readonly text: string | null };

function readField(field: Field, raw: string): FieldValue {
  switch (field) {
    case 'current':
    case 'min':
    case 'max':
    case 'avg':
      return { field, watts: watts(raw) };
    case 'period':
      return { field, seconds: seconds(raw) };
    case 'state':
      return { field, active: active(raw) };
    case 'timestamp':
      return { field, text: raw.trim() === '' ? null : raw.trim() };
  }
}

function apply(b: Block, v: FieldValue): void {
  switch (v.field) {
    case 'current':
      b.currentWatts = v.watts;
      break;
    case 'min':
      b.minWatts = v.watts;
      break;
    case 'max':
      b.maxWatts = v.watts;
      break;
    case 'avg':
      b.avgWatts = v.watts;
      break;
    case 'period':
      b.samplingPeriodSeconds = v.seconds;
      break;
    case 'state':
      b.active = v.active;
      break;
    case 'timestamp':
      b.timestampRaw = v.text;
      break;
  }
}

export function parseDcmi(lines: readonly Line[]): ParseResult<ParsedPowerReading> {
  const issues: ParseIssue[] = [];
  const records: ParsedPowerReading[] = [];
  const open = new Map<string, Block>();
  for (const c of contentLines(lines, issues)) {
    const text = c.body.trim();
    const key = c.host ?? '';
    try {
      const hit = LABELS.map(([r, f]) => [r.exec(text), f] as const).find(([m]) => m !== null);
      if (!hit) throw new LineError('not a DCMI power reading line');
      const [m, field] = hit;
      // Read the value first: a line that does not parse must not open or change a block.
      const value = readField(field, m?.[1] ?? '');
      let b = open.get(key);
      // A new block starts at a current-power line, or at any field already seen.
      if (!b || field === 'current' || b.seen.has(field)) {
        if (b) records.push(finish(b));
        b = newBlock(c);
        open.set(key, b);
      }
      b.seen.add(field);
      apply(b, value);
    } catch (err) {
      issues.push(parseIssue(c, err instanceof LineError ? err.message : 'internal parser error'));
    }
  }
  for (const b of open.values()) records.push(finish(b));
  records.sort((a, b) => a.line - b.line);
  issues.sort((a, b) => a.line - b.line);
  return { records, issues };
}
