/** What both SEL parsers do once a line is split: resolve, classify, assemble the record. */
import { classifySelEntry } from '../severity/classify.js';
import type { SeverityRule } from '../severity/rules.js';
import { stateByKey } from '../tables/resolve.js';
import type { SensorTypeDef, SensorTypeKey } from '../tables/sensor-types.js';
import type { Direction, ParsedSelEntry } from '../types.js';
import type { ContentLine } from './common.js';

export interface SelFields {
  readonly recordId: string;
  readonly recordNumber: number | null;
  readonly timestamp: string | null;
  readonly timestampRaw: string | null;
  readonly preInit: boolean;
  readonly preInitSeconds: number | null;
  readonly sensorType: SensorTypeKey;
  readonly sensorTypeDef: SensorTypeDef | null;
  readonly sensorName: string | null;
  readonly sensorNumber: number | null;
  readonly event: string;
  readonly direction: Direction | null;
  readonly eventData: string | null;
  readonly reading: number | null;
  readonly threshold: number | null;
  readonly oem: boolean;
  readonly recordTypeCode: number | null;
}

export function selRecord(
  c: ContentLine,
  f: SelFields,
  overrides: readonly SeverityRule[],
): ParsedSelEntry {
  const cls = classifySelEntry(
    {
      sensorType: f.sensorType,
      sensorTypeCode: f.sensorTypeDef?.code ?? null,
      sensorName: f.sensorName,
      event: f.event,
      direction: f.direction,
      eventData: f.eventData,
      oem: f.oem,
      recordTypeCode: f.recordTypeCode,
    },
    overrides,
  );
  const state = cls.state === null ? undefined : stateByKey(cls.state);
  return {
    kind: 'sel',
    line: c.line.no,
    host: c.host,
    recordId: f.recordId,
    recordNumber: f.recordNumber,
    timestamp: f.timestamp,
    timestampRaw: f.timestampRaw,
    preInit: f.preInit,
    preInitSeconds: f.preInitSeconds,
    sensorType: cls.sensorType,
    sensorTypeCode: f.sensorTypeDef?.code ?? state?.sensorTypeCode ?? null,
    sensorName: f.sensorName,
    sensorNumber: f.sensorNumber,
    event: f.event,
    direction: f.direction,
    eventTypeCode: state?.eventTypeCode ?? null,
    eventOffset: state?.offset ?? null,
    eventData: f.eventData,
    reading: f.reading,
    threshold: f.threshold,
    severity: cls.severity,
    severityReason: `${cls.ruleId}: ${cls.reason}`,
    component: cls.component,
    oem: f.oem,
    recordTypeCode: f.recordTypeCode,
    raw: c.body.trim(),
  };
}
