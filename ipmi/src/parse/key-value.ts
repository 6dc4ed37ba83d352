/**
 * `Label : value` outputs: ipmitool `sel info`, `chassis status`, `mc info`, `fru` and
 * FreeIPMI `ipmi-sel --info`, `ipmi-chassis --get-chassis-status`, `bmc-info`, `ipmi-fru`.
 * ipmitool pads the label to a column (`System Power         : on`, but also
 * `Sleep Button Disabled: false`); FreeIPMI does the same or writes `Label: value`
 * (`FRU Board Manufacturer: Supermicro`, and `FRU Product Name:` for an empty field).
 *
 * One record per output, so a loop or a fan-out gives several: a block is kept per host and
 * closes when one of its fields comes again. Labels the record does not use are known and
 * skipped (tools add lines across versions and OEMs); a label nobody knows is skipped too
 * when the output also held a record, and reported only when nothing parsed, so that the
 * wrong format or plain garbage is still IPMI_PARSE_FAILED.
 */
import type { Line } from '../text/lines.js';
import { isNoReading } from '../text/numbers.js';
import type { ParseIssue, ParseResult, ParsedRecord } from '../types.js';
import { LineError, contentLines, parseIssue, type ContentLine } from './common.js';

export interface KeyValue {
  /** The label as printed, without its padding. */
  readonly key: string;
  /** The value, trimmed; empty when the tool printed none. */
  readonly value: string;
}

/**
 * A label starts with a letter or `#` (ipmitool `# of Alloc Units`) and holds no `|`, `,`,
 * `;` or `=`: a SEL row (`1 | 11/28/26 | 14:03:41 | ...`) or a CSV row is never a field.
 */
const KEY_VALUE = /^([A-Za-z#][^:|,;=]*?)\s*:\s*(.*)$/;

/**
 * One word glued to its colon (`node1: ...`) is how a host prefix looks, and no tool prints
 * a field so: labels are padded to a column (`Entries          : 3`) or have several words
 * (`Sleep Button Disabled: false`, `FRU Board Manufacturer: Supermicro`). Refusing the shape
 * keeps a line from meaning one thing in a fan-out and another outside it.
 */
const HOST_SHAPE = /^\S+:/;

export function splitKeyValue(text: string): KeyValue | null {
  const t = text.trim();
  if (HOST_SHAPE.test(t)) return null;
  const m = KEY_VALUE.exec(t);
  if (!m) return null;
  return { key: (m[1] ?? '').trim(), value: (m[2] ?? '').trim() };
}

/** Label as looked up: lower case, one blank between words. */
export function labelKey(label: string): string {
  return label.trim().toLowerCase().replace(/\s+/g, ' ');
}

/** `32`, `0x20`, `20h`; `256 (0x0100)` (ipmitool prints the id in both radixes). */
export function parseId(text: string): number | null {
  const t = text.trim();
  let m = /^(\d{1,10})(?:\s*\(0x[0-9a-f]+\))?$/i.exec(t);
  if (m) return Number.parseInt(m[1] ?? '', 10);
  m = /^0x([0-9a-f]{1,8})$/i.exec(t) ?? /^([0-9a-f]{1,8})h$/i.exec(t);
  if (m) return Number.parseInt(m[1] ?? '', 16);
  return null;
}

/** An id field: a number in either radix, null for `Unknown` / `N/A`, a LineError otherwise. */
export function readId(text: string): number | null {
  if (isNoReading(text)) return null;
  const n = parseId(text);
  if (n === null) throw new LineError(`"${text}" is not a number`);
  return n;
}

const TRUE_WORDS = new Set(['true', 'yes', 'on', 'active', 'supported', 'asserted']);
const FALSE_WORDS = new Set(['false', 'no', 'off', 'inactive', 'unsupported', 'deasserted']);

/** The tools' yes/no words: `true`, `Yes`, `on`, `active`, `supported` and their opposites. */
export function readFlag(text: string): boolean | null {
  const t = text.trim().toLowerCase();
  if (TRUE_WORDS.has(t)) return true;
  if (FALSE_WORDS.has(t)) return false;
  if (isNoReading(t)) return null;
  throw new LineError(`"${text}" is neither true nor false`);
}

/** A text field: null when empty or "no value" (`N/A`, `Unknown`, `Not Available`). */
export function readText(text: string): string | null {
  const t = text.trim();
  return isNoReading(t) ? null : t;
}

/** A field as printed: null only when empty. */
export function readRaw(text: string): string | null {
  const t = text.trim();
  return t === '' ? null : t;
}

export interface KeyValueSpec<P extends object, R extends ParsedRecord> {
  /** What one record is, for messages (`SEL information line`). */
  readonly what: string;
  /** Label (as labelKey gives it) → field. Several labels may fill one field. */
  readonly labels: ReadonlyMap<string, keyof P>;
  /** Reads each field's value; throws LineError for a value that does not fit. */
  readonly read: { readonly [K in keyof P]-?: (value: string) => P[K] };
  /** Labels the tools print that the record does not keep. */
  readonly ignored: ReadonlySet<string>;
  /** Label-less lines that head a section (`Channel Information`), as labelKey gives them. */
  readonly headings?: ReadonlySet<string>;
  /**
   * Labels whose value is a list on the lines after it, one item a line and no label
   * (ipmitool `mc info`: `Additional Device Support :` then `    Sensor Device`).
   */
  readonly lists?: ReadonlySet<string>;
  readonly build: (first: ContentLine, values: Partial<P>) => R;
}

interface Block<P> {
  readonly first: ContentLine;
  readonly values: { -readonly [K in keyof P]?: P[K] };
}

interface HostState<P> {
  block: Block<P> | null;
  /** The previous labelled line opened a list. */
  inList: boolean;
}

export function parseKeyValue<P extends object, R extends ParsedRecord>(
  lines: readonly Line[],
  spec: KeyValueSpec<P, R>,
): ParseResult<R> {
  const issues: ParseIssue[] = [];
  const records: R[] = [];
  const unknown: ContentLine[] = [];
  const hosts = new Map<string, HostState<P>>();
  const close = (st: HostState<P>): void => {
    if (st.block) records.push(spec.build(st.block.first, st.block.values));
    st.block = null;
  };
  for (const c of contentLines(lines, issues)) {
    const key = c.host ?? '';
    let st = hosts.get(key);
    if (!st) {
      st = { block: null, inList: false };
      hosts.set(key, st);
    }
    try {
      const text = c.body.trim();
      const kv = splitKeyValue(text);
      if (kv === null) {
        if (st.inList || spec.headings?.has(labelKey(text)) === true) continue;
        throw new LineError(`not a ${spec.what} line`);
      }
      const label = labelKey(kv.key);
      st.inList = kv.value === '' && spec.lists?.has(label) === true;
      const field = spec.labels.get(label);
      if (field === undefined) {
        if (!spec.ignored.has(label) && spec.lists?.has(label) !== true) unknown.push(c);
        continue;
      }
      // Read the value first: a line that does not parse must not open or change a block.
      const value = spec.read[field](kv.value);
      if (st.block && Object.hasOwn(st.block.values, field)) close(st);
      st.block ??= { first: c, values: {} };
      st.block.values[field] = value;
    } catch (err) {
      issues.push(parseIssue(c, err instanceof LineError ? err.message : 'internal parser error'));
    }
  }
  for (const st of hosts.values()) close(st);
  // Unknown labels are tolerated beside a record; with none, they are why nothing parsed.
  if (records.length === 0) {
    for (const c of unknown) issues.push(parseIssue(c, `not a ${spec.what} line`));
  }
  records.sort((a, b) => a.line - b.line);
  issues.sort((a, b) => a.line - b.line);
  return { records, issues };
}

/** Builds the label map from `[field, labels...]` rows. */
export function labelMap<F>(rows: readonly (readonly [F, ...string[]])[]): ReadonlyMap<string, F> {
  const map = new Map<string, F>();
  for (const [field, ...labels] of rows) for (const l of labels) map.set(labelKey(l), field);
  return map;
}

export function labelSet(labels: readonly string[]): ReadonlySet<string> {
  return new Set(labels.map(labelKey));
}
