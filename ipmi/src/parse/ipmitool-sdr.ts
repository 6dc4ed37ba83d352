/**
 * `ipmitool sdr elist` (`sdr elist full|all`, `sdr type <type>`) and `ipmitool sdr list`:
 *
 *   CPU Temp         | 01h | ok  |  3.1 | 45 degrees C
 *   FAN2             | 04h | ns  | 29.2 | Disabled
 *   PSU1 Status      | 09h | ok  | 10.1 | Presence detected, Failure detected
 *   CPU2 Temp        | 0Bh | ns  |  3.2 | No Reading
 *   CPU Temp         | 85 degrees C      | nc                       (sdr list)
 *
 * Columns of elist: name, sensor number (hex), status, entity id.instance (table 43-13,
 * decimal), reading. The status of a discrete sensor is `ok` whatever states are asserted
 * (ipmi_sdr.c), so discrete sensors are judged from their state texts by the severity
 * table; the texts also tell the sensor type, which elist does not print.
 */
import type { SeverityRule } from '../severity/rules.js';
import type { Line } from '../text/lines.js';
import { parseHex, parseValueWithUnit } from '../text/numbers.js';
import { normalizeUnit, typeFromUnit } from '../text/units.js';
import {
  NO_THRESHOLDS,
  type ParseIssue,
  type ParseResult,
  type ParsedSensorReading,
  type SensorState,
} from '../types.js';
import { LineError, contentLines, runLines, type ContentLine } from './common.js';
import {
  discreteState,
  ipmitoolStatus,
  sensorRecord,
  splitDiscreteStates,
  typeFromStates,
  typeHintOfEntity,
  typeKeyOf,
} from './sensor-common.js';

const ENTITY = /^\d{1,3}\.\d{1,3}$/;
const SENSOR_NUMBER = /^[0-9a-f]{2}h$/i;

function parseLine(c: ContentLine, overrides: readonly SeverityRule[]): ParsedSensorReading {
  const body = c.body.trim();
  const f = body.split('|').map((s) => s.trim());
  let name: string;
  let number: number | null = null;
  let statusText: string;
  let entity: string | null = null;
  let reading: string;
  if (f.length === 5) {
    [name = '', , statusText = '', entity = '', reading = ''] = f;
    if (!SENSOR_NUMBER.test(f[1] ?? ''))
      throw new LineError(`sensor number "${f[1] ?? ''}" is not like 0Ah`);
    number = parseHex(f[1] ?? '');
    if (!ENTITY.test(entity)) throw new LineError(`entity "${entity}" is not like 3.1`);
  } else if (f.length === 3) {
    [name = '', reading = '', statusText = ''] = f;
  } else {
    throw new LineError(`expected 5 columns (sdr elist) or 3 (sdr list), found ${f.length}`);
  }
  if (name === '') throw new LineError('empty sensor name');
  const status = ipmitoolStatus(statusText);
  if (!status) throw new LineError(`unknown status "${statusText}"`);

  const base = {
    kind: 'sensor' as const,
    line: c.line.no,
    host: c.host,
    name,
    number,
    recordId: null,
    entity,
    thresholds: NO_THRESHOLDS,
    raw: body,
  };

  const lower = reading.toLowerCase();
  if (
    lower === 'disabled' ||
    lower === 'no reading' ||
    lower === 'event-only' ||
    lower === 'not readable'
  ) {
    return {
      ...base,
      type: 'unknown',
      readingKind: lower === 'event-only' ? 'discrete' : 'unknown',
      value: null,
      unit: null,
      state: lower === 'disabled' ? 'disabled' : 'unknown',
      crossedThreshold: null,
      discreteState: null,
      discreteStates: [],
      discreteStateMask: null,
    };
  }

  const numeric = parseValueWithUnit(reading);
  if (numeric) {
    const unit = normalizeUnit(numeric.unit);
    // HPE iLO reports fan speed in percent; the unit does not say fan, the entity (29, fan) does.
    const hinted = typeHintOfEntity(entity) === 0x04 && unit === '%' ? 'fan' : null;
    return {
      ...base,
      type: typeFromUnit(unit) ?? hinted ?? 'unknown',
      readingKind: 'threshold',
      value: numeric.value,
      unit,
      state: status.state,
      crossedThreshold: status.threshold,
      discreteState: null,
      discreteStates: [],
      discreteStateMask: null,
    };
  }

  // `sdr list` prints a discrete sensor's state byte (`0x03`) instead of its states.
  const hex = /^0x([0-9a-f]{2,4})$/i.exec(reading);
  if (hex) {
    return {
      ...base,
      type: 'unknown',
      readingKind: 'discrete',
      value: null,
      unit: null,
      state: 'unknown',
      crossedThreshold: null,
      discreteState: reading,
      discreteStates: [],
      discreteStateMask: Number.parseInt(hex[1] ?? '', 16),
    };
  }

  const states = splitDiscreteStates(reading);
  const def = typeFromStates(states, typeHintOfEntity(entity));
  const type = typeKeyOf(def, 'unknown');
  const fallback: SensorState = status.state === 'ok' ? 'ok' : status.state;
  return {
    ...base,
    type,
    readingKind: 'discrete',
    value: null,
    unit: null,
    state: discreteState(type, def, name, states, fallback, overrides),
    crossedThreshold: null,
    discreteState: states.length > 0 ? states.join(', ') : null,
    discreteStates: states,
    discreteStateMask: null,
  };
}

export function parseIpmitoolSdr(
  lines: readonly Line[],
  overrides: readonly SeverityRule[],
): ParseResult<ParsedSensorReading> {
  const issues: ParseIssue[] = [];
  return runLines(contentLines(lines, issues), issues, (c) =>
    sensorRecord(parseLine(c, overrides)),
  );
}
