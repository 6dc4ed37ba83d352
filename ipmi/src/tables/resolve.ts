/**
 * Resolves an event back to its IPMI meaning: (event/reading type, offset) and, for
 * sensor-specific events, the sensor type. From raw codes when a caller has them (Avro
 * events carry sensorTypeCode, eventReadingTypeCode and eventOffset), otherwise from the text
 * a tool printed ("Correctable ECC", "Power Supply input lost (AC/DC)", "Upper Critical going
 * high") — the severity rules are written against the meaning, never against the wording.
 */
import {
  EVENT_TYPES,
  EVENT_TYPE_SENSOR_SPECIFIC,
  EVENT_TYPE_THRESHOLD,
  THRESHOLD_OFFSETS,
  eventTypeByCode,
  type ThresholdName,
} from './event-types.js';
import {
  SENSOR_TYPES,
  normalizeText,
  sensorTypeByCode,
  type OffsetDef,
  type SensorTypeDef,
} from './sensor-types.js';

export interface ResolvedState {
  /** `<table slug>.<offset key>`, e.g. `memory.correctable_ecc`, `threshold.ucr_going_high`, `redundancy.redundancy_lost`. */
  readonly stateKey: string;
  /** 01h threshold, 02h-0Ch generic discrete, 6Fh sensor-specific. */
  readonly eventTypeCode: number;
  readonly offset: number;
  /** For sensor-specific states: the sensor type code the offset belongs to. */
  readonly sensorTypeCode: number | null;
  /** The state as table 42-2 / 42-3 names it. */
  readonly text: string;
  /** For threshold states: which threshold and which way the reading went. */
  readonly threshold: ThresholdName | null;
  readonly going: 'low' | 'high' | null;
}

export interface Resolution {
  /** The state, when the text or codes name exactly one. */
  readonly state: ResolvedState | null;
  /** Every state the text could name (more than one when ambiguous, e.g. ipmitool's firmware hang vs progress). */
  readonly candidates: readonly ResolvedState[];
}

function stateOf(
  table: { slug: string; code: number },
  def: OffsetDef,
  sensorTypeCode: number | null,
): ResolvedState {
  const thr =
    table.code === EVENT_TYPE_THRESHOLD
      ? THRESHOLD_OFFSETS.find((t) => t.offset === def.offset)
      : undefined;
  return {
    stateKey: `${table.slug}.${def.key}`,
    eventTypeCode: sensorTypeCode === null ? table.code : EVENT_TYPE_SENSOR_SPECIFIC,
    offset: def.offset,
    sensorTypeCode,
    text: def.text,
    threshold: thr?.threshold ?? null,
    going: thr?.going ?? null,
  };
}

function addTo(index: Map<string, ResolvedState[]>, text: string, state: ResolvedState): void {
  const norm = normalizeText(text);
  if (norm === '') return;
  const list = index.get(norm) ?? [];
  if (!list.some((s) => s.stateKey === state.stateKey)) list.push(state);
  index.set(norm, list);
}

/** Per sensor type: normalised text -> states of that type. */
const perType = new Map<number, Map<string, ResolvedState[]>>();
/** Every sensor-specific state of every type. */
const allSpecific = new Map<string, ResolvedState[]>();
/** Threshold (01h) and generic discrete (02h-0Ch) states. */
const generic = new Map<string, ResolvedState[]>();
const allStates = new Map<string, ResolvedState>();

for (const type of SENSOR_TYPES) {
  const index = new Map<string, ResolvedState[]>();
  for (const def of type.offsets) {
    const state = stateOf({ slug: type.slug, code: type.code }, def, type.code);
    allStates.set(state.stateKey, state);
    for (const text of [def.text, ...def.aliases]) {
      addTo(index, text, state);
      addTo(allSpecific, text, state);
    }
  }
  perType.set(type.code, index);
}
for (const table of EVENT_TYPES) {
  for (const def of table.offsets) {
    const state = stateOf(table, def, null);
    allStates.set(state.stateKey, state);
    for (const text of [def.text, ...def.aliases]) addTo(generic, text, state);
  }
}

/** Every state key the tables define (for validating operator override files). */
export function knownStateKeys(): readonly string[] {
  return [...allStates.keys()];
}

export function stateByKey(key: string): ResolvedState | undefined {
  return allStates.get(key);
}

/** The state named by raw codes (SEL record bytes 11, 13 and event data 1 bits 3-0). */
export function resolveByCodes(
  sensorTypeCode: number | null,
  eventTypeCode: number,
  offset: number,
): ResolvedState | null {
  if (eventTypeCode === EVENT_TYPE_SENSOR_SPECIFIC) {
    if (sensorTypeCode === null) return null;
    const type = sensorTypeByCode(sensorTypeCode);
    const def = type?.offsets.find((d) => d.offset === offset);
    return type && def ? stateOf({ slug: type.slug, code: type.code }, def, type.code) : null;
  }
  const table = eventTypeByCode(eventTypeCode);
  const def = table?.offsets.find((d) => d.offset === offset);
  return table && def ? stateOf(table, def, null) : null;
}

/**
 * Texts to try, most specific first: the whole text, then the part before a FreeIPMI
 * " ; " suffix ("Correctable memory error ; OEM Event Data2 code = 00h"), then the part
 * before a vendor parenthesis (ipmitool appends Dell / Supermicro OEM decoding as
 * "Correctable ECC (@DIMMA1(CPU1))"), then before an embedded " | " (Dell decoding), then
 * before a ", " (event data 2 texts).
 */
function variants(text: string): string[] {
  const out: string[] = [text];
  const cut = (sep: string): void => {
    const i = text.indexOf(sep);
    if (i > 0) out.push(text.slice(0, i));
  };
  cut(' ; ');
  cut(' (');
  cut('(');
  cut(' | ');
  // ipmitool appends event data 2 after a comma: "Firmware or software change detected, BIOS/EFI change".
  cut(', ');
  return [...new Set(out.map(normalizeText).filter((s) => s !== ''))];
}

function unique(states: readonly ResolvedState[]): Resolution {
  return { state: states.length === 1 ? (states[0] ?? null) : null, candidates: states };
}

const NONE: Resolution = { state: null, candidates: [] };

/**
 * The state an event text names. With a known sensor type, its own table 42-3 offsets come
 * first, then threshold and generic texts. Without one (OEM or unknown type), threshold and
 * generic texts, then sensor-specific texts of every type — a unique hit also tells the type.
 */
export function resolveByText(text: string, type: SensorTypeDef | null): Resolution {
  // SEL texts repeat (a storm of one event, the same boot sequence every day): memoised,
  // bounded so that arbitrary input cannot grow it without limit.
  const key = `${type?.code ?? ''}|${text}`;
  const hit = memo.get(key);
  if (hit) return hit;
  const r = resolveUncached(text, type);
  if (memo.size >= 5000) memo.clear();
  memo.set(key, r);
  return r;
}

const memo = new Map<string, Resolution>();

function resolveUncached(text: string, type: SensorTypeDef | null): Resolution {
  for (const v of variants(text)) {
    if (type) {
      const own = perType.get(type.code)?.get(v);
      if (own && own.length > 0) return unique(own);
    }
    const gen = generic.get(v);
    if (gen && gen.length > 0) return unique(gen);
    if (!type) {
      const any = allSpecific.get(v);
      if (any && any.length > 0) return unique(any);
    }
  }
  return NONE;
}

/** Sensor-specific states only (discrete sensor readings), for a known type or any type. */
export function resolveDiscreteState(text: string, type: SensorTypeDef | null): Resolution {
  const v = normalizeText(text);
  if (type) {
    const own = perType.get(type.code)?.get(v);
    if (own && own.length > 0) return unique(own);
  }
  const gen = generic.get(v);
  if (gen && gen.length > 0) return unique(gen);
  const any = allSpecific.get(v);
  return any && any.length > 0 ? unique(any) : NONE;
}

/** Whether a text is some known state text (for splitting ipmitool's comma-joined discrete states). */
export function isKnownStateText(text: string): boolean {
  const v = normalizeText(text);
  return allSpecific.has(v) || generic.has(v);
}
