/**
 * Entry point of the parsers: `parse(format, text)` and `parseDetailed(format, text)`.
 *
 * Error policy. A poll's output is kept whole where it can be: every line that parses
 * yields its record (in input order, with its 1-based `line`), and every line that does not
 * becomes a ParseIssue naming its line — `parseDetailed` returns both, so a collector
 * publishes the good entries and logs or counts the bad lines. `parse` is the strict
 * convenience: it returns the records and drops the issues, and throws only when the input
 * held something but no record at all — IPMI_TOOL_ERROR when every problem line was an
 * error message of the tool itself, IPMI_PARSE_FAILED (naming the first bad line)
 * otherwise. Empty output (an empty SEL) is an empty list, not an error. Nothing but these
 * coded errors and IPMI_UNKNOWN_FORMAT ever escapes.
 */
import { ipmiErrors } from '../errors.js';
import type { SeverityRule } from '../severity/rules.js';
import { splitLines } from '../text/lines.js';
import type {
  ParseResult,
  ParsedBmcClock,
  ParsedBmcInfo,
  ParsedChassisStatus,
  ParsedFruDevice,
  ParsedPowerReading,
  ParsedRecord,
  ParsedSelEntry,
  ParsedSelInfo,
  ParsedSensorReading,
} from '../types.js';
import { parseBmcClock } from './bmc-clock.js';
import { parseBmcInfo } from './bmc-info.js';
import { parseChassisStatus } from './chassis-status.js';
import { parseDcmi } from './dcmi.js';
import { parseFreeipmiSel } from './freeipmi-sel.js';
import { parseFreeipmiSensors } from './freeipmi-sensors.js';
import { parseFru } from './fru.js';
import { parseIpmitoolSdr } from './ipmitool-sdr.js';
import { parseIpmitoolSel } from './ipmitool-sel.js';
import { parseIpmitoolSensor } from './ipmitool-sensor.js';
import { parseSelInfo } from './sel-info.js';

export interface FormatRecords {
  /** `ipmitool sel elist` / `sel list` (also `-c`). */
  'ipmitool-sel-elist': ParsedSelEntry;
  /** `ipmi-sel` (CSV or table, with or without header, `-v`, `--output-event-state`). */
  'freeipmi-sel': ParsedSelEntry;
  /** `ipmitool sensor`. */
  'ipmitool-sensor': ParsedSensorReading;
  /** `ipmitool sdr elist` / `sdr list`. */
  'ipmitool-sdr-elist': ParsedSensorReading;
  /** `ipmi-sensors` (`--output-sensor-state`, thresholds, bitmask) and `ipmimonitoring`. */
  'freeipmi-sensors': ParsedSensorReading;
  /** `ipmitool dcmi power reading`. */
  'ipmitool-dcmi': ParsedPowerReading;
  /** `ipmi-dcmi --get-system-power-statistics`. */
  'freeipmi-dcmi': ParsedPowerReading;
  /** `ipmitool sel info`. */
  'ipmitool-sel-info': ParsedSelInfo;
  /** `ipmi-sel --info`. */
  'freeipmi-sel-info': ParsedSelInfo;
  /** `ipmitool sel time get`. */
  'ipmitool-sel-time': ParsedBmcClock;
  /** `bmc-device --get-sel-time`. */
  'freeipmi-sel-time': ParsedBmcClock;
  /** `ipmitool chassis status`. */
  'ipmitool-chassis-status': ParsedChassisStatus;
  /** `ipmi-chassis --get-chassis-status`. */
  'freeipmi-chassis-status': ParsedChassisStatus;
  /** `ipmitool mc info`. */
  'ipmitool-mc-info': ParsedBmcInfo;
  /** `bmc-info`. */
  'freeipmi-bmc-info': ParsedBmcInfo;
  /** `ipmitool fru` / `fru print [id]`: one record per FRU device. */
  'ipmitool-fru': ParsedFruDevice;
  /** `ipmi-fru`: one record per FRU device. */
  'freeipmi-fru': ParsedFruDevice;
}

export type Format = keyof FormatRecords;

export const FORMATS: readonly Format[] = [
  'ipmitool-sel-elist',
  'freeipmi-sel',
  'ipmitool-sensor',
  'ipmitool-sdr-elist',
  'freeipmi-sensors',
  'ipmitool-dcmi',
  'freeipmi-dcmi',
  'ipmitool-sel-info',
  'freeipmi-sel-info',
  'ipmitool-sel-time',
  'freeipmi-sel-time',
  'ipmitool-chassis-status',
  'freeipmi-chassis-status',
  'ipmitool-mc-info',
  'freeipmi-bmc-info',
  'ipmitool-fru',
  'freeipmi-fru',
];

export function isFormat(name: string): name is Format {
  return (FORMATS as readonly string[]).includes(name);
}

export interface ParseOptions {
  /** Operator severity rules (parseSeverityOverrides), tried before the built-in table for SEL entries and discrete sensor states. */
  readonly overrides?: readonly SeverityRule[];
}

export function parseDetailed<F extends Format>(
  format: F,
  text: string,
  options?: ParseOptions,
): ParseResult<FormatRecords[F]>;
export function parseDetailed(format: string, text: string, options?: ParseOptions): ParseResult;
export function parseDetailed(
  format: string,
  text: string,
  options: ParseOptions = {},
): ParseResult {
  if (!isFormat(format)) {
    throw ipmiErrors.error(
      'IPMI_UNKNOWN_FORMAT',
      `unknown format "${format}"; known formats: ${FORMATS.join(', ')}`,
    );
  }
  if (typeof text !== 'string') {
    throw ipmiErrors.error('IPMI_PARSE_FAILED', 'input is not text');
  }
  const overrides = options.overrides ?? [];
  const lines = splitLines(text);
  switch (format) {
    case 'ipmitool-sel-elist':
      return parseIpmitoolSel(lines, overrides);
    case 'freeipmi-sel':
      return parseFreeipmiSel(lines, overrides);
    case 'ipmitool-sensor':
      return parseIpmitoolSensor(lines);
    case 'ipmitool-sdr-elist':
      return parseIpmitoolSdr(lines, overrides);
    case 'freeipmi-sensors':
      return parseFreeipmiSensors(lines, overrides);
    case 'ipmitool-dcmi':
    case 'freeipmi-dcmi':
      return parseDcmi(lines);
    case 'ipmitool-sel-info':
    case 'freeipmi-sel-info':
      return parseSelInfo(lines);
    case 'ipmitool-sel-time':
    case 'freeipmi-sel-time':
      return parseBmcClock(lines);
    case 'ipmitool-chassis-status':
    case 'freeipmi-chassis-status':
      return parseChassisStatus(lines);
    case 'ipmitool-mc-info':
    case 'freeipmi-bmc-info':
      return parseBmcInfo(lines);
    case 'ipmitool-fru':
    case 'freeipmi-fru':
      return parseFru(lines);
  }
}

export function parse<F extends Format>(
  format: F,
  text: string,
  options?: ParseOptions,
): FormatRecords[F][];
export function parse(format: string, text: string, options?: ParseOptions): ParsedRecord[];
export function parse(format: string, text: string, options?: ParseOptions): ParsedRecord[] {
  const { records, issues } = parseDetailed(format, text, options);
  if (records.length > 0 || issues.length === 0) return records;
  const firstParse = issues.find((i) => i.code === 'IPMI_PARSE_FAILED');
  const first = firstParse ?? issues[0];
  const more =
    issues.length > 1 ? ` (and ${issues.length - 1} more line${issues.length > 2 ? 's' : ''})` : '';
  const code = firstParse ? 'IPMI_PARSE_FAILED' : 'IPMI_TOOL_ERROR';
  throw ipmiErrors.error(
    code,
    `${format}: nothing parsed; ${first?.message ?? 'no records'}${more}`,
  );
}
