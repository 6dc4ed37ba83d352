/**
 * What the parsers produce. The vocabulary is the event contract's
 * (schemas/avro/SelEntryRecorded.avsc, SensorReadingRecorded.avsc) in lower case: a
 * `sensorType` of `power_supply` is the Avro SensorType POWER_SUPPLY, a `state` of `warning`
 * the SensorState WARNING, a threshold `UCR` the ThresholdName UCR.
 */
import type { ThresholdName } from './tables/event-types.js';
import type { SensorTypeKey } from './tables/sensor-types.js';

export type Severity = 'critical' | 'warning' | 'info';
export type Direction = 'asserted' | 'deasserted';
export type SensorState = 'ok' | 'warning' | 'critical' | 'unknown' | 'disabled';
export type ReadingKind = 'threshold' | 'discrete' | 'oem' | 'unknown';

export interface Thresholds {
  readonly lnr: number | null;
  readonly lcr: number | null;
  readonly lnc: number | null;
  readonly unc: number | null;
  readonly ucr: number | null;
  readonly unr: number | null;
}

export const NO_THRESHOLDS: Thresholds = Object.freeze({
  lnr: null,
  lcr: null,
  lnc: null,
  unc: null,
  ucr: null,
  unr: null,
});

/** One SEL entry (`ipmitool sel elist|list`, `ipmi-sel`). */
export interface ParsedSelEntry {
  readonly kind: 'sel';
  /** 1-based line number in the input. */
  readonly line: number;
  /** Host prefix (FreeIPMI `--always-prefix` / fan-out, pdsh-style `host: ...`); null when none. */
  readonly host: string | null;
  /** Record id exactly as printed: hex for ipmitool (`1a`), decimal for FreeIPMI (`26`). */
  readonly recordId: string;
  /** The record id as a number (0-65535), read in the radix the tool prints it in. */
  readonly recordNumber: number | null;
  /**
   * ISO 8601 as the BMC's clock said: local wall time without an offset unless the tool
   * printed a zone (`2026-11-28T14:03:41Z`, `2026-11-28T15:03:41+01:00`); null when the
   * record has no usable timestamp (Pre-Init, unspecified, OEM non-timestamped).
   */
  readonly timestamp: string | null;
  /** Date and time as printed, e.g. `11/28/26 14:03:41 UTC`, `Pre-Init`, `PostInit`; null for records without one. */
  readonly timestampRaw: string | null;
  /** Stamped before the BMC clock was set (timestamp <= 20000000h, IPMI v2.0 section 37.1). */
  readonly preInit: boolean;
  /** Seconds since BMC initialisation, when the tool printed them for a pre-init entry (ipmitool does). */
  readonly preInitSeconds: number | null;
  readonly sensorType: SensorTypeKey;
  /** Raw sensor type code when the text names a known type (table 42-3); null otherwise. */
  readonly sensorTypeCode: number | null;
  /** SDR id string, e.g. `PS2 Status`; null when the tool printed only a number. */
  readonly sensorName: string | null;
  readonly sensorNumber: number | null;
  /** Event text as printed, e.g. `Upper Critical going high`, `Correctable ECC (@DIMMA1(CPU1))`. */
  readonly event: string;
  /** Null when the tool did not say (FreeIPMI without -v and no reading to infer it from; OEM records). */
  readonly direction: Direction | null;
  /** Event/reading type code resolved from the text (01h threshold, 02h-0Ch generic, 6Fh sensor-specific). */
  readonly eventTypeCode: number | null;
  /** Event offset (event data 1 bits 3-0) resolved from the text. */
  readonly eventOffset: number | null;
  /** Extra event data as printed: ipmitool's trailing column (`Reading 95 > Threshold 80 degrees C`), FreeIPMI's `; ...` parts, OEM record bytes. */
  readonly eventData: string | null;
  /** Trigger reading of a threshold event, when printed. */
  readonly reading: number | null;
  /** Trigger threshold value of a threshold event, when printed. */
  readonly threshold: number | null;
  readonly severity: Severity;
  /** Why the classifier chose the severity (the id and text of the rule that matched). */
  readonly severityReason: string;
  /** The physical part the entry names: `DIMM A1 (CPU 1)`, `PSU 2`, `Fan 1A`, `CPU 2`, `Drive 3`, `GPU 0`; null otherwise. */
  readonly component: string | null;
  /** OEM record (record type C0h-FFh, printed as `OEM record c1`) or OEM-defined event text. */
  readonly oem: boolean;
  /** SEL record type when the tool printed it (OEM records); null otherwise (02h system event records). */
  readonly recordTypeCode: number | null;
  /** The line as printed (without host prefix), for audit and re-parsing. */
  readonly raw: string;
}

/** One sensor (`ipmitool sensor`, `ipmitool sdr elist|list`, `ipmi-sensors`, `ipmimonitoring`). */
export interface ParsedSensorReading {
  readonly kind: 'sensor';
  readonly line: number;
  readonly host: string | null;
  /** SDR id string, e.g. `CPU1 Temp`. */
  readonly name: string;
  /** Sensor number, when printed (ipmitool `sdr elist`); FreeIPMI prints the SDR record id instead (see recordId). */
  readonly number: number | null;
  /** SDR record id, when printed (FreeIPMI's ID column). */
  readonly recordId: string | null;
  /** `power` when the unit is watts, whatever the IPMI type; `unknown` when the tool does not print the type and the unit does not tell. */
  readonly type: SensorTypeKey;
  /** Entity `<id>.<instance>` (table 43-13), when printed (ipmitool `sdr elist`). */
  readonly entity: string | null;
  readonly readingKind: ReadingKind;
  /** The reading in `unit`; null for discrete sensors and when there is no reading (`na`, `N/A`, `No Reading`, disabled, absent) — never 0. */
  readonly value: number | null;
  /** `C`, `F`, `V`, `A`, `W`, `RPM`, `%`, the tool's text for other units, or null. */
  readonly unit: string | null;
  readonly state: SensorState;
  /** The most severe threshold the reading is at or beyond, per the BMC's status bits (or the thresholds when the tool prints no side). */
  readonly crossedThreshold: ThresholdName | null;
  readonly thresholds: Thresholds;
  /** Discrete sensors: the decoded states joined by `, ` (`Presence detected`), or the state bits as printed (`0x0100`, `0003h`). */
  readonly discreteState: string | null;
  /** Discrete sensors: each asserted state as printed or decoded. */
  readonly discreteStates: readonly string[];
  /** Asserted-state bit mask (bit n = offset n), when the tool prints the bits. */
  readonly discreteStateMask: number | null;
  readonly raw: string;
}

/** One DCMI power reading (`ipmitool dcmi power reading`, `ipmi-dcmi --get-system-power-statistics`). */
export interface ParsedPowerReading {
  readonly kind: 'dcmi';
  /** Line of the first field of the block. */
  readonly line: number;
  readonly host: string | null;
  readonly currentWatts: number | null;
  readonly minWatts: number | null;
  readonly maxWatts: number | null;
  readonly avgWatts: number | null;
  /** False when the BMC says power measurement is deactivated / not available: the wattages are then not valid. */
  readonly active: boolean;
  readonly timestampRaw: string | null;
  readonly samplingPeriodSeconds: number | null;
}

/**
 * SEL state (`ipmitool sel info`, `ipmi-sel --info`): what the collector needs to tell a
 * cleared or full SEL from a quiet one.
 */
export interface ParsedSelInfo {
  readonly kind: 'sel-info';
  /** Line of the first field of the block. */
  readonly line: number;
  readonly host: string | null;
  /** SEL version as `major.minor` (`1.5`); the rest of ipmitool's `1.5 (v1.5, v2 compliant)` is dropped. */
  readonly version: string | null;
  readonly entries: number | null;
  /** Free space in bytes; ipmitool's `65535 bytes or more` is 65535. */
  readonly freeBytes: number | null;
  /**
   * Most recent addition, exactly as printed (`11/28/26 17:43:05 UTC`, `11/28/2026 - 17:43:05`,
   * `Not Available`, `Post-Init 0 s`, `Unspecified`); null when the tool printed none.
   */
  readonly lastAddRaw: string | null;
  /** Most recent erase, as printed (same forms as lastAddRaw). A change means the SEL was cleared. */
  readonly lastEraseRaw: string | null;
  /** The BMC dropped events because the SEL was full (ipmitool `Overflow`, FreeIPMI `Events dropped due to lack of space`). */
  readonly overflow: boolean | null;
  /** Delete SEL Entry is supported (ipmitool `Supported Cmds` lists `'Delete'`, FreeIPMI `Delete SEL Command : supported`). */
  readonly deleteSupported: boolean | null;
}

/** The BMC's SEL clock (`ipmitool sel time get`, `bmc-device --get-sel-time`). */
export interface ParsedBmcClock {
  readonly kind: 'bmc-clock';
  readonly line: number;
  readonly host: string | null;
  /** The time as printed (`11/28/26 17:43:04 UTC`, `11/28/2026 - 17:43:04`, `Post-Init 12 s`, `S+ 00:02:13`). */
  readonly timestampRaw: string;
  /**
   * ISO 8601 of the BMC wall clock as printed, with an offset only when the tool printed a zone
   * that names one (`2026-11-28T17:43:04Z`); null when the clock is unset (pre-init, at or
   * before 20000000h), unspecified or unreadable.
   */
  readonly timestamp: string | null;
}

/** Get Chassis Status (`ipmitool chassis status`, `ipmi-chassis --get-chassis-status`). */
export interface ParsedChassisStatus {
  readonly kind: 'chassis-status';
  readonly line: number;
  readonly host: string | null;
  readonly powerOn: boolean | null;
  readonly powerOverload: boolean | null;
  readonly powerInterlock: boolean | null;
  /** Main power fault. */
  readonly powerFault: boolean | null;
  readonly powerControlFault: boolean | null;
  /** `always-off`, `previous` or `always-on` (ipmitool's words; FreeIPMI's `Always off`, `Restore`, `Always on` map to them); null when unknown. */
  readonly powerRestorePolicy: string | null;
  /**
   * Cause of the last power change in ipmitool's words, space-separated when several bits are
   * set: `ac-failed`, `overload`, `interlock`, `fault`, `command`; null when none is reported.
   */
  readonly lastPowerEvent: string | null;
  readonly chassisIntrusion: boolean | null;
  readonly frontPanelLockout: boolean | null;
  readonly driveFault: boolean | null;
  readonly coolingFault: boolean | null;
}

/** Get Device ID and GUID (`ipmitool mc info`, `bmc-info`). */
export interface ParsedBmcInfo {
  readonly kind: 'bmc-info';
  readonly line: number;
  readonly host: string | null;
  readonly deviceId: number | null;
  readonly deviceRevision: number | null;
  /** As printed, `major.minor` with the minor in hex as both tools print it (`2.15`, `1.0a`). */
  readonly firmwareVersion: string | null;
  /** `2.0`, `1.5`. */
  readonly ipmiVersion: string | null;
  /** IANA enterprise number (Dell 674, HPE 11, Supermicro 10876, Lenovo 19046). */
  readonly manufacturerId: number | null;
  /** The tool's name for the manufacturer id; null when it has none (`Unknown`). */
  readonly manufacturerName: string | null;
  readonly productId: number | null;
  /** System GUID as printed (FreeIPMI); ipmitool `mc info` prints none. */
  readonly guid: string | null;
}

/** One FRU device (`ipmitool fru`, `ipmi-fru`). */
export interface ParsedFruDevice {
  readonly kind: 'fru';
  /** Line of the device header (`FRU Device Description : ...`, `FRU Inventory Device: ...`), or of its first field when there is none. */
  readonly line: number;
  readonly host: string | null;
  /** FRU device id (`(ID 0)`, FreeIPMI `(ID 00h)`); null when not printed. */
  readonly fruId: number | null;
  /** Device name as printed (`Builtin FRU Device`, `PS1`); null when not printed. */
  readonly name: string | null;
  /**
   * Every field as printed, label to value (`Board Mfg` → `Supermicro`, FreeIPMI
   * `FRU Board Manufacturer` → `Supermicro`). A label printed again (ipmitool's `Product Extra`)
   * is kept as `Product Extra (2)`, `(3)`, ...
   */
  readonly fields: Readonly<Record<string, string>>;
  /** Why the device could not be read, as printed (`Device not present (Requested sensor, data, or record not found)`, FreeIPMI `common header checksum invalid`); null when it was. */
  readonly error: string | null;
  readonly boardManufacturer: string | null;
  readonly boardProductName: string | null;
  readonly boardSerial: string | null;
  readonly boardPartNumber: string | null;
  readonly productManufacturer: string | null;
  readonly productName: string | null;
  readonly productPartNumber: string | null;
  readonly productSerial: string | null;
  readonly productVersion: string | null;
  readonly chassisSerial: string | null;
  readonly chassisPartNumber: string | null;
}

export type ParsedRecord =
  | ParsedSelEntry
  | ParsedSensorReading
  | ParsedPowerReading
  | ParsedSelInfo
  | ParsedBmcClock
  | ParsedChassisStatus
  | ParsedBmcInfo
  | ParsedFruDevice;

/** A line that did not parse: reported with the good records instead of failing the whole input. */
export interface ParseIssue {
  readonly line: number;
  readonly code: 'IPMI_PARSE_FAILED' | 'IPMI_TOOL_ERROR';
  readonly message: string;
  readonly host: string | null;
  /** The offending line, cut to 200 characters. */
  readonly text: string;
}

export interface ParseResult<R extends ParsedRecord = ParsedRecord> {
  readonly records: R[];
  readonly issues: ParseIssue[];
}
