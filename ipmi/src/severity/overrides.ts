/**
 * Operator overrides of the severity table: a YAML or JSON file with rules in the same shape
 * as the built-in ones (rules.ts), tried in file order before the built-in table.
 *
 *   # severity-overrides.yaml
 *   rules:
 *     - id: lab-lids-off
 *       when:
 *         sensorType: physical_security
 *       severity: info
 *       reason: Lab racks run without chassis lids.
 *     - id: dell-psu-mismatch
 *       when: { ... }                   # flow mappings are not supported; use block style
 *
 * The YAML accepted is a small, strict subset (block mappings and sequences, flow sequences
 * `[a, b]`, plain / single- / double-quoted scalars, comments); anything else is rejected
 * with the line number rather than guessed at. The package stays free of a YAML dependency.
 * JSON (`{"rules": [...]}`) is accepted as is.
 */
import { ipmiErrors } from '../errors.js';
import { EVENT_TYPES, THRESHOLD_NAMES, type ThresholdName } from '../tables/event-types.js';
import { knownStateKeys } from '../tables/resolve.js';
import { SENSOR_TYPES, SENSOR_TYPE_KEYS, type SensorTypeKey } from '../tables/sensor-types.js';
import { COMPONENT_KINDS, type ComponentKind } from '../text/component.js';
import type { Direction, Severity } from '../types.js';
import type { RuleMatch, SeverityRule } from './rules.js';

type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };

function fail(message: string): never {
  throw ipmiErrors.error('IPMI_OVERRIDES_INVALID', `severity overrides: ${message}`);
}

// ---------------------------------------------------------------------------------------
// YAML subset
// ---------------------------------------------------------------------------------------

interface YLine {
  readonly no: number;
  readonly indent: number;
  readonly text: string;
}

/** Drops a comment: `#` at the start or after a blank, outside quotes. */
function stripComment(line: string, no: number): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line.charAt(i);
    if (quote !== null) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line.charAt(i - 1)))) {
      return line.slice(0, i);
    }
  }
  if (quote !== null) fail(`line ${no}: unterminated ${quote} quote`);
  return line;
}

function toLines(text: string): YLine[] {
  const out: YLine[] = [];
  text.split(/\r\n|\r|\n/).forEach((raw, i) => {
    const no = i + 1;
    if (/^\s*\t/.test(raw)) fail(`line ${no}: tabs are not allowed for indentation`);
    const body = stripComment(raw, no).trimEnd();
    if (body.trim() === '') return;
    if (body.trim() === '---' || body.trim() === '...') return;
    const indent = body.length - body.trimStart().length;
    out.push({ no, indent, text: body.trimStart() });
  });
  return out;
}

function unquoteDouble(s: string, no: number): string {
  let out = '';
  for (let i = 1; i < s.length - 1; i++) {
    const c = s.charAt(i);
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = s.charAt(++i);
    const esc: Record<string, string> = { n: '\n', t: '\t', '"': '"', '\\': '\\', '/': '/' };
    const v = esc[n];
    if (v === undefined) fail(`line ${no}: unsupported escape \\${n}`);
    out += v;
  }
  return out;
}

function scalar(raw: string, no: number): Yaml {
  const s = raw.trim();
  if (s.startsWith('"')) {
    if (s.length < 2 || !s.endsWith('"')) fail(`line ${no}: unterminated " quote`);
    return unquoteDouble(s, no);
  }
  if (s.startsWith("'")) {
    if (s.length < 2 || !s.endsWith("'")) fail(`line ${no}: unterminated ' quote`);
    return s.slice(1, -1).replace(/''/g, "'");
  }
  if (/^[{&*!|>%@`]/.test(s)) {
    fail(
      `line ${no}: "${s.charAt(0)}" (flow mappings, anchors, tags, block scalars) is not supported; use block style and plain or quoted scalars`,
    );
  }
  if (s.startsWith('[')) return flowSequence(s, no);
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (s === 'null' || s === '~' || s === '') return null;
  if (/^[+-]?\d+(\.\d+)?$/.test(s)) return Number(s);
  return s;
}

function flowSequence(s: string, no: number): Yaml[] {
  if (!s.endsWith(']')) fail(`line ${no}: a flow sequence must end on its line with "]"`);
  const inner = s.slice(1, -1).trim();
  if (inner === '') return [];
  const items: string[] = [];
  let cur = '';
  let quote: string | null = null;
  for (let i = 0; i < inner.length; i++) {
    const c = inner.charAt(i);
    if (quote !== null) {
      cur += c;
      if (c === '\\' && quote === '"') cur += inner.charAt(++i);
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
      cur += c;
    } else if (c === ',') {
      items.push(cur);
      cur = '';
    } else if (c === '[' || c === '{') {
      fail(`line ${no}: nested flow collections are not supported`);
    } else {
      cur += c;
    }
  }
  items.push(cur);
  return items.map((item) => {
    const v = scalar(item, no);
    if (Array.isArray(v)) fail(`line ${no}: nested flow collections are not supported`);
    return v;
  });
}

/**
 * Splits `key: value` (or `key:` before a nested block). Scanned, not matched with one
 * regular expression, so a long line without a colon costs linear time.
 */
function splitKey(text: string, no: number): { key: string; rest: string } | null {
  let keyEnd: number;
  let key: string;
  if (text.startsWith('"') || text.startsWith("'")) {
    const q = text.charAt(0);
    let i = 1;
    for (; i < text.length; i++) {
      const c = text.charAt(i);
      if (q === '"' && c === '\\') i++;
      else if (c === q && !(q === "'" && text.charAt(i + 1) === "'")) break;
      else if (c === q) i++;
    }
    if (i >= text.length) return null;
    key = unquoteKey(text.slice(0, i + 1), no);
    keyEnd = i + 1;
    while (text.charAt(keyEnd) === ' ') keyEnd++;
    if (text.charAt(keyEnd) !== ':') return null;
  } else {
    const m = /:(?=\s|$)/.exec(text);
    if (!m || m.index === 0) return null;
    keyEnd = m.index;
    key = text.slice(0, keyEnd).trim();
    if (/[#'"]/.test(key.charAt(0))) return null;
  }
  return { key, rest: text.slice(keyEnd + 1).trim() };
}

class YamlReader {
  private pos = 0;

  constructor(private readonly lines: YLine[]) {}

  read(): Yaml {
    const first = this.lines[0];
    if (!first) return null;
    const value = this.block(first.indent);
    const rest = this.lines[this.pos];
    if (rest) fail(`line ${rest.no}: unexpected indentation or content`);
    return value;
  }

  private peek(): YLine | undefined {
    return this.lines[this.pos];
  }

  private block(indent: number): Yaml {
    const line = this.peek();
    if (!line) return null;
    if (line.indent !== indent) fail(`line ${line.no}: unexpected indentation`);
    return isItem(line.text) ? this.sequence(indent) : this.mapping(indent);
  }

  private sequence(indent: number): Yaml[] {
    const out: Yaml[] = [];
    for (
      let line = this.peek();
      line && line.indent === indent && isItem(line.text);
      line = this.peek()
    ) {
      const content = line.text === '-' ? '' : line.text.slice(2);
      const contentIndent = indent + (line.text.length - line.text.slice(1).trimStart().length);
      if (content.trim() === '') {
        this.pos++;
        const next = this.peek();
        out.push(next && next.indent > indent ? this.block(next.indent) : null);
      } else if (!/^["'[]/.test(content.trim()) && splitKey(content.trim(), line.no) !== null) {
        // "- key: value": a mapping whose keys line up with `key`.
        this.lines[this.pos] = { no: line.no, indent: contentIndent, text: content.trim() };
        out.push(this.mapping(contentIndent));
      } else {
        this.pos++;
        out.push(scalar(content, line.no));
      }
    }
    return out;
  }

  private mapping(indent: number): { [key: string]: Yaml } {
    const out: { [key: string]: Yaml } = {};
    for (let line = this.peek(); line && line.indent === indent; line = this.peek()) {
      if (isItem(line.text)) fail(`line ${line.no}: a list item where a key was expected`);
      const kv = splitKey(line.text, line.no);
      if (!kv) fail(`line ${line.no}: expected "key: value"`);
      const { key, rest } = kv;
      if (Object.prototype.hasOwnProperty.call(out, key))
        fail(`line ${line.no}: duplicate key "${key}"`);
      this.pos++;
      if (rest !== '') {
        out[key] = scalar(rest, line.no);
        continue;
      }
      const next = this.peek();
      if (next && next.indent > indent) out[key] = this.block(next.indent);
      else if (next && next.indent === indent && isItem(next.text))
        out[key] = this.sequence(indent);
      else out[key] = null;
    }
    return out;
  }
}

function unquoteKey(raw: string, no: number): string {
  if (raw.startsWith('"')) return unquoteDouble(raw, no);
  if (raw.startsWith("'")) return raw.slice(1, -1).replace(/''/g, "'");
  return raw.trim();
}

function isItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

/** Parses the YAML subset described above (exported for tests). */
export function parseYamlSubset(text: string): Yaml {
  return new YamlReader(toLines(text)).read();
}

// ---------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------

const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];
const DIRECTIONS: readonly Direction[] = ['asserted', 'deasserted'];
const RULE_KEYS = new Set(['id', 'when', 'severity', 'reason']);
const MATCH_KEYS = new Set([
  'sensorType',
  'state',
  'threshold',
  'going',
  'direction',
  'component',
  'sensorName',
  'eventText',
  'resolved',
  'noText',
  'oem',
]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringList(v: unknown, where: string): string[] {
  const list = Array.isArray(v) ? v : [v];
  return list.map((item) => {
    if (typeof item !== 'string' || item.trim() === '')
      fail(`${where}: expected a string or a list of strings`);
    return item.trim();
  });
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], where: string): T {
  const s = typeof v === 'string' ? v.trim().toLowerCase() : '';
  const hit = allowed.find((a) => a.toLowerCase() === s);
  if (hit === undefined) fail(`${where}: "${String(v)}" is not one of ${allowed.join(', ')}`);
  return hit;
}

const TYPE_KEYS = new Set<string>(SENSOR_TYPE_KEYS);
const STATE_KEYS = new Set(knownStateKeys());
const TABLE_SLUGS = new Set([
  ...SENSOR_TYPES.map((d) => d.slug),
  ...EVENT_TYPES.map((d) => d.slug),
]);

function validateWhen(raw: unknown, where: string): RuleMatch {
  if (!isObject(raw)) fail(`${where}.when: expected a mapping`);
  const keys = Object.keys(raw);
  if (keys.length === 0) fail(`${where}.when: empty, it would match every entry`);
  for (const k of keys) {
    if (!MATCH_KEYS.has(k))
      fail(`${where}.when: unknown field "${k}" (known: ${[...MATCH_KEYS].join(', ')})`);
  }
  const w: {
    -readonly [K in keyof RuleMatch]: RuleMatch[K];
  } = {};
  if (raw.sensorType !== undefined && raw.sensorType !== null) {
    w.sensorType = stringList(raw.sensorType, `${where}.when.sensorType`).map((s) => {
      const key = s.toLowerCase();
      if (!TYPE_KEYS.has(key))
        fail(
          `${where}.when.sensorType: unknown sensor type "${s}" (use the Avro SensorType symbols, e.g. power_supply)`,
        );
      return key as SensorTypeKey;
    });
  }
  if (raw.state !== undefined && raw.state !== null) {
    w.state = stringList(raw.state, `${where}.when.state`).map((s) => {
      const key = s.toLowerCase();
      if (key.endsWith('.*')) {
        if (!TABLE_SLUGS.has(key.slice(0, -2))) fail(`${where}.when.state: unknown table "${s}"`);
      } else if (!STATE_KEYS.has(key)) {
        fail(`${where}.when.state: unknown state "${s}" (see docs/severity.md for the state keys)`);
      }
      return key;
    });
  }
  if (raw.threshold !== undefined && raw.threshold !== null) {
    w.threshold = stringList(raw.threshold, `${where}.when.threshold`).map((s) =>
      oneOf<ThresholdName>(s, THRESHOLD_NAMES, `${where}.when.threshold`),
    );
  }
  if (raw.going !== undefined && raw.going !== null) {
    w.going = oneOf(raw.going, ['low', 'high'] as const, `${where}.when.going`);
  }
  if (raw.direction !== undefined && raw.direction !== null) {
    w.direction = oneOf(raw.direction, DIRECTIONS, `${where}.when.direction`);
  }
  if (raw.component !== undefined && raw.component !== null) {
    w.component = stringList(raw.component, `${where}.when.component`).map((s) =>
      oneOf<ComponentKind>(s, COMPONENT_KINDS, `${where}.when.component`),
    );
  }
  if (raw.sensorName !== undefined && raw.sensorName !== null) {
    if (typeof raw.sensorName !== 'string' || raw.sensorName.length > 200) {
      fail(`${where}.when.sensorName: expected a regular expression of at most 200 characters`);
    }
    try {
      new RegExp(raw.sensorName, 'i');
    } catch {
      fail(`${where}.when.sensorName: not a valid regular expression: ${raw.sensorName}`);
    }
    w.sensorName = raw.sensorName;
  }
  if (raw.eventText !== undefined && raw.eventText !== null) {
    w.eventText = stringList(raw.eventText, `${where}.when.eventText`);
  }
  for (const flag of ['resolved', 'noText', 'oem'] as const) {
    const v = raw[flag];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'boolean') fail(`${where}.when.${flag}: expected true or false`);
    w[flag] = v;
  }
  return w;
}

function validate(doc: unknown): SeverityRule[] {
  let rules: unknown;
  if (Array.isArray(doc)) rules = doc;
  else if (isObject(doc)) {
    for (const k of Object.keys(doc)) {
      if (k !== 'rules' && k !== 'version')
        fail(`unknown top-level field "${k}" (expected rules, version)`);
    }
    if (doc.version !== undefined && doc.version !== 1)
      fail(`version ${JSON.stringify(doc.version)} is not supported (expected 1)`);
    rules = doc.rules ?? [];
  } else if (doc === null) {
    return [];
  } else {
    fail('expected a mapping with "rules" or a list of rules');
  }
  if (!Array.isArray(rules)) fail('"rules" must be a list');
  const seen = new Set<string>();
  return rules.map((raw, i) => {
    const where = `rules[${i}]`;
    if (!isObject(raw)) fail(`${where}: expected a mapping`);
    for (const k of Object.keys(raw)) {
      if (!RULE_KEYS.has(k))
        fail(`${where}: unknown field "${k}" (expected id, when, severity, reason)`);
    }
    const id = raw.id;
    if (typeof id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/.test(id)) {
      fail(`${where}.id: expected an identifier (letters, digits, . _ -)`);
    }
    if (seen.has(id)) fail(`${where}.id: duplicate rule id "${id}"`);
    seen.add(id);
    const label = `${where} (${id})`;
    const severity = oneOf<Severity>(raw.severity, SEVERITIES, `${label}.severity`);
    if (typeof raw.reason !== 'string' || raw.reason.trim() === '')
      fail(`${label}.reason: required`);
    return { id, when: validateWhen(raw.when, label), severity, reason: raw.reason.trim() };
  });
}

/**
 * Parses and validates an operator override file (YAML subset or JSON). Throws
 * IPMI_OVERRIDES_INVALID naming the line or rule at fault; never anything else.
 */
export function parseSeverityOverrides(text: string): readonly SeverityRule[] {
  if (text.length > 1_000_000) fail('file larger than 1 MB');
  const trimmed = text.trim();
  let doc: unknown;
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      doc = JSON.parse(trimmed);
    } catch (err) {
      fail(`not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
  } else {
    doc = parseYamlSubset(text);
  }
  return validate(doc);
}
