/**
 * @ipmi-monitor/ipmi — IPMI domain knowledge without I/O: parsers of ipmitool and FreeIPMI
 * output, the IPMI v2.0 sensor-type and event tables, and the SEL severity classifier.
 */
export { ipmiErrors, isIpmiError, type IpmiError, type IpmiErrorCode } from './errors.js';
export type {
  Direction,
  ParseIssue,
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
  ReadingKind,
  SensorState,
  Severity,
  Thresholds,
} from './types.js';
export {
  FORMATS,
  isFormat,
  parse,
  parseDetailed,
  type Format,
  type FormatRecords,
  type ParseOptions,
} from './parse/index.js';
export { runParseCommand, PARSE_USAGE, type ParseCommandOptions } from './cli/parse.js';
export {
  classifySelEntry,
  classifySensorState,
  maxSeverity,
  type Classification,
  type SelEntryLike,
} from './severity/classify.js';
export { SEVERITY_RULES, type RuleMatch, type SeverityRule } from './severity/rules.js';
export { parseSeverityOverrides } from './severity/overrides.js';
export { renderSeverityDoc } from './severity/doc.js';
export {
  SENSOR_TYPES,
  SENSOR_TYPE_KEYS,
  sensorTypeByCode,
  sensorTypeByName,
  sensorTypeKeyOfCode,
  type OffsetDef,
  type SensorTypeDef,
  type SensorTypeKey,
} from './tables/sensor-types.js';
export {
  EVENT_TYPES,
  THRESHOLD_NAMES,
  readingKindOfEventType,
  type EventTypeDef,
  type ThresholdName,
} from './tables/event-types.js';
export { resolveByCodes, resolveByText, type ResolvedState } from './tables/resolve.js';
export { extractComponent, type Component, type ComponentKind } from './text/component.js';
