/** Helpers shared by the sensor parsers: states, thresholds, discrete state decoding. */
import { discreteSensorState } from '../severity/classify.js';
import type { SeverityRule } from '../severity/rules.js';
import type { ThresholdName } from '../tables/event-types.js';
import { isKnownStateText, resolveDiscreteState } from '../tables/resolve.js';
import {
  sensorTypeByCode,
  sensorTypeKeyOfCode,
  type SensorTypeDef,
  type SensorTypeKey,
} from '../tables/sensor-types.js';
import type { ParsedSensorReading, SensorState, Thresholds } from '../types.js';

const STATE_RANK: Readonly<Record<SensorState, number>> = {
  disabled: -2,
  unknown: -1,
  ok: 0,
  warning: 1,
  critical: 2,
};

/** The worse of two states; a real verdict (ok/warning/critical) beats unknown and disabled. */
export function worseState(a: SensorState, b: SensorState): SensorState {
  return STATE_RANK[a] >= STATE_RANK[b] ? a : b;
}

export function stateOfThreshold(t: ThresholdName | null): SensorState {
  if (t === null) return 'ok';
  return t === 'LNC' || t === 'UNC' ? 'warning' : 'critical';
}

const SEVERITY_ORDER: readonly ThresholdName[] = ['LNR', 'UNR', 'LCR', 'UCR', 'LNC', 'UNC'];

/** The most severe of several crossed thresholds (non-recoverable over critical over non-critical). */
export function worstThreshold(list: readonly ThresholdName[]): ThresholdName | null {
  for (const t of SEVERITY_ORDER) if (list.includes(t)) return t;
  return null;
}

/**
 * The threshold a reading is at or beyond, from the values alone — used only when the tool's
 * status says a level (`cr`) but not the side, as `ipmitool sensor` does.
 */
export function thresholdFromValues(
  value: number | null,
  th: Thresholds,
  level?: 'nc' | 'cr' | 'nr',
): ThresholdName | null {
  if (value === null) return null;
  const checks: [ThresholdName, number | null, 'lo' | 'hi'][] = [
    ['LNR', th.lnr, 'lo'],
    ['UNR', th.unr, 'hi'],
    ['LCR', th.lcr, 'lo'],
    ['UCR', th.ucr, 'hi'],
    ['LNC', th.lnc, 'lo'],
    ['UNC', th.unc, 'hi'],
  ];
  const wanted =
    level === 'nr'
      ? ['LNR', 'UNR']
      : level === 'cr'
        ? ['LCR', 'UCR']
        : level === 'nc'
          ? ['LNC', 'UNC']
          : null;
  for (const [name, limit, side] of checks) {
    if (wanted && !wanted.includes(name)) continue;
    if (limit === null) continue;
    if (side === 'lo' ? value <= limit : value >= limit) return name;
  }
  if (wanted) {
    // The BMC says a level was crossed but the values do not show which side: if only one
    // side has that threshold, it is that one.
    const present = checks.filter(([n, limit]) => wanted.includes(n) && limit !== null);
    if (present.length === 1) return present[0]?.[0] ?? null;
  }
  return null;
}

/**
 * ipmitool status column: `ok`; `lnc`/`unc`/`lcr`/`ucr`/`lnr`/`unr` (sdr elist, newer
 * `sensor`); `nc`/`cr`/`nr` without the side (`sensor`, `sdr list`); `ns` no reading or
 * disabled; `na` not available.
 */
export function ipmitoolStatus(
  status: string,
): { state: SensorState; threshold: ThresholdName | null; level?: 'nc' | 'cr' | 'nr' } | null {
  const s = status.trim().toLowerCase();
  switch (s) {
    case 'ok':
      return { state: 'ok', threshold: null };
    case 'lnc':
    case 'unc':
    case 'lcr':
    case 'ucr':
    case 'lnr':
    case 'unr': {
      const t = s.toUpperCase() as ThresholdName;
      return { state: stateOfThreshold(t), threshold: t };
    }
    case 'nc':
      return { state: 'warning', threshold: null, level: 'nc' };
    case 'cr':
      return { state: 'critical', threshold: null, level: 'cr' };
    case 'nr':
      return { state: 'critical', threshold: null, level: 'nr' };
    case 'ns':
    case 'na':
    case 'n/a':
      return { state: 'unknown', threshold: null };
    default:
      return null;
  }
}

/**
 * Splits ipmitool's comma-joined discrete states ("Presence detected, Failure detected")
 * without breaking states that contain ", " themselves ("AC out-of-range, but present").
 */
export function splitDiscreteStates(text: string): string[] {
  const parts = text.split(', ');
  const out: string[] = [];
  for (let i = 0; i < parts.length;) {
    let taken = 1;
    for (let j = parts.length; j > i + 1; j--) {
      if (isKnownStateText(parts.slice(i, j).join(', '))) {
        taken = j - i;
        break;
      }
    }
    const s = parts
      .slice(i, i + taken)
      .join(', ')
      .trim();
    if (s !== '') out.push(s);
    i += taken;
  }
  return out;
}

/**
 * The sensor type the asserted states imply (table 42-3), when exactly one type has them
 * all: "Presence detected" alone fits a power supply, a processor or memory, but with
 * "Failure detected" only a power supply. `hint` (from the entity, see typeHintOfEntity)
 * settles a tie among the candidates.
 */
export function typeFromStates(
  states: readonly string[],
  hint: number | null = null,
): SensorTypeDef | null {
  const sets: Set<number>[] = [];
  for (const s of states) {
    const found = new Set<number>();
    for (const c of resolveDiscreteState(s, null).candidates) {
      if (c.sensorTypeCode !== null) found.add(c.sensorTypeCode);
    }
    if (found.size > 0) sets.push(found);
  }
  const [first, ...rest] = sets;
  if (!first) return null;
  const common = [...first].filter((code) => rest.every((set) => set.has(code)));
  const code =
    common.length === 1 ? common[0] : hint !== null && common.includes(hint) ? hint : undefined;
  return code === undefined ? null : (sensorTypeByCode(code) ?? null);
}

/**
 * Entity ids (IPMI v2.0 table 43-13) that say what a sensor monitors, as `ipmitool sdr elist`
 * prints them (`<entity id>.<instance>`, decimal): Dell names its processor and PSU status
 * sensors just "Status", and HPE reports fans in percent, so the entity is the only hint.
 */
const ENTITY_TYPES: Readonly<Record<number, number>> = {
  0x03: 0x07, // processor
  0x04: 0x0d, // disk or disk bay
  0x08: 0x0c, // memory module
  0x0a: 0x08, // power supply
  0x1a: 0x0d, // disk drive bay
  0x1d: 0x04, // fan / cooling device
  0x20: 0x0c, // memory device
  0x28: 0x29, // battery
};

/** The sensor type code an entity (`3.1`) suggests, or null. */
export function typeHintOfEntity(entity: string | null): number | null {
  if (entity === null) return null;
  const id = Number.parseInt(entity.split('.')[0] ?? '', 10);
  return ENTITY_TYPES[id] ?? null;
}

/** Names of the offsets set in a state mask, for a known type (bit n = offset n). */
export function decodeMask(mask: number, def: SensorTypeDef | null): string[] {
  if (!def) return [];
  const out: string[] = [];
  for (let bit = 0; bit < 15; bit++) {
    if ((mask & (1 << bit)) === 0) continue;
    const o = def.offsets.find((d) => d.offset === bit);
    out.push(o ? o.text : `offset ${bit.toString(16).padStart(2, '0')}h`);
  }
  return out;
}

/** State of a discrete sensor from its asserted states, by the severity table; the tool's state when it cannot tell. */
export function discreteState(
  type: SensorTypeKey,
  def: SensorTypeDef | null,
  name: string,
  states: readonly string[],
  fallback: SensorState,
  overrides: readonly SeverityRule[],
): SensorState {
  const ours = discreteSensorState(type, def?.code ?? null, name, states, overrides);
  return ours ?? fallback;
}

export function typeKeyOf(def: SensorTypeDef | null, fallback: SensorTypeKey): SensorTypeKey {
  return def ? sensorTypeKeyOfCode(def.code) : fallback;
}

/** The record with its keys in one order, whatever order a parser assembled it in (stable JSON lines). */
export function sensorRecord(r: ParsedSensorReading): ParsedSensorReading {
  return {
    kind: 'sensor',
    line: r.line,
    host: r.host,
    name: r.name,
    number: r.number,
    recordId: r.recordId,
    type: r.type,
    entity: r.entity,
    readingKind: r.readingKind,
    value: r.value,
    unit: r.unit,
    state: r.state,
    crossedThreshold: r.crossedThreshold,
    thresholds: r.thresholds,
    discreteState: r.discreteState,
    discreteStates: r.discreteStates,
    discreteStateMask: r.discreteStateMask,
    raw: r.raw,
  };
}
