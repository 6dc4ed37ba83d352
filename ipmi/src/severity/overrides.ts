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
 *
 * Read with the `yaml` package (YAML 1.2 core schema, so JSON is accepted as is); syntax
 * errors name the line, aliases are refused (an override should say what it means where it
 * stands), and the document is then validated rule by rule.
 */
import { parseDocument } from 'yaml';
import { ipmiErrors } from '../errors.js';
import { EVENT_TYPES, THRESHOLD_NAMES, type ThresholdName } from '../tables/event-types.js';
import { knownStateKeys } from '../tables/resolve.js';
import { SENSOR_TYPES, SENSOR_TYPE_KEYS, type SensorTypeKey } from '../tables/sensor-types.js';
import { COMPONENT_KINDS, type ComponentKind } from '../text/component.js';
import type { Direction, Severity } from '../types.js';
import type { RuleMatch, SeverityRule } from './rules.js';

function fail(message: string): never {
  throw ipmiErrors.error('IPMI_OVERRIDES_INVALID', `severity overrides: ${message}`);
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
 * Parses and validates an operator override file (YAML or JSON). Throws
 * IPMI_OVERRIDES_INVALID naming the line or rule at fault; never anything else.
 */
export function parseSeverityOverrides(text: string): readonly SeverityRule[] {
  if (text.length > 1_000_000) fail('file larger than 1 MB');
  const doc = parseDocument(text, { schema: 'core', uniqueKeys: true });
  const problem = doc.errors[0];
  if (problem) {
    const line = problem.linePos?.[0].line ?? '?';
    const sentence = (problem.message.split('\n')[0] ?? '').replace(
      / at line \d+, column \d+:?$/,
      '',
    );
    fail(`line ${line}: ${sentence}`);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 0 });
  } catch (err) {
    fail(`aliases are not allowed: ${err instanceof Error ? err.message : String(err)}`);
  }
  return validate(value);
}
