/**
 * Events to table rows: pure functions, one per table, unit-tested without a database. A row
 * is an array in the order of its table's `columns` (what COPY and multi-row INSERT take).
 * Timestamps become ISO strings (both database adapters read them the same way), arrays and
 * objects become JSON text for jsonb columns.
 *
 * Folding a batch: several events in one batch may target one row of a current-state table
 * (an alert raised and updated in the same second). `latestBy` keeps the one that wins,
 * so a multi-row upsert never touches a row twice (Postgres refuses that).
 */
import type {
  AlertRaised,
  AlertResolved,
  AlertUpdated,
  BmcReachabilityChanged,
  ChassisPowerObserved,
  InsightClosed,
  InsightRaised,
  InsightUpdated,
  InventoryCollected,
  PollCompleted,
  SelCleared,
  SelEntryRecorded,
  SelOverflowDetected,
  SensorReadingRecorded,
  ServerConfigured,
  SilenceSet,
} from '@ipmi-monitor/schemas';

export type Row = unknown[];

export const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));
const json = (v: unknown): string => JSON.stringify(v);

/** Keeps, per key, the item `wins` prefers (ties: the later one in the input). */
export function latestBy<T>(
  items: readonly T[],
  key: (t: T) => string,
  wins: (candidate: T, current: T) => boolean,
): T[] {
  const out = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    const current = out.get(k);
    if (current === undefined || wins(item, current)) out.set(k, item);
  }
  return [...out.values()];
}

// ---------------------------------------------------------------------------------------------
// readings
// ---------------------------------------------------------------------------------------------

export const READING_COLUMNS = ['time', 'server_id', 'sensor_id', 'value', 'state'] as const;

/** `time` is `iso(e.occurredAt)`, given when the caller already formatted it. */
export function readingRow(e: SensorReadingRecorded, time = iso(e.occurredAt)): Row {
  return [time, e.serverId, e.sensorId, e.value, e.state];
}

export const SENSOR_COLUMNS = [
  'server_id',
  'sensor_id',
  'name',
  'sensor_number',
  'entity',
  'sensor_type',
  'reading_kind',
  'unit',
  'value',
  'state',
  'crossed_threshold',
  'lnr',
  'lcr',
  'lnc',
  'unc',
  'ucr',
  'unr',
  'discrete_states',
  'time',
  'poll_id',
  'event_id',
] as const;

export function sensorRow(e: SensorReadingRecorded): Row {
  const t = e.thresholds;
  return [
    e.serverId,
    e.sensorId,
    e.sensorName,
    e.sensorNumber,
    e.entity,
    e.sensorType,
    e.readingKind,
    e.unit,
    e.value,
    e.state,
    e.crossedThreshold,
    t?.lnr ?? null,
    t?.lcr ?? null,
    t?.lnc ?? null,
    t?.unc ?? null,
    t?.ucr ?? null,
    t?.unr ?? null,
    json(e.discreteStates),
    iso(e.occurredAt),
    e.pollId,
    e.eventId,
  ];
}

/** The latest reading of each sensor in a batch (by reading time, then log order). */
export const latestReadings = (events: readonly SensorReadingRecorded[]) =>
  latestBy(
    events,
    (e) => `${e.serverId}\u0000${e.sensorId}`,
    (a, b) => a.occurredAt >= b.occurredAt,
  );

// ---------------------------------------------------------------------------------------------
// SEL
// ---------------------------------------------------------------------------------------------

export const SEL_COLUMNS = [
  'event_id',
  'server_id',
  'time',
  'observed_at',
  'poll_id',
  'record_id',
  'record_type_code',
  'timestamp_basis',
  'bmc_timestamp',
  'bmc_timestamp_raw',
  'clock_offset_ms',
  'generator_id',
  'sensor_type',
  'sensor_type_code',
  'sensor_number',
  'sensor_name',
  'sensor_id',
  'event_reading_type_code',
  'event_direction',
  'event_offset',
  'event_data',
  'description',
  'severity',
  'raw_line',
  'raw_record_hex',
] as const;

export function selRow(e: SelEntryRecorded): Row {
  return [
    e.eventId,
    e.serverId,
    iso(e.occurredAt),
    iso(e.observedAt),
    e.pollId,
    e.recordId,
    e.recordTypeCode,
    e.timestampBasis,
    isoOrNull(e.bmcTimestamp),
    e.bmcTimestampRaw,
    e.clockOffsetMs,
    e.generatorId,
    e.sensorType,
    e.sensorTypeCode,
    e.sensorNumber,
    e.sensorName,
    e.sensorId,
    e.eventReadingTypeCode,
    e.eventDirection,
    e.eventOffset,
    e.eventData,
    e.description,
    e.severity,
    e.rawLine,
    e.rawRecordHex,
  ];
}

export const SEL_LOG_COLUMNS = ['event_id', 'server_id', 'type', 'time', 'detail'] as const;

export function selLogRow(
  type: 'SelCleared' | 'SelOverflowDetected',
  e: SelCleared | SelOverflowDetected,
): Row {
  // Everything but the envelope (id, server, times, source) is the detail.
  const detail: Record<string, unknown> = { ...e };
  for (const k of ['eventId', 'serverId', 'occurredAt', 'observedAt', 'source']) delete detail[k];
  return [e.eventId, e.serverId, type, iso(e.occurredAt), json(detail)];
}

// ---------------------------------------------------------------------------------------------
// polls
// ---------------------------------------------------------------------------------------------

export const POLL_COLUMNS = [
  'time',
  'event_id',
  'server_id',
  'poll_id',
  'kind',
  'outcome',
  'started_at',
  'duration_ms',
  'items_read',
  'items_failed',
  'error_code',
  'error_message',
  'driver',
] as const;

export function pollRow(e: PollCompleted): Row {
  return [
    iso(e.occurredAt),
    e.eventId,
    e.serverId,
    e.pollId,
    e.kind,
    e.outcome,
    iso(e.startedAt),
    e.durationMs,
    e.itemsRead,
    e.itemsFailed,
    e.errorCode,
    e.errorMessage,
    e.driver,
  ];
}

export const LAST_POLL_COLUMNS = ['server_id', 'last_poll_at', 'last_poll_outcome'] as const;
export const lastPollRow = (e: PollCompleted): Row => [e.serverId, iso(e.occurredAt), e.outcome];

export const REACHABILITY_COLUMNS = [
  'server_id',
  'reachable',
  'reachability_reason',
  'reachability_message',
  'consecutive_failures',
  'last_success_at',
  'reachability_since',
  'reachability_event_id',
] as const;

export function reachabilityRow(e: BmcReachabilityChanged): Row {
  return [
    e.serverId,
    e.reachable,
    e.reason,
    e.message,
    e.consecutiveFailures,
    isoOrNull(e.lastSuccessAt),
    iso(e.occurredAt),
    e.eventId,
  ];
}

export const POWER_COLUMNS = [
  'server_id',
  'power_state',
  'power_fault',
  'power_overload',
  'cooling_fault',
  'drive_fault',
  'chassis_intrusion',
  'dcmi_watts',
  'dcmi_min_watts',
  'dcmi_max_watts',
  'dcmi_avg_watts',
  'power_observed_at',
  'power_event_id',
] as const;

export function powerRow(e: ChassisPowerObserved): Row {
  return [
    e.serverId,
    e.powerState,
    e.powerFault,
    e.powerOverload,
    e.coolingFault,
    e.driveFault,
    e.chassisIntrusion,
    e.dcmiWatts,
    e.dcmiMinWatts,
    e.dcmiMaxWatts,
    e.dcmiAvgWatts,
    iso(e.occurredAt),
    e.eventId,
  ];
}

// ---------------------------------------------------------------------------------------------
// inventory, servers
// ---------------------------------------------------------------------------------------------

export const INVENTORY_COLUMNS = [
  'server_id',
  'time',
  'event_id',
  'content_hash',
  'bmc_firmware_version',
  'ipmi_version',
  'bmc_manufacturer_id',
  'bmc_product_id',
  'bmc_mac_address',
  'manufacturer',
  'product_name',
  'product_part_number',
  'product_serial',
  'board_serial',
  'chassis_serial',
  'system_guid',
  'fru',
] as const;

export function inventoryRow(e: InventoryCollected): Row {
  return [
    e.serverId,
    iso(e.occurredAt),
    e.eventId,
    e.contentHash,
    e.bmcFirmwareVersion,
    e.ipmiVersion,
    e.bmcManufacturerId,
    e.bmcProductId,
    e.bmcMacAddress,
    e.manufacturer,
    e.productName,
    e.productPartNumber,
    e.productSerial,
    e.boardSerial,
    e.chassisSerial,
    e.systemGuid,
    json(e.fru),
  ];
}

export const SERVER_COLUMNS = [
  'server_id',
  'revision',
  'name',
  'host',
  'port',
  'driver',
  'cipher_suite',
  'privilege_level',
  'workaround_flags',
  'tags',
  'model',
  'sensors_interval_ms',
  'sel_interval_ms',
  'power_interval_ms',
  'inventory_interval_ms',
  'enabled',
  'credential_version',
  'configured_at',
  'event_id',
] as const;

export function serverRow(e: ServerConfigured): Row {
  return [
    e.serverId,
    e.revision,
    e.name,
    e.host,
    e.port,
    e.driver,
    e.cipherSuite,
    e.privilegeLevel,
    json(e.workaroundFlags),
    json(e.tags),
    e.model,
    e.pollIntervals.sensorsMs,
    e.pollIntervals.selMs,
    e.pollIntervals.powerMs,
    e.pollIntervals.inventoryMs,
    e.enabled,
    e.credentialVersion,
    iso(e.occurredAt),
    e.eventId,
  ];
}

// ---------------------------------------------------------------------------------------------
// alerts
// ---------------------------------------------------------------------------------------------

export type AlertEvent =
  | { type: 'AlertRaised'; value: AlertRaised }
  | { type: 'AlertUpdated'; value: AlertUpdated }
  | { type: 'AlertResolved'; value: AlertResolved };

export const ALERT_COLUMNS = [
  'alert_id',
  'server_id',
  'fingerprint',
  'revision',
  'status',
  'condition',
  'summary',
  'severity',
  'component_type',
  'component',
  'sensor_id',
  'sensor_type',
  'value',
  'threshold',
  'unit',
  'occurrences',
  'first_seen_at',
  'last_seen_at',
  'raised_at',
  'updated_at',
  'resolved_at',
  'resolution_reason',
  'resolved_by',
  'silenced_by',
  'evidence_event_ids',
  'event_id',
] as const;

/**
 * The current-state row of an alert from its latest event in a batch. `raisedAt` is the
 * earliest event time of the alert in the batch: the upsert keeps the earliest ever seen, so
 * an alert whose AlertRaised is in the table keeps that moment.
 */
export function alertRow(e: AlertEvent, raisedAt: number): Row {
  const v = e.value;
  const resolved = e.type === 'AlertResolved' ? e.value : null;
  return [
    v.alertId,
    v.serverId,
    v.fingerprint,
    v.revision,
    resolved ? 'RESOLVED' : 'ACTIVE',
    v.condition,
    v.summary,
    v.severity,
    v.componentType,
    v.component,
    v.sensorId,
    v.sensorType,
    v.value,
    v.threshold,
    v.unit,
    v.occurrences,
    iso(v.firstSeenAt),
    iso(v.lastSeenAt),
    iso(raisedAt),
    iso(v.occurredAt),
    resolved ? iso(resolved.occurredAt) : null,
    resolved?.resolutionReason ?? null,
    resolved?.resolvedBy ?? null,
    v.silencedBy,
    json(v.evidenceEventIds),
    v.eventId,
  ];
}

export const ALERT_HISTORY_COLUMNS = [
  'event_id',
  'alert_id',
  'server_id',
  'type',
  'revision',
  'time',
  'severity',
  'previous_severity',
  'changes',
  'summary',
  'value',
  'resolution_reason',
  'silenced_by',
] as const;

export function alertHistoryRow(e: AlertEvent): Row {
  const v = e.value;
  return [
    v.eventId,
    v.alertId,
    v.serverId,
    e.type === 'AlertRaised' ? 'RAISED' : e.type === 'AlertUpdated' ? 'UPDATED' : 'RESOLVED',
    v.revision,
    iso(v.occurredAt),
    v.severity,
    e.type === 'AlertUpdated' ? e.value.previousSeverity : null,
    json(e.type === 'AlertUpdated' ? e.value.changes : []),
    v.summary,
    v.value,
    e.type === 'AlertResolved' ? e.value.resolutionReason : null,
    v.silencedBy,
  ];
}

// ---------------------------------------------------------------------------------------------
// insights
// ---------------------------------------------------------------------------------------------

export type InsightEvent =
  | { type: 'InsightRaised'; value: InsightRaised }
  | { type: 'InsightUpdated'; value: InsightUpdated }
  | { type: 'InsightClosed'; value: InsightClosed };

export const INSIGHT_COLUMNS = [
  'insight_id',
  'server_id',
  'fingerprint',
  'revision',
  'status',
  'kind',
  'priority',
  'detector',
  'title',
  'summary',
  'component_type',
  'component',
  'sensor_id',
  'confidence',
  'due_at',
  'evidence',
  'metrics',
  'raised_at',
  'updated_at',
  'closed_at',
  'close_reason',
  'closed_by',
  'event_id',
] as const;

export function insightRow(e: InsightEvent, raisedAt: number): Row {
  const v = e.value;
  const closed = e.type === 'InsightClosed' ? e.value : null;
  return [
    v.insightId,
    v.serverId,
    v.fingerprint,
    v.revision,
    closed ? 'CLOSED' : 'OPEN',
    v.kind,
    v.priority,
    v.detector,
    v.title,
    v.summary,
    v.componentType,
    v.component,
    v.sensorId,
    v.confidence,
    isoOrNull(v.dueAt),
    json(v.evidence),
    json(v.metrics),
    iso(raisedAt),
    iso(v.occurredAt),
    closed ? iso(closed.occurredAt) : null,
    closed?.closeReason ?? null,
    closed?.closedBy ?? null,
    v.eventId,
  ];
}

/**
 * Per entity (alert or insight id) in a batch: its highest-revision event, and the earliest
 * event time of the entity in the batch.
 */
export function foldRevisions<E extends { value: { revision: number; occurredAt: number } }>(
  events: readonly E[],
  id: (e: E) => string,
): { event: E; earliest: number }[] {
  const out = new Map<string, { event: E; earliest: number }>();
  for (const e of events) {
    const k = id(e);
    const cur = out.get(k);
    if (!cur) {
      out.set(k, { event: e, earliest: e.value.occurredAt });
      continue;
    }
    cur.earliest = Math.min(cur.earliest, e.value.occurredAt);
    if (e.value.revision >= cur.event.value.revision) cur.event = e;
  }
  return [...out.values()];
}

// ---------------------------------------------------------------------------------------------
// silences
// ---------------------------------------------------------------------------------------------

export const SILENCE_COLUMNS = [
  'silence_id',
  'server_id',
  'component_type',
  'component',
  'condition',
  'starts_at',
  'ends_at',
  'created_by',
  'comment',
  'created_at',
] as const;

export function silenceRow(e: SilenceSet): Row {
  return [
    e.silenceId,
    e.serverId,
    e.componentType,
    e.component,
    e.condition,
    iso(e.startsAt),
    iso(e.endsAt),
    e.createdBy,
    e.comment,
    iso(e.occurredAt),
  ];
}
