/**
 * Sensor units (IPMI v2.0 table 43-15, "Sensor Unit Type Codes") as the tools print them,
 * normalised to the contract's short forms: ipmitool prints `degrees C`, `Volts`, `Amps`,
 * `Watts`, `RPM`, `percent`; FreeIPMI `C`, `V`, `A`, `W`, `RPM`, `%` (or the long forms with
 * `--non-abbreviated-units`).
 */
import type { SensorTypeKey } from '../tables/sensor-types.js';

const UNITS: Readonly<Record<string, string>> = {
  'degrees c': 'C',
  c: 'C',
  '°c': 'C',
  celsius: 'C',
  'degrees f': 'F',
  f: 'F',
  '°f': 'F',
  fahrenheit: 'F',
  'degrees k': 'K',
  k: 'K',
  volts: 'V',
  volt: 'V',
  v: 'V',
  amps: 'A',
  amp: 'A',
  a: 'A',
  amperes: 'A',
  watts: 'W',
  watt: 'W',
  w: 'W',
  rpm: 'RPM',
  percent: '%',
  '%': '%',
  'percent %': '%',
};

/** Texts that mean the sensor has no unit (discrete sensors, unreadable ones). */
const NO_UNIT = new Set(['', 'n/a', 'na', 'discrete', 'unspecified', 'none']);

export function normalizeUnit(text: string): string | null {
  const t = text.trim();
  const lower = t.toLowerCase();
  if (NO_UNIT.has(lower)) return null;
  return UNITS[lower] ?? t;
}

/**
 * The sensor type a unit implies, for outputs that do not print the type (`ipmitool sensor`,
 * `ipmitool sdr elist`). Watts are always `power`: vendors put power meters under Current
 * (Dell), Power Supply or Other Units-based types, and the contract classifies by the unit.
 */
export function typeFromUnit(unit: string | null): SensorTypeKey | null {
  switch (unit) {
    case 'C':
    case 'F':
    case 'K':
      return 'temperature';
    case 'V':
      return 'voltage';
    case 'A':
      return 'current';
    case 'W':
      return 'power';
    case 'RPM':
      return 'fan';
    default:
      return null;
  }
}
