/**
 * `ipmitool sensor` (`sensor list`), ipmitool 1.8.11 to 1.8.19, `|` or `-c` CSV:
 *
 *   CPU Temp   | 45.000     | degrees C  | ok    | na        | na        | na        | 80.000    | 90.000    | 100.000
 *   FAN1       | 500.000    | RPM        | cr    | 300.000   | 600.000   | 1000.000  | na        | na        | na
 *   PSU1 Status| 0x3        | discrete   | 0x0300| na        | na        | na        | na        | na        | na
 *   CPU2 Temp  | na         |            | na    | na        | na        | na        | na        | na        | na
 *
 * The six columns after the status are, in this order, LNR, LCR, LNC, UNC, UCR, UNR
 * (ipmi_sensor.c prints lower non-recoverable first); reading them as LNC, LCR, LNR is the
 * classic mis-mapping. The status is `nc`/`cr`/`nr` without the side, which the thresholds
 * then tell. Discrete sensors print the state bits of Get Sensor Reading bytes 3-4 as
 * `0x<byte3><byte4>`; `ipmitool sensor` prints no sensor type, so the bits stay undecoded
 * and the state `unknown` (use `sdr elist` or FreeIPMI for decoded discrete states).
 */
import { normalizeUnit, typeFromUnit } from '../text/units.js';
import type { Line } from '../text/lines.js';
import { isNoReading, parseNumber } from '../text/numbers.js';
import type {
  ParseIssue,
  ParseResult,
  ParsedSensorReading,
  SensorState,
  Thresholds,
} from '../types.js';
import { LineError, contentLines, runLines, type ContentLine } from './common.js';
import { ipmitoolStatus, sensorRecord, thresholdFromValues } from './sensor-common.js';

const STATE_BYTES = /^0x([0-9a-f]{2})([0-9a-f]{2})$/i;

function parseLine(c: ContentLine): ParsedSensorReading {
  const body = c.body.trim();
  const sep = body.includes('|') ? '|' : ',';
  const f = body.split(sep).map((s) => s.trim());
  if (f.length !== 10 && f.length !== 4) {
    throw new LineError(
      `expected 10 columns (name, reading, unit, status, LNR, LCR, LNC, UNC, UCR, UNR), found ${f.length}`,
    );
  }
  const [name = '', valueText = '', unitText = '', statusText = ''] = f;
  if (name === '') throw new LineError('empty sensor name');

  const thresholds: Thresholds = {
    lnr: parseNumber(f[4] ?? ''),
    lcr: parseNumber(f[5] ?? ''),
    lnc: parseNumber(f[6] ?? ''),
    unc: parseNumber(f[7] ?? ''),
    ucr: parseNumber(f[8] ?? ''),
    unr: parseNumber(f[9] ?? ''),
  };
  for (let i = 4; i < f.length; i++) {
    const cell = f[i] ?? '';
    if (parseNumber(cell) === null && !isNoReading(cell)) {
      throw new LineError(`threshold column ${i - 3} "${cell}" is not a number`);
    }
  }

  const discrete = unitText.toLowerCase() === 'discrete' || /^0x[0-9a-f]+$/i.test(valueText);
  if (discrete) {
    const bytes = STATE_BYTES.exec(statusText);
    const mask = bytes
      ? Number.parseInt(bytes[1] ?? '', 16) | (Number.parseInt(bytes[2] ?? '', 16) << 8)
      : null;
    return {
      kind: 'sensor',
      line: c.line.no,
      host: c.host,
      name,
      number: null,
      recordId: null,
      type: 'unknown',
      entity: null,
      readingKind: 'discrete',
      value: null,
      unit: null,
      state: bytes ? 'unknown' : (ipmitoolStatus(statusText)?.state ?? 'unknown'),
      crossedThreshold: null,
      thresholds,
      discreteState: bytes ? statusText : null,
      discreteStates: [],
      discreteStateMask: mask,
      raw: body,
    };
  }

  const value = parseNumber(valueText);
  if (value === null && !isNoReading(valueText)) {
    throw new LineError(`reading "${valueText}" is not a number`);
  }
  const status = ipmitoolStatus(statusText);
  if (!status) throw new LineError(`unknown status "${statusText}"`);
  const unit = normalizeUnit(unitText);
  let state: SensorState = status.state;
  let crossed = status.threshold;
  if (value === null) {
    state = 'unknown';
    crossed = null;
  } else if (crossed === null && status.level) {
    crossed = thresholdFromValues(value, thresholds, status.level);
  }
  return {
    kind: 'sensor',
    line: c.line.no,
    host: c.host,
    name,
    number: null,
    recordId: null,
    type: typeFromUnit(unit) ?? 'unknown',
    entity: null,
    readingKind: 'threshold',
    value,
    unit,
    state,
    crossedThreshold: crossed,
    thresholds,
    discreteState: null,
    discreteStates: [],
    discreteStateMask: null,
    raw: body,
  };
}

export function parseIpmitoolSensor(lines: readonly Line[]): ParseResult<ParsedSensorReading> {
  const issues: ParseIssue[] = [];
  return runLines(contentLines(lines, issues), issues, (c) => sensorRecord(parseLine(c)));
}
