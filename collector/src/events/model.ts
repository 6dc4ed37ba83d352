/**
 * Parsed tool output → the Avro events of the contract. Pure: the poll context (server,
 * poll id, collector clock, BMC clock offset) comes in as data.
 *
 * Time: SEL timestamps are the BMC's wall clock, which is often local time and often wrong.
 * Both the entry's timestamp and the BMC clock reading taken at poll time (Get SEL Time)
 * are read as if they were UTC; their difference to the collector clock (`clockOffsetMs`)
 * then cancels both the BMC's time zone and its drift: occurredAt = bmcTimestamp - offset.
 */
import { createHash } from 'node:crypto';
import type { ParsedSelEntry, ParsedSensorReading } from '@ipmi-monitor/ipmi';
import {
  sensorTypeSymbols,
  type SelEntryRecorded,
  type SensorReadingRecorded,
  type SensorType,
} from '@ipmi-monitor/schemas';
import { selEventId } from '../sel/model.js';

export interface PollContext {
  readonly serverId: string;
  readonly pollId: string;
  /** Collector clock when the poll's output was read (epoch ms). */
  readonly observedAt: number;
  /** `collector@<host>`. */
  readonly source: string;
}

export interface SelPollContext extends PollContext {
  /** BMC clock minus collector clock, both read as UTC wall clocks; null when unknown. */
  readonly clockOffsetMs: number | null;
}

const SENSOR_TYPES = new Set<string>(sensorTypeSymbols);

export function toSensorType(key: string): SensorType {
  const upper = key.toUpperCase();
  return SENSOR_TYPES.has(upper) ? (upper as SensorType) : 'OTHER';
}

/** Stable sensor key shared by readings and SEL entries: `<name>#0x<nn>`, or the name alone. */
export function sensorIdOf(name: string, number: number | null): string {
  return number === null ? name : `${name}#0x${number.toString(16).padStart(2, '0')}`;
}

/** The collector's deterministic event ids: a hash of the parts (null kept distinct from ''). */
export function hashId(...parts: readonly (string | number | null)[]): string {
  return createHash('sha256')
    .update(parts.map((p) => (p === null ? '\u0000' : String(p))).join('\u001f'))
    .digest('hex')
    .slice(0, 32);
}

/** Reads an ISO timestamp printed without a zone as UTC (see the module comment). */
export function wallClockAsUtc(iso: string): number | null {
  const zoned = /(Z|[+-]\d{2}:\d{2})$/.test(iso);
  const ms = Date.parse(zoned ? iso : `${iso}Z`);
  return Number.isFinite(ms) ? ms : null;
}

export function toReadingEvent(r: ParsedSensorReading, ctx: PollContext): SensorReadingRecorded {
  const sensorId = sensorIdOf(r.name, r.number);
  return {
    // One reading per sensor per poll: a re-sent poll keeps its ids, so consumers dedupe.
    eventId: hashId(ctx.serverId, ctx.pollId, sensorId),
    serverId: ctx.serverId,
    occurredAt: ctx.observedAt,
    observedAt: ctx.observedAt,
    source: ctx.source,
    pollId: ctx.pollId,
    sensorId,
    sensorName: r.name,
    sensorNumber: r.number,
    entity: r.entity,
    sensorType: toSensorType(r.type),
    sensorTypeCode: null,
    readingKind: r.readingKind.toUpperCase() as SensorReadingRecorded['readingKind'],
    eventReadingTypeCode: null,
    value: r.value,
    unit: r.unit,
    state: r.state.toUpperCase() as SensorReadingRecorded['state'],
    crossedThreshold: r.crossedThreshold,
    thresholds: { ...r.thresholds },
    discreteStates: [...r.discreteStates],
    discreteStateMask: r.discreteStateMask,
  };
}

export function toSelEvent(e: ParsedSelEntry, ctx: SelPollContext): SelEntryRecorded {
  const bmcTimestamp = e.timestamp === null ? null : wallClockAsUtc(e.timestamp);
  const basis: SelEntryRecorded['timestampBasis'] = e.preInit
    ? 'PRE_INIT'
    : bmcTimestamp === null
      ? 'COLLECTOR_CLOCK'
      : 'BMC_CLOCK';
  const occurredAt =
    bmcTimestamp === null ? ctx.observedAt : bmcTimestamp - (ctx.clockOffsetMs ?? 0);
  return {
    eventId: selEventId(ctx.serverId, e),
    serverId: ctx.serverId,
    occurredAt,
    observedAt: ctx.observedAt,
    source: ctx.source,
    pollId: ctx.pollId,
    recordId: e.recordNumber ?? 0,
    recordTypeCode: e.recordTypeCode ?? (e.oem ? null : 2),
    timestampBasis: basis,
    bmcTimestamp,
    bmcTimestampRaw: e.timestampRaw,
    clockOffsetMs: bmcTimestamp === null ? null : ctx.clockOffsetMs,
    generatorId: null,
    sensorType: toSensorType(e.sensorType),
    sensorTypeCode: e.sensorTypeCode,
    sensorNumber: e.sensorNumber,
    sensorName: e.sensorName,
    sensorId: e.sensorName === null ? null : sensorIdOf(e.sensorName, e.sensorNumber),
    eventReadingTypeCode: e.eventTypeCode,
    eventDirection:
      e.direction === 'asserted'
        ? 'ASSERTION'
        : e.direction === 'deasserted'
          ? 'DEASSERTION'
          : 'UNKNOWN',
    eventOffset: e.eventOffset,
    // The contract wants the raw event data bytes; the tools print decoded text instead,
    // which goes into the description.
    eventData: null,
    description: e.eventData === null ? e.event : `${e.event} | ${e.eventData}`,
    severity: e.severity.toUpperCase() as SelEntryRecorded['severity'],
    rawLine: e.raw,
    rawRecordHex: null,
  };
}
