/**
 * What an input event says about alert conditions. Pure: event → observations, one per
 * condition the event speaks about. An observation is either "this condition is present now"
 * or "this condition is gone"; what that does to alerts (dedupe, hysteresis, inhibition,
 * flapping) is model.ts's business, so these rules stay a readable table of IPMI meaning.
 *
 * Silence is a rule too: a reading with state UNKNOWN or DISABLED (sensor not readable, entity
 * absent) neither raises nor clears, because "we could not see" is not "it is fine".
 */
import type {
  AlertResolutionReason,
  AnyEvent,
  BmcReachabilityChanged,
  ChassisPowerObserved,
  ComponentType,
  SelEntryRecorded,
  SensorReadingRecorded,
  SensorType,
  Severity,
  ThresholdName,
} from '@ipmi-monitor/schemas';

/** Severities that open alerts; INFO never does and UNKNOWN is unreadable. */
export type AlertSeverity = Extract<Severity, 'WARNING' | 'CRITICAL'>;

/** The parts of an alert fingerprint (serverId, componentType, component, condition). */
export interface ConditionKey {
  readonly serverId: string;
  readonly componentType: ComponentType;
  readonly component: string;
  readonly condition: string;
}

/** What an alert says about the sensor behind it (all null for BMC and chassis alerts). */
export interface SensorDetails {
  readonly sensorId: string | null;
  readonly sensorType: SensorType | null;
  readonly value: number | null;
  readonly threshold: number | null;
  readonly unit: string | null;
}

export const NO_SENSOR: SensorDetails = {
  sensorId: null,
  sensorType: null,
  value: null,
  threshold: null,
  unit: null,
};

export interface ConditionPresent extends SensorDetails {
  readonly kind: 'present';
  readonly key: ConditionKey;
  readonly severity: AlertSeverity;
  readonly summary: string;
  /** SEL event offset that asserted it, so only the matching deassertion clears it. */
  readonly selOffset: number | null;
  readonly eventId: string;
  readonly occurredAt: number;
}

export interface ConditionClear {
  readonly kind: 'clear';
  readonly serverId: string;
  readonly componentType: ComponentType;
  readonly component: string;
  /** Conditions of that component this clears; every condition of it when null. */
  readonly conditions: readonly string[] | null;
  /** A deassertion clears only what its own offset asserted; null matches any offset. */
  readonly selOffset: number | null;
  readonly reason: AlertResolutionReason;
  readonly eventId: string;
  readonly occurredAt: number;
}

export type Observation = ConditionPresent | ConditionClear;

export const SENSOR_THRESHOLD = 'SENSOR_THRESHOLD';
export const SENSOR_STATE = 'SENSOR_STATE';
export const BMC_UNREACHABLE = 'BMC_UNREACHABLE';

function isAlertSeverity(s: string | null): s is AlertSeverity {
  return s === 'WARNING' || s === 'CRITICAL';
}

const THRESHOLD_FIELD = {
  LNR: 'lnr',
  LCR: 'lcr',
  LNC: 'lnc',
  UNC: 'unc',
  UCR: 'ucr',
  UNR: 'unr',
} as const satisfies Partial<Record<ThresholdName, string>>;

function crossedValue(r: SensorReadingRecorded): number | null {
  const t = r.crossedThreshold;
  if (t === null || t === 'UNKNOWN' || r.thresholds === null) return null;
  return r.thresholds[THRESHOLD_FIELD[t]];
}

function withUnit(v: number, unit: string | null): string {
  return unit === null ? String(v) : `${v} ${unit}`;
}

function readingObservations(r: SensorReadingRecorded): Observation[] {
  if (r.state === 'OK') {
    return [
      {
        kind: 'clear',
        serverId: r.serverId,
        componentType: 'SENSOR',
        component: r.sensorId,
        conditions: [SENSOR_THRESHOLD, SENSOR_STATE],
        selOffset: null,
        reason: 'CONDITION_CLEARED',
        eventId: r.eventId,
        occurredAt: r.occurredAt,
      },
    ];
  }
  if (!isAlertSeverity(r.state)) return [];
  // One fingerprint per sensor whatever threshold is crossed: UNC → UCR is the same problem
  // getting worse (an escalation), not a second alert.
  const threshold = r.readingKind === 'THRESHOLD';
  const limit = threshold ? crossedValue(r) : null;
  let summary: string;
  if (threshold) {
    const reading =
      r.value === null ? r.sensorName : `${r.sensorName} ${withUnit(r.value, r.unit)}`;
    const t = r.crossedThreshold;
    summary =
      t === null || t === 'UNKNOWN'
        ? `${reading} ${r.state.toLowerCase()}`
        : `${reading} ${t.startsWith('U') ? 'above' : 'below'} ${t}${limit === null ? '' : ` ${withUnit(limit, r.unit)}`}`;
  } else {
    const states = r.discreteStates.join(', ');
    summary =
      states === '' ? `${r.sensorName} ${r.state.toLowerCase()}` : `${r.sensorName}: ${states}`;
  }
  return [
    {
      kind: 'present',
      key: {
        serverId: r.serverId,
        componentType: 'SENSOR',
        component: r.sensorId,
        condition: threshold ? SENSOR_THRESHOLD : SENSOR_STATE,
      },
      severity: r.state,
      summary,
      sensorId: r.sensorId,
      sensorType: r.sensorType,
      value: r.value,
      threshold: limit,
      unit: r.unit,
      selOffset: null,
      eventId: r.eventId,
      occurredAt: r.occurredAt,
    },
  ];
}

/**
 * Condition code of a SEL entry from its sensor type. Memory and power-supply offsets are
 * told apart where the difference changes what an operator does (IPMI v2.0 table 42-3: memory
 * 00h correctable ECC vs 01h uncorrectable; power supply 01h failure vs 03h AC lost).
 */
export function selCondition(e: Pick<SelEntryRecorded, 'sensorType' | 'eventOffset'>): string {
  switch (e.sensorType) {
    case 'MEMORY':
      if (e.eventOffset === 1) return 'SEL_MEMORY_UNCORRECTABLE_ECC';
      return 'SEL_MEMORY_ECC';
    case 'POWER_SUPPLY':
      if (e.eventOffset === 1) return 'SEL_PSU_FAILURE';
      if (e.eventOffset === 3) return 'SEL_PSU_AC_LOST';
      return 'SEL_PSU';
    case 'FAN':
    case 'COOLING_DEVICE':
      return 'SEL_FAN';
    case 'TEMPERATURE':
      return 'SEL_TEMPERATURE';
    case 'PROCESSOR':
      return 'SEL_PROCESSOR';
    default:
      return `SEL_${e.sensorType}`;
  }
}

/** The component of a SEL entry: its sensor (a DIMM, a PSU), by the most stable name known. */
function selComponent(e: SelEntryRecorded): string {
  return e.sensorId ?? e.sensorName ?? `${e.sensorType}#${e.sensorNumber ?? '?'}`;
}

/** Condition of a part that is gone: a deasserted "Presence detected" (PSU, drive, fan). */
export const PART_REMOVED = 'PART_REMOVED';

/**
 * Threshold event offsets (IPMI v2.0 table 42-2) whose deassertion means the reading is back
 * inside every threshold: the non-critical ones (LNC going low/high, UNC going low/high). A
 * deasserted critical crossing may still leave a non-critical one asserted.
 */
const BACK_TO_NORMAL_OFFSETS: readonly number[] = [0x00, 0x01, 0x06, 0x07];

/** A SEL entry as evidence that `condition` of `component` is present. */
function selPresent(
  e: SelEntryRecorded & { severity: AlertSeverity },
  componentType: ComponentType,
  component: string,
  condition: string,
  summary: string,
  selOffset: number | null,
): ConditionPresent {
  return {
    kind: 'present',
    key: { serverId: e.serverId, componentType, component, condition },
    severity: e.severity,
    summary,
    sensorId: e.sensorId,
    sensorType: e.sensorType,
    value: null,
    threshold: null,
    unit: null,
    selOffset,
    eventId: e.eventId,
    occurredAt: e.occurredAt,
  };
}

/** A SEL entry as evidence that `conditions` of `component` have cleared. */
function selClear(
  e: SelEntryRecorded,
  componentType: ComponentType,
  component: string,
  conditions: readonly string[],
  selOffset: number | null,
  reason: ConditionClear['reason'],
): ConditionClear {
  return {
    kind: 'clear',
    serverId: e.serverId,
    componentType,
    component,
    conditions,
    selOffset,
    reason,
    eventId: e.eventId,
    occurredAt: e.occurredAt,
  };
}

function selObservations(e: SelEntryRecorded): Observation[] {
  const asserted = e.eventDirection === 'ASSERTION';
  const alerting = isAlertSeverity(e.severity) ? { ...e, severity: e.severity } : null;
  // A threshold event of a sensor we also poll is the same problem as its readings: one
  // SENSOR_THRESHOLD alert, raised by whichever arrives first, the other one evidence.
  if (e.eventReadingTypeCode === 0x01 && e.sensorId !== null) {
    if (e.eventDirection === 'DEASSERTION') {
      if (e.eventOffset === null || !BACK_TO_NORMAL_OFFSETS.includes(e.eventOffset)) return [];
      return [selClear(e, 'SENSOR', e.sensorId, [SENSOR_THRESHOLD], null, 'DEASSERTED')];
    }
    if (!asserted || alerting === null) return [];
    const summary = `${e.sensorName ?? e.sensorId}: ${e.description ?? 'threshold crossed'}`;
    return [selPresent(alerting, 'SENSOR', e.sensorId, SENSOR_THRESHOLD, summary, null)];
  }
  const component = selComponent(e);
  const name = e.sensorName ?? component;
  if (e.eventDirection === 'DEASSERTION') {
    // The classifier marks a deassertion alert-worthy when losing the state is the problem:
    // "Presence detected" deasserted on a PSU, drive or fan means the part was pulled.
    if (alerting !== null) {
      const summary = `${name}: ${e.description ?? 'state'} deasserted`;
      return [selPresent(alerting, 'SEL', component, PART_REMOVED, summary, null)];
    }
    return [selClear(e, 'SEL', component, [selCondition(e)], e.eventOffset, 'DEASSERTED')];
  }
  if (!asserted) return [];
  if (alerting === null) {
    // An informational assertion of the same sensor (presence detected again) ends a
    // removal; for any other sensor there is no such alert and the clear matches nothing.
    return [selClear(e, 'SEL', component, [PART_REMOVED], null, 'CONDITION_CLEARED')];
  }
  const summary = `${name}: ${e.description ?? 'event asserted'}`;
  return [selPresent(alerting, 'SEL', component, selCondition(e), summary, e.eventOffset)];
}

function bmcObservations(e: BmcReachabilityChanged): Observation[] {
  if (e.reachable) {
    return [
      {
        kind: 'clear',
        serverId: e.serverId,
        componentType: 'BMC',
        component: 'bmc',
        conditions: [BMC_UNREACHABLE],
        selOffset: null,
        reason: 'CONDITION_CLEARED',
        eventId: e.eventId,
        occurredAt: e.occurredAt,
      },
    ];
  }
  const why = [e.reason, e.message].filter((s) => s !== null).join(': ');
  return [
    {
      kind: 'present',
      key: {
        serverId: e.serverId,
        componentType: 'BMC',
        component: 'bmc',
        condition: BMC_UNREACHABLE,
      },
      severity: 'CRITICAL',
      summary: `BMC unreachable${why === '' ? '' : ` (${why})`}`,
      ...NO_SENSOR,
      selOffset: null,
      eventId: e.eventId,
      occurredAt: e.occurredAt,
    },
  ];
}

/** Chassis status bits that are faults, with the severity and wording of each. */
const CHASSIS_FAULTS = [
  {
    field: 'powerFault',
    condition: 'CHASSIS_POWER_FAULT',
    severity: 'CRITICAL',
    text: 'Main power fault',
  },
  {
    field: 'powerOverload',
    condition: 'CHASSIS_POWER_OVERLOAD',
    severity: 'CRITICAL',
    text: 'Power overload shutdown',
  },
  {
    field: 'coolingFault',
    condition: 'CHASSIS_COOLING_FAULT',
    severity: 'CRITICAL',
    text: 'Cooling/fan fault',
  },
  {
    field: 'driveFault',
    condition: 'CHASSIS_DRIVE_FAULT',
    severity: 'WARNING',
    text: 'Drive fault',
  },
] as const satisfies readonly {
  field: keyof ChassisPowerObserved;
  condition: string;
  severity: AlertSeverity;
  text: string;
}[];

function chassisObservations(e: ChassisPowerObserved): Observation[] {
  const out: Observation[] = [];
  for (const f of CHASSIS_FAULTS) {
    const bit = e[f.field];
    if (bit === null) continue; // not read: say nothing
    if (bit) {
      out.push({
        kind: 'present',
        key: {
          serverId: e.serverId,
          componentType: 'POWER',
          component: 'chassis',
          condition: f.condition,
        },
        severity: f.severity,
        summary: f.text,
        ...NO_SENSOR,
        selOffset: null,
        eventId: e.eventId,
        occurredAt: e.occurredAt,
      });
    } else {
      out.push({
        kind: 'clear',
        serverId: e.serverId,
        componentType: 'POWER',
        component: 'chassis',
        conditions: [f.condition],
        selOffset: null,
        reason: 'CONDITION_CLEARED',
        eventId: e.eventId,
        occurredAt: e.occurredAt,
      });
    }
  }
  return out;
}

/** Observations of one input event; events that say nothing about conditions yield none. */
export function observe(event: AnyEvent): readonly Observation[] {
  switch (event.type) {
    case 'SensorReadingRecorded':
      return readingObservations(event.value);
    case 'SelEntryRecorded':
      return selObservations(event.value);
    case 'BmcReachabilityChanged':
      return bmcObservations(event.value);
    case 'ChassisPowerObserved':
      return chassisObservations(event.value);
    default:
      return [];
  }
}
