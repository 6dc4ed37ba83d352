/**
 * FreeIPMI `ipmi-sensors` (with `--output-sensor-state`, optionally
 * `--output-sensor-thresholds`, `--output-event-bitmask`, `--no-sensor-type-output`) and
 * `ipmimonitoring` (including `--legacy-output`), CSV or the default `|` table, with or
 * without the header, prefixed or not by host:
 *
 *   ID,Name,Type,State,Reading,Units,Lower NR,Lower C,Lower NC,Upper NC,Upper C,Upper NR,Event
 *   4,FAN1,Fan,Critical,500.00,RPM,300.00,600.00,1000.00,N/A,N/A,N/A,'At or Below (<=) Lower Critical Threshold'
 *   10,PSU1 Status,Power Supply,Critical,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,'Presence detected' 'Power Supply Failure detected'
 *   Record ID | Sensor Name | Sensor Group | Monitoring Status | Sensor Units | Sensor Reading   (legacy)
 *
 * Columns are taken from the header when there is one (the legacy layout has units before
 * the reading), otherwise from the column count and the values. ID is the SDR record id, not
 * the sensor number. FreeIPMI's State is kept as a floor but not trusted alone: it reports a
 * non-critical threshold crossing as Nominal (the Event column names the threshold, which is
 * read here), and a pulled power supply as Nominal. Readings are printed with two decimals;
 * under a decimal-comma locale a CSV reading `12,96` is split in two and is re-joined.
 */
import type { SeverityRule } from '../severity/rules.js';
import type { ThresholdName } from '../tables/event-types.js';
import {
  sensorTypeByName,
  type SensorTypeDef,
  type SensorTypeKey,
} from '../tables/sensor-types.js';
import type { Line } from '../text/lines.js';
import { isNoReading, parseNumber } from '../text/numbers.js';
import { normalizeUnit, typeFromUnit } from '../text/units.js';
import type {
  ParseIssue,
  ParseResult,
  ParsedSensorReading,
  ReadingKind,
  SensorState,
  Thresholds,
} from '../types.js';
import { LineError, contentLines, runLines, type ContentLine } from './common.js';
import {
  decodeMask,
  discreteState,
  sensorRecord,
  stateOfThreshold,
  typeFromStates,
  typeKeyOf,
  worseState,
  worstThreshold,
} from './sensor-common.js';

type Column =
  | 'id'
  | 'name'
  | 'type'
  | 'state'
  | 'reading'
  | 'units'
  | 'lnr'
  | 'lcr'
  | 'lnc'
  | 'unc'
  | 'ucr'
  | 'unr'
  | 'event'
  | 'other';

const HEADER_NAMES: Readonly<Record<string, Column>> = {
  id: 'id',
  'record id': 'id',
  name: 'name',
  'sensor name': 'name',
  type: 'type',
  'sensor type': 'type',
  'sensor group': 'type',
  group: 'type',
  state: 'state',
  'sensor state': 'state',
  'monitoring status': 'state',
  reading: 'reading',
  'sensor reading': 'reading',
  units: 'units',
  unit: 'units',
  'sensor units': 'units',
  'lower nr': 'lnr',
  'lower c': 'lcr',
  'lower nc': 'lnc',
  'upper nc': 'unc',
  'upper c': 'ucr',
  'upper nr': 'unr',
  event: 'event',
  'sensor event': 'event',
};

const THRESHOLD_COLUMNS: readonly Column[] = ['lnr', 'lcr', 'lnc', 'unc', 'ucr', 'unr'];
const TOOL_STATES = new Set(['nominal', 'warning', 'critical', 'n/a', 'unknown']);

type Sep = '|' | ',';

function split(body: string): { sep: Sep; fields: string[] } {
  const t = body.trim();
  const sep: Sep = t.includes('|') ? '|' : ',';
  return { sep, fields: t.split(sep).map((f) => f.trim()) };
}

function headerOf(fields: readonly string[]): Column[] | null {
  const first = (fields[0] ?? '').toLowerCase().replace(/[\s_]+/g, ' ');
  if (first !== 'id' && first !== 'record id') return null;
  const cols = fields.map((f) => HEADER_NAMES[f.toLowerCase().replace(/[\s_]+/g, ' ')] ?? 'other');
  return cols.includes('name') ? cols : null;
}

/** Layout of a headerless row from its column count (and, for 6 and 12, whether column 3 is a state). */
function guessLayout(fields: readonly string[]): readonly Column[] | null {
  const third = (fields[2] ?? '').toLowerCase();
  const thr = THRESHOLD_COLUMNS;
  switch (fields.length) {
    case 5:
      return ['id', 'name', 'reading', 'units', 'event'];
    case 6:
      return TOOL_STATES.has(third)
        ? ['id', 'name', 'state', 'reading', 'units', 'event']
        : ['id', 'name', 'type', 'reading', 'units', 'event'];
    case 7:
      return ['id', 'name', 'type', 'state', 'reading', 'units', 'event'];
    case 11:
      return ['id', 'name', 'reading', 'units', ...thr, 'event'];
    case 12:
      return TOOL_STATES.has(third)
        ? ['id', 'name', 'state', 'reading', 'units', ...thr, 'event']
        : ['id', 'name', 'type', 'reading', 'units', ...thr, 'event'];
    case 13:
      return ['id', 'name', 'type', 'state', 'reading', 'units', ...thr, 'event'];
    default:
      return null;
  }
}

/**
 * Re-joins readings split by a decimal comma in CSV: FreeIPMI prints `%.2f`, so under a
 * decimal-comma locale `12.96` becomes `12,96` — an integer column followed by a two-digit
 * one. Joined left to right from the reading onwards until the count fits.
 */
function repairDecimalCommas(fields: string[], fits: (n: number) => boolean): string[] {
  const out = [...fields];
  for (let i = 2; i < out.length - 1 && !fits(out.length);) {
    if (/^[+-]?\d+$/.test(out[i] ?? '') && /^\d{2}$/.test(out[i + 1] ?? '')) {
      out.splice(i, 2, `${out[i] ?? ''}.${out[i + 1] ?? ''}`);
    } else {
      i++;
    }
  }
  return out;
}

const EVENT_THRESHOLD = /(Lower|Upper) (Non-Critical|Critical|Non-Recoverable)/gi;

function thresholdsInEvent(text: string): ThresholdName[] {
  const out: ThresholdName[] = [];
  for (const m of text.matchAll(EVENT_THRESHOLD)) {
    const side = (m[1] ?? '').toLowerCase() === 'lower' ? 'L' : 'U';
    const level = (m[2] ?? '').toLowerCase();
    out.push(`${side}${level === 'non-critical' ? 'NC' : level === 'critical' ? 'CR' : 'NR'}`);
  }
  return out;
}

/** Threshold comparison bits of Get Sensor Reading byte 3 (`--output-event-bitmask`, threshold sensors). */
const MASK_THRESHOLDS: readonly ThresholdName[] = ['LNC', 'LCR', 'LNR', 'UNC', 'UCR', 'UNR'];

function toolState(text: string | undefined): SensorState | null {
  switch ((text ?? '').trim().toLowerCase()) {
    case 'nominal':
      return 'ok';
    case 'warning':
      return 'warning';
    case 'critical':
      return 'critical';
    case 'n/a':
    case 'unknown':
      return 'unknown';
    default:
      return null;
  }
}

function parseRow(
  c: ContentLine,
  layout: readonly Column[],
  fields: readonly string[],
  overrides: readonly SeverityRule[],
): ParsedSensorReading {
  const col = (name: Column): string | undefined => {
    const i = layout.indexOf(name);
    return i < 0 ? undefined : fields[i];
  };
  const id = col('id') ?? '';
  if (!/^\d{1,6}$/.test(id)) throw new LineError(`record id "${id}" is not a number`);
  const name = col('name') ?? '';
  if (name === '') throw new LineError('empty sensor name');

  const stateText = col('state');
  const tState = toolState(stateText);
  if (stateText !== undefined && tState === null)
    throw new LineError(`unknown state "${stateText}"`);

  const readingText = col('reading') ?? 'N/A';
  let value = parseNumber(readingText);
  const eventText = col('event') ?? 'N/A';
  // Legacy ipmimonitoring puts a discrete sensor's states in the reading column.
  const discreteInReading = value === null && readingText.startsWith("'");
  if (value === null && !isNoReading(readingText) && !discreteInReading) {
    throw new LineError(`reading "${readingText}" is not a number`);
  }
  const unitText = col('units') ?? 'N/A';
  const unit = normalizeUnit(unitText);
  const thresholds: Thresholds = {
    lnr: parseNumber(col('lnr') ?? ''),
    lcr: parseNumber(col('lcr') ?? ''),
    lnc: parseNumber(col('lnc') ?? ''),
    unc: parseNumber(col('unc') ?? ''),
    ucr: parseNumber(col('ucr') ?? ''),
    unr: parseNumber(col('unr') ?? ''),
  };

  const typeText = col('type');
  const typed = typeText === undefined ? undefined : sensorTypeByName(typeText);
  let def: SensorTypeDef | null = typed?.def ?? null;
  const stateSource = discreteInReading ? readingText : eventText;
  const quoted = [...stateSource.matchAll(/'([^']*)'/g)].map((m) => (m[1] ?? '').trim());
  const bitmask = /^([0-9a-f]{1,4})h$/i.exec(eventText.trim());
  const mask = bitmask ? Number.parseInt(bitmask[1] ?? '', 16) : null;

  const thresholdSensor =
    value !== null ||
    (unit !== null && !discreteInReading) ||
    thresholdsInEvent(eventText).length > 0;
  const readingKind: ReadingKind = thresholdSensor
    ? 'threshold'
    : quoted.length > 0 || mask !== null || def !== null
      ? 'discrete'
      : 'unknown';

  if (thresholdSensor) {
    let crossed: ThresholdName[] = thresholdsInEvent(eventText);
    if (mask !== null) crossed = MASK_THRESHOLDS.filter((_, bit) => (mask & (1 << bit)) !== 0);
    const worst = worstThreshold(crossed);
    let state: SensorState;
    if (value === null) {
      value = null;
      state = /disabled/i.test(eventText) ? 'disabled' : 'unknown';
    } else {
      state = worseState(tState ?? 'ok', stateOfThreshold(worst));
    }
    const type: SensorTypeKey =
      unit === 'W' ? 'power' : (typed?.key ?? typeFromUnit(unit) ?? 'unknown');
    return {
      kind: 'sensor',
      line: c.line.no,
      host: c.host,
      name,
      number: null,
      recordId: id,
      type,
      entity: null,
      readingKind,
      value,
      unit,
      state,
      crossedThreshold: value === null ? null : worst,
      thresholds,
      discreteState: null,
      discreteStates: [],
      discreteStateMask: null,
      raw: c.body.trim(),
    };
  }

  let states = quoted.filter((s) => s !== '' && s.toUpperCase() !== 'OK');
  if (mask !== null) states = decodeMask(mask, def);
  def ??= typeFromStates(states);
  const type = typed?.key ?? typeKeyOf(def, 'unknown');
  let state: SensorState;
  if (readingKind === 'unknown') {
    state = /disabled/i.test(eventText) ? 'disabled' : (tState ?? 'unknown');
  } else {
    state = discreteState(type, def, name, states, tState ?? 'unknown', overrides);
  }
  return {
    kind: 'sensor',
    line: c.line.no,
    host: c.host,
    name,
    number: null,
    recordId: id,
    type,
    entity: null,
    readingKind,
    value: null,
    unit: null,
    state,
    crossedThreshold: null,
    thresholds,
    discreteState: mask !== null ? eventText.trim() : states.length > 0 ? states.join(', ') : null,
    discreteStates: states,
    discreteStateMask: mask,
    raw: c.body.trim(),
  };
}

export function parseFreeipmiSensors(
  lines: readonly Line[],
  overrides: readonly SeverityRule[],
): ParseResult<ParsedSensorReading> {
  const issues: ParseIssue[] = [];
  const layouts = new Map<string, readonly Column[]>();
  return runLines(contentLines(lines, issues), issues, (c) => {
    const { sep, fields: raw } = split(c.body);
    const header = headerOf(raw);
    const key = c.host ?? '';
    if (header) {
      layouts.set(key, header);
      return null;
    }
    const known = layouts.get(key);
    let fields = raw;
    if (sep === ',') {
      const fits = known
        ? (n: number) => n === known.length
        : (n: number) => [5, 6, 7, 11, 12, 13].includes(n);
      fields = repairDecimalCommas(raw, fits);
    }
    const layout = known ?? guessLayout(fields);
    if (!layout)
      throw new LineError(`cannot tell the columns of a row with ${fields.length} fields`);
    if (fields.length !== layout.length) {
      throw new LineError(`expected ${layout.length} columns, found ${fields.length}`);
    }
    return sensorRecord(parseRow(c, layout, fields, overrides));
  });
}
