/**
 * The severity classifier, shared by the collector's `parse` CLI and the stream processors.
 * Pure: the rule table (rules.ts) plus optional operator overrides decide; nothing else.
 */
import { resolveByCodes, resolveByText, type ResolvedState } from '../tables/resolve.js';
import {
  SENSOR_TYPES,
  SENSOR_TYPE_KEYS,
  sensorTypeByCode,
  sensorTypeByName,
  sensorTypeKeyOfCode,
  type SensorTypeDef,
  type SensorTypeKey,
} from '../tables/sensor-types.js';
import type { ThresholdName } from '../tables/event-types.js';
import { componentIn, extractComponent, type ComponentKind } from '../text/component.js';
import type { Direction, SensorState, Severity } from '../types.js';
import { SEVERITY_RULES, type SeverityRule } from './rules.js';

/**
 * A SEL entry in either vocabulary: the parsers' (`event`, `direction: 'asserted'`,
 * `eventTypeCode`) or the Avro contract's (`description`, `eventDirection: 'ASSERTION'`,
 * `eventReadingTypeCode`, upper-case `sensorType`). Raw codes, when present, decide the
 * state; the text is the fallback.
 */
export interface SelEntryLike {
  readonly sensorType?: string | null;
  readonly sensorTypeCode?: number | null;
  readonly sensorName?: string | null;
  readonly event?: string | null;
  readonly description?: string | null;
  readonly direction?: string | null;
  readonly eventDirection?: string | null;
  readonly eventTypeCode?: number | null;
  readonly eventReadingTypeCode?: number | null;
  readonly eventOffset?: number | null;
  readonly eventData?: string | null;
  readonly oem?: boolean | null;
  readonly recordTypeCode?: number | null;
  readonly component?: string | null;
}

export interface Classification {
  readonly severity: Severity;
  /** Why: the text of the rule that decided (or of the ambiguity). */
  readonly reason: string;
  /** Id of the deciding rule (`memory.correctable-ecc`), `override:<id>` for operator rules, `ambiguous` when the text named several states that disagree. */
  readonly ruleId: string;
  /** The physical part the entry names, normalised (`DIMM A1 (CPU 1)`, `PSU 2`); null when none. */
  readonly component: string | null;
  /** The IPMI state the entry resolved to (`memory.correctable_ecc`); null when unresolved or ambiguous. */
  readonly state: string | null;
  /** The sensor type, normalised; inferred from the state when the entry's own type was unknown. */
  readonly sensorType: SensorTypeKey;
}

const RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, critical: 2 };

export function maxSeverity(a: Severity, b: Severity): Severity {
  return RANK[a] >= RANK[b] ? a : b;
}

const KEY_SET = new Set<string>(SENSOR_TYPE_KEYS);

function normalizeTypeKey(text: string | null | undefined, code: number | null): SensorTypeKey {
  if (text !== null && text !== undefined && text !== '') {
    const lower = text.trim().toLowerCase();
    if (KEY_SET.has(lower)) return lower as SensorTypeKey;
    const byName = sensorTypeByName(text);
    if (byName) return byName.key;
  }
  return code === null ? 'unknown' : sensorTypeKeyOfCode(code);
}

function normalizeDirection(text: string | null | undefined): Direction | null {
  if (text === null || text === undefined) return null;
  const t = text.trim().toLowerCase();
  if (t === 'asserted' || t === 'assertion' || t === 'assertion event') return 'asserted';
  if (t === 'deasserted' || t === 'deassertion' || t === 'deassertion event') return 'deasserted';
  return null;
}

/** The table-42-3 definition for a normalised type, when it is unambiguous (two codes share WATCHDOG). */
function typeDef(key: SensorTypeKey, code: number | null): SensorTypeDef | null {
  if (code !== null) return sensorTypeByCode(code) ?? null;
  const defs = SENSOR_TYPES.filter((d) => d.key === key);
  return defs.length === 1 ? (defs[0] ?? null) : null;
}

interface Context {
  readonly sensorType: SensorTypeKey;
  readonly sensorName: string | null;
  readonly text: string;
  readonly textLower: string;
  readonly direction: Direction | null;
  readonly componentKind: ComponentKind | null;
  readonly oem: boolean;
}

/** A rule's match with its state patterns and name pattern prepared once. */
interface Compiled {
  readonly exact: ReadonlySet<string> | null;
  readonly prefixes: readonly string[];
  readonly name: RegExp | null;
}

const compiled = new WeakMap<SeverityRule, Compiled>();

function compile(rule: SeverityRule): Compiled {
  let c = compiled.get(rule);
  if (!c) {
    const states = rule.when.state;
    let name: RegExp | null = null;
    if (rule.when.sensorName !== undefined) {
      try {
        name = new RegExp(rule.when.sensorName, 'i');
      } catch {
        name = null;
      }
    }
    c = {
      exact: states ? new Set(states.filter((p) => !p.endsWith('.*'))) : null,
      prefixes: states ? states.filter((p) => p.endsWith('.*')).map((p) => p.slice(0, -1)) : [],
      name,
    };
    compiled.set(rule, c);
  }
  return c;
}

function matches(rule: SeverityRule, ctx: Context, state: ResolvedState | null): boolean {
  const w = rule.when;
  if (w.oem !== undefined && w.oem !== ctx.oem) return false;
  if (w.resolved !== undefined && (state !== null) !== w.resolved) return false;
  if (w.noText === true && ctx.text.trim() !== '') return false;
  if (w.sensorType && !w.sensorType.includes(ctx.sensorType)) return false;
  const c = compile(rule);
  if (c.exact) {
    if (!state) return false;
    const key = state.stateKey;
    if (!c.exact.has(key) && !c.prefixes.some((p) => key.startsWith(p))) return false;
  }
  if (w.threshold) {
    if (!state?.threshold || !w.threshold.includes(state.threshold)) return false;
  }
  if (w.going !== undefined && state?.going !== w.going) return false;
  // A direction the tool did not print is taken as an assertion, which nearly every SEL entry is.
  if (w.direction !== undefined && (ctx.direction ?? 'asserted') !== w.direction) return false;
  if (w.component) {
    if (ctx.componentKind === null || !w.component.includes(ctx.componentKind)) return false;
  }
  if (w.sensorName !== undefined) {
    if (!c.name || ctx.sensorName === null || !c.name.test(ctx.sensorName)) return false;
  }
  if (w.eventText) {
    if (!w.eventText.some((s) => ctx.textLower.includes(s.toLowerCase()))) return false;
  }
  return true;
}

function firstRule(
  ctx: Context,
  state: ResolvedState | null,
  overrides: readonly SeverityRule[],
): { rule: SeverityRule; override: boolean } {
  for (const rule of overrides) if (matches(rule, ctx, state)) return { rule, override: true };
  for (const rule of SEVERITY_RULES)
    if (matches(rule, ctx, state)) return { rule, override: false };
  // The table ends with a catch-all rule, so this is never reached.
  return {
    rule: { id: 'unresolved.default', when: {}, severity: 'warning', reason: 'no rule matched' },
    override: false,
  };
}

function idOf(hit: { rule: SeverityRule; override: boolean }): string {
  return hit.override ? `override:${hit.rule.id}` : hit.rule.id;
}

/**
 * Classifies one SEL entry by IPMI semantics (issue 4 item 1). `overrides` are operator
 * rules (parseSeverityOverrides) tried, in order, before the built-in table.
 */
export function classifySelEntry(
  entry: SelEntryLike,
  overrides: readonly SeverityRule[] = NO_OVERRIDES,
): Classification {
  // A pure function of its input: memoised per override list, because SEL entries repeat
  // (an ECC storm is thousands of identical lines). Bounded, so input cannot grow it.
  let memo = memos.get(overrides);
  if (!memo) {
    memo = new Map();
    memos.set(overrides, memo);
  }
  const key = JSON.stringify([
    entry.sensorType,
    entry.sensorTypeCode,
    entry.sensorName,
    entry.event ?? entry.description,
    entry.direction ?? entry.eventDirection,
    entry.eventTypeCode ?? entry.eventReadingTypeCode,
    entry.eventOffset,
    entry.eventData,
    entry.oem,
    entry.recordTypeCode,
    entry.component,
  ]);
  const hit = memo.get(key);
  if (hit) return hit;
  const result = classifyUncached(entry, overrides);
  if (memo.size >= 5000) memo.clear();
  memo.set(key, result);
  return result;
}

const NO_OVERRIDES: readonly SeverityRule[] = Object.freeze([]);
const memos = new WeakMap<readonly SeverityRule[], Map<string, Classification>>();

function classifyUncached(entry: SelEntryLike, overrides: readonly SeverityRule[]): Classification {
  const code = entry.sensorTypeCode ?? null;
  let sensorType = normalizeTypeKey(entry.sensorType, code);
  const text = entry.event ?? entry.description ?? '';
  const direction = normalizeDirection(entry.direction ?? entry.eventDirection);
  const oem =
    entry.oem === true ||
    (entry.recordTypeCode !== null &&
      entry.recordTypeCode !== undefined &&
      entry.recordTypeCode >= 0xc0);

  let candidates: readonly ResolvedState[] = [];
  const eventType = entry.eventTypeCode ?? entry.eventReadingTypeCode ?? null;
  const offset = entry.eventOffset ?? null;
  if (!oem && eventType !== null && offset !== null) {
    const byCodes = resolveByCodes(code, eventType, offset);
    if (byCodes) candidates = [byCodes];
  }
  if (!oem && candidates.length === 0 && text.trim() !== '') {
    candidates = resolveByText(text, typeDef(sensorType, code)).candidates;
  }
  const single = candidates.length === 1 ? (candidates[0] ?? null) : null;
  if (single?.sensorTypeCode !== null && single?.sensorTypeCode !== undefined) {
    if (sensorType === 'unknown' || sensorType === 'other') {
      sensorType = sensorTypeKeyOfCode(single.sensorTypeCode);
    }
  }

  const given = entry.component ?? null;
  const component =
    given !== null
      ? componentIn(given)
      : extractComponent([text, entry.eventData, entry.sensorName]);
  const componentName = given ?? component?.name ?? null;
  const ctx: Context = {
    sensorType,
    sensorName: entry.sensorName ?? null,
    text,
    textLower: text.toLowerCase(),
    direction,
    componentKind: component?.kind ?? null,
    oem,
  };

  if (candidates.length <= 1) {
    const hit = firstRule(ctx, single, overrides);
    return {
      severity: hit.rule.severity,
      reason: hit.rule.reason,
      ruleId: idOf(hit),
      component: componentName,
      state: single?.stateKey ?? null,
      sensorType,
    };
  }

  // The text names several states (ipmitool prints the same progress-code text for a
  // firmware hang and for firmware progress). Agreeing candidates decide; disagreeing ones
  // give a warning, or the worst of them when none is informational.
  const hits = candidates.map((c) => ({ state: c, hit: firstRule(ctx, c, overrides) }));
  const severities = hits.map((h) => h.hit.rule.severity);
  const first = hits[0];
  if (first && severities.every((s) => s === first.hit.rule.severity)) {
    return {
      severity: first.hit.rule.severity,
      reason: first.hit.rule.reason,
      ruleId: idOf(first.hit),
      component: componentName,
      state: null,
      sensorType,
    };
  }
  const severity: Severity = severities.includes('info')
    ? 'warning'
    : severities.reduce<Severity>((a, b) => maxSeverity(a, b), 'info');
  return {
    severity,
    reason: `ambiguous: "${text}" can mean ${hits
      .map((h) => `${h.state.stateKey} (${h.hit.rule.severity})`)
      .join(' or ')}; the tool's text does not say which`,
    ruleId: 'ambiguous',
    component: componentName,
    state: null,
    sensorType,
  };
}

/** Severity of a sensor reading from its state or the threshold it crossed (SensorReadingRecorded.state). */
export function classifySensorState(
  state: SensorState | ThresholdName | Uppercase<SensorState>,
): { severity: Severity; reason: string } | null {
  switch (state) {
    case 'ok':
    case 'OK':
      return { severity: 'info', reason: 'reading inside all thresholds' };
    case 'warning':
    case 'WARNING':
    case 'LNC':
    case 'UNC':
      return {
        severity: 'warning',
        reason: 'non-critical threshold crossed (or a discrete state classed as a warning)',
      };
    case 'critical':
    case 'CRITICAL':
    case 'LCR':
    case 'UCR':
      return {
        severity: 'critical',
        reason: 'critical threshold crossed (or a discrete state classed as critical)',
      };
    case 'LNR':
    case 'UNR':
      return { severity: 'critical', reason: 'non-recoverable threshold crossed' };
    default:
      // unknown (no reading) and disabled (not scanned, entity absent): no verdict on the
      // hardware; a sensor that stops reading is the poll's business, not a severity.
      return null;
  }
}

/**
 * Health of a discrete sensor from its asserted states, judged by the same table as SEL
 * entries (each state as an assertion of that offset). Null when a state cannot be
 * resolved, so the caller falls back to the tool's own state.
 */
export function discreteSensorState(
  sensorType: SensorTypeKey,
  sensorTypeCode: number | null,
  sensorName: string,
  states: readonly string[],
  overrides: readonly SeverityRule[] = NO_OVERRIDES,
): SensorState | null {
  let worst: Severity = 'info';
  for (const s of states) {
    const c = classifySelEntry(
      { sensorType, sensorTypeCode, sensorName, event: s, direction: 'asserted' },
      overrides,
    );
    if (c.state === null) return null;
    worst = maxSeverity(worst, c.severity);
  }
  return worst === 'info' ? 'ok' : worst;
}
