/**
 * Pure formatting: times in the user's zone (with the UTC form for the tooltip), ages,
 * sensor values. No DOM, no clock of its own: unit-tested in format.unit.test.ts.
 */

/** "2026-11-29 14:03:07" in the given zone (the browser's when undefined). */
export function localTime(iso: string, timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}`;
}

/** "2026-11-29 13:03:07 UTC": the tooltip of every time shown. */
export function utcTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** "12 s ago", "5 min ago", "3 h ago", "2 d ago"; "in the future" for clock skew. */
export function ago(iso: string | null, nowMs: number): string {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.round((nowMs - t) / 1000);
  if (s < -5) return 'in the future';
  if (s < 60) return `${Math.max(0, s)} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** A sensor value with its unit: "3,450 RPM", "41.5 °C", "12.06 V"; "n/a" when absent. */
export function sensorValue(
  value: number | null | undefined,
  unit: string | null | undefined,
): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  const digits = abs >= 1000 || Number.isInteger(value) ? 0 : abs >= 100 ? 1 : 2;
  const text = value.toLocaleString('en-US', {
    maximumFractionDigits: digits,
    minimumFractionDigits: 0,
  });
  const u = unitLabel(unit);
  return u ? `${text} ${u}` : text;
}

const UNITS: Record<string, string> = {
  c: '°C',
  f: '°F',
  degrees_c: '°C',
  'degrees c': '°C',
  celsius: '°C',
  degrees_f: '°F',
  volts: 'V',
  amps: 'A',
  watts: 'W',
  rpm: 'RPM',
  percent: '%',
};

export function unitLabel(unit: string | null | undefined): string {
  if (!unit) return '';
  return UNITS[unit.toLowerCase()] ?? unit;
}

/** Human label of an enum-ish API value: "POWER_SUPPLY" → "Power supply". */
export function label(value: string | null | undefined): string {
  if (!value) return '';
  const s = value.replace(/[_-]+/g, ' ').toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
}
