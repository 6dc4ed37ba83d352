/**
 * Event/Reading type codes: IPMI v2.0 rev 1.1, table 42-1 (ranges) and table 42-2 (generic
 * event/reading type codes and their offsets). 01h is threshold-based, 02h-0Ch generic
 * discrete, 6Fh sensor-specific (offsets in table 42-3, see sensor-types.ts), 70h-7Fh OEM.
 *
 * Aliases are what ipmitool (`generic_event_types` in ipmi_sel.h) and FreeIPMI print; ipmitool
 * pads the "going low" texts with a trailing space, which normalisation ignores.
 */
import type { OffsetDef } from './sensor-types.js';

export const EVENT_TYPE_THRESHOLD = 0x01;
export const EVENT_TYPE_SENSOR_SPECIFIC = 0x6f;

export interface EventTypeDef {
  readonly code: number;
  /** Prefix of this table's state keys, e.g. `redundancy.redundancy_lost`. */
  readonly slug: string;
  readonly name: string;
  readonly offsets: readonly OffsetDef[];
}

function o(offset: number, key: string, text: string, ...aliases: string[]): OffsetDef {
  return { offset, key, text, aliases };
}

export const THRESHOLD_NAMES = ['LNR', 'LCR', 'LNC', 'UNC', 'UCR', 'UNR'] as const;
/** An IPMI threshold, as in the Avro ThresholdName enum. */
export type ThresholdName = (typeof THRESHOLD_NAMES)[number];

/**
 * Threshold offsets (table 42-2, type 01h): even offsets are "going low", odd "going high";
 * 00h-05h lower thresholds, 06h-0Bh upper thresholds.
 */
export const THRESHOLD_OFFSETS: readonly {
  readonly offset: number;
  readonly threshold: ThresholdName;
  readonly going: 'low' | 'high';
}[] = [
  { offset: 0x00, threshold: 'LNC', going: 'low' },
  { offset: 0x01, threshold: 'LNC', going: 'high' },
  { offset: 0x02, threshold: 'LCR', going: 'low' },
  { offset: 0x03, threshold: 'LCR', going: 'high' },
  { offset: 0x04, threshold: 'LNR', going: 'low' },
  { offset: 0x05, threshold: 'LNR', going: 'high' },
  { offset: 0x06, threshold: 'UNC', going: 'low' },
  { offset: 0x07, threshold: 'UNC', going: 'high' },
  { offset: 0x08, threshold: 'UCR', going: 'low' },
  { offset: 0x09, threshold: 'UCR', going: 'high' },
  { offset: 0x0a, threshold: 'UNR', going: 'low' },
  { offset: 0x0b, threshold: 'UNR', going: 'high' },
];

export const EVENT_TYPES: readonly EventTypeDef[] = [
  {
    code: 0x01,
    slug: 'threshold',
    name: 'Threshold',
    offsets: [
      o(0x00, 'lnc_going_low', 'Lower Non-critical - going low'),
      o(0x01, 'lnc_going_high', 'Lower Non-critical - going high'),
      o(0x02, 'lcr_going_low', 'Lower Critical - going low'),
      o(0x03, 'lcr_going_high', 'Lower Critical - going high'),
      o(0x04, 'lnr_going_low', 'Lower Non-recoverable - going low'),
      o(0x05, 'lnr_going_high', 'Lower Non-recoverable - going high'),
      o(0x06, 'unc_going_low', 'Upper Non-critical - going low'),
      o(0x07, 'unc_going_high', 'Upper Non-critical - going high'),
      o(0x08, 'ucr_going_low', 'Upper Critical - going low'),
      o(0x09, 'ucr_going_high', 'Upper Critical - going high'),
      o(0x0a, 'unr_going_low', 'Upper Non-recoverable - going low'),
      o(0x0b, 'unr_going_high', 'Upper Non-recoverable - going high'),
    ],
  },
  {
    code: 0x02,
    slug: 'usage',
    name: 'DMI-based Usage State',
    offsets: [
      o(0x00, 'idle', 'Transition to Idle'),
      o(0x01, 'active', 'Transition to Active'),
      o(0x02, 'busy', 'Transition to Busy'),
    ],
  },
  {
    code: 0x03,
    slug: 'digital',
    name: 'Digital Discrete',
    offsets: [o(0x00, 'deasserted', 'State Deasserted'), o(0x01, 'asserted', 'State Asserted')],
  },
  {
    code: 0x04,
    slug: 'predictive_failure',
    name: 'Predictive Failure',
    offsets: [
      o(0x00, 'deasserted', 'Predictive Failure deasserted'),
      o(0x01, 'asserted', 'Predictive Failure asserted'),
    ],
  },
  {
    code: 0x05,
    slug: 'limit',
    name: 'Limit',
    offsets: [o(0x00, 'not_exceeded', 'Limit Not Exceeded'), o(0x01, 'exceeded', 'Limit Exceeded')],
  },
  {
    code: 0x06,
    slug: 'performance',
    name: 'Performance',
    offsets: [o(0x00, 'met', 'Performance Met'), o(0x01, 'lags', 'Performance Lags')],
  },
  {
    code: 0x07,
    slug: 'severity',
    name: 'Severity',
    offsets: [
      o(0x00, 'to_ok', 'transition to OK'),
      o(0x01, 'to_non_critical_from_ok', 'transition to Non-Critical from OK'),
      o(0x02, 'to_critical_from_less_severe', 'transition to Critical from less severe'),
      o(
        0x03,
        'to_non_recoverable_from_less_severe',
        'transition to Non-recoverable from less severe',
      ),
      o(0x04, 'to_non_critical_from_more_severe', 'transition to Non-Critical from more severe'),
      o(0x05, 'to_critical_from_non_recoverable', 'transition to Critical from Non-recoverable'),
      o(0x06, 'to_non_recoverable', 'transition to Non-recoverable'),
      o(0x07, 'monitor', 'Monitor'),
      o(0x08, 'informational', 'Informational'),
    ],
  },
  {
    code: 0x08,
    slug: 'presence',
    name: 'Device Presence',
    offsets: [
      o(0x00, 'device_absent', 'Device Removed / Device Absent', 'Device Absent'),
      o(0x01, 'device_present', 'Device Inserted / Device Present', 'Device Present'),
    ],
  },
  {
    code: 0x09,
    slug: 'enabled',
    name: 'Device Enabled',
    offsets: [
      o(0x00, 'device_disabled', 'Device Disabled'),
      o(0x01, 'device_enabled', 'Device Enabled'),
    ],
  },
  {
    code: 0x0a,
    slug: 'availability',
    name: 'Availability State',
    offsets: [
      o(0x00, 'running', 'transition to Running'),
      o(0x01, 'in_test', 'transition to In Test'),
      o(0x02, 'power_off', 'transition to Power Off'),
      o(0x03, 'on_line', 'transition to On Line'),
      o(0x04, 'off_line', 'transition to Off Line'),
      o(0x05, 'off_duty', 'transition to Off Duty'),
      o(0x06, 'degraded', 'transition to Degraded'),
      o(0x07, 'power_save', 'transition to Power Save'),
      o(0x08, 'install_error', 'Install Error'),
    ],
  },
  {
    code: 0x0b,
    slug: 'redundancy',
    name: 'Redundancy',
    offsets: [
      o(
        0x00,
        'fully_redundant',
        'Fully Redundant',
        'Fully Redundant (formerly "Redundancy Regained")',
        'Redundancy Regained',
      ),
      o(0x01, 'redundancy_lost', 'Redundancy Lost'),
      o(0x02, 'redundancy_degraded', 'Redundancy Degraded'),
      o(
        0x03,
        'non_redundant_sufficient_from_redundant',
        'Non-redundant: Sufficient Resources from Redundant',
        'Non-Redundant: Sufficient from Redundant',
      ),
      o(
        0x04,
        'non_redundant_sufficient_from_insufficient',
        'Non-redundant: Sufficient Resources from Insufficient Resources',
        'Non-Redundant: Sufficient from Insufficient',
      ),
      o(
        0x05,
        'non_redundant_insufficient',
        'Non-redundant: Insufficient Resources',
        'Non-Redundant: Insufficient Resources',
      ),
      o(
        0x06,
        'redundancy_degraded_from_fully_redundant',
        'Redundancy Degraded from Fully Redundant',
      ),
      o(0x07, 'redundancy_degraded_from_non_redundant', 'Redundancy Degraded from Non-redundant'),
    ],
  },
  {
    code: 0x0c,
    slug: 'acpi_device_state',
    name: 'ACPI Device Power State',
    offsets: [
      o(0x00, 'd0', 'D0 Power State'),
      o(0x01, 'd1', 'D1 Power State'),
      o(0x02, 'd2', 'D2 Power State'),
      o(0x03, 'd3', 'D3 Power State'),
    ],
  },
];

const byCode = new Map(EVENT_TYPES.map((d) => [d.code, d]));

export function eventTypeByCode(code: number): EventTypeDef | undefined {
  return byCode.get(code);
}

export function eventTypeBySlug(slug: string): EventTypeDef | undefined {
  return EVENT_TYPES.find((d) => d.slug === slug);
}

/** Reading kind of an event/reading type code, as in the Avro ReadingKind enum. */
export function readingKindOfEventType(code: number): 'threshold' | 'discrete' | 'oem' | 'unknown' {
  if (code === EVENT_TYPE_THRESHOLD) return 'threshold';
  if ((code >= 0x02 && code <= 0x0c) || code === EVENT_TYPE_SENSOR_SPECIFIC) return 'discrete';
  if (code >= 0x70 && code <= 0x7f) return 'oem';
  return 'unknown';
}

/** Severity order of thresholds: non-recoverable over critical over non-critical. */
export function thresholdLevel(t: ThresholdName): 'non_critical' | 'critical' | 'non_recoverable' {
  if (t === 'LNC' || t === 'UNC') return 'non_critical';
  if (t === 'LCR' || t === 'UCR') return 'critical';
  return 'non_recoverable';
}
