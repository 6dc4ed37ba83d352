/**
 * Pure logic of the server-detail page: sensor grouping and thresholds, chart ranges and
 * series, SEL paging, which parts a live event refreshes. No DOM, no clock of its own:
 * unit-tested in logic.unit.test.ts.
 */
import { label, sensorValue, unitLabel } from '../format';
import { createRefresher, type Timers } from '../lists/refresher';
import type { RangeKey, SelEvent, SeriesPoint, Sensor, ThresholdKey, Thresholds } from './types';

const HOUR = 3_600_000;

export const RANGES: readonly { key: RangeKey; label: string; long: string; ms: number }[] = [
  { key: '1h', label: '1 h', long: 'last hour', ms: HOUR },
  { key: '24h', label: '24 h', long: 'last 24 hours', ms: 24 * HOUR },
  { key: '7d', label: '7 d', long: 'last 7 days', ms: 7 * 24 * HOUR },
];

export function isRangeKey(s: string | null | undefined): s is RangeKey {
  return RANGES.some((r) => r.key === s);
}

/** The window of a range ending now, as ISO-8601 (whole seconds, so URLs stay short). */
export function rangeWindow(key: RangeKey, nowMs: number): { from: string; to: string } {
  const r = RANGES.find((x) => x.key === key) ?? RANGES[1]!;
  const to = Math.ceil(nowMs / 1000) * 1000;
  return { from: isoSeconds(to - r.ms), to: isoSeconds(to) };
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Units as the collector normalises them (`C`, `F`, `V`, `A`, `W`, `RPM`, `%`) or spelled out. */
export function unitText(unit: string | null | undefined): string {
  if (!unit) return '';
  if (unit === 'C') return '°C';
  if (unit === 'F') return '°F';
  return unitLabel(unit);
}

export function valueText(value: number | null | undefined, unit: string | null | undefined) {
  return sensorValue(value, unitText(unit));
}

export const THRESHOLD_KEYS: readonly ThresholdKey[] = ['lnr', 'lcr', 'lnc', 'unc', 'ucr', 'unr'];

export type ThresholdLevel = 'warning' | 'critical' | 'nonrecoverable';

export interface ThresholdEntry {
  key: ThresholdKey;
  /** "UNC" */
  code: string;
  /** "Upper non-critical" */
  name: string;
  value: number;
  level: ThresholdLevel;
}

const THRESHOLD_NAMES: Record<ThresholdKey, string> = {
  lnr: 'Lower non-recoverable',
  lcr: 'Lower critical',
  lnc: 'Lower non-critical',
  unc: 'Upper non-critical',
  ucr: 'Upper critical',
  unr: 'Upper non-recoverable',
};

export function thresholdLevel(key: ThresholdKey): ThresholdLevel {
  return key.endsWith('nc') ? 'warning' : key.endsWith('cr') ? 'critical' : 'nonrecoverable';
}

/** The thresholds a sensor has (set and finite), lowest first. */
export function presentThresholds(t: Thresholds | null | undefined): ThresholdEntry[] {
  if (!t) return [];
  const out: ThresholdEntry[] = [];
  for (const key of THRESHOLD_KEYS) {
    const value = t[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    out.push({
      key,
      code: key.toUpperCase(),
      name: THRESHOLD_NAMES[key],
      value,
      level: thresholdLevel(key),
    });
  }
  return out;
}

/** The crossed threshold's key ("UCR" → "ucr"), or null. */
export function crossedKey(crossed: string | null | undefined): ThresholdKey | null {
  const k = crossed?.toLowerCase();
  return THRESHOLD_KEYS.find((x) => x === k) ?? null;
}

const STATE_RANK: Record<string, number> = {
  CRITICAL: 4,
  WARNING: 3,
  UNKNOWN: 2,
  DISABLED: 1,
  OK: 0,
};

export function stateRank(state: string | null | undefined): number {
  return STATE_RANK[state ?? ''] ?? 2;
}

/** The badge kind of a sensor state: HealthBadge knows OK, WARNING, CRITICAL, UNKNOWN. */
export function stateBadge(state: string | null | undefined): string {
  if (state === 'OK' || state === 'WARNING' || state === 'CRITICAL') return state;
  return 'UNKNOWN';
}

/** Types in the order an operator looks at them; any other type follows, by name. */
const TYPE_ORDER = ['TEMPERATURE', 'FAN', 'VOLTAGE', 'POWER', 'CURRENT'];

export interface SensorGroup {
  type: string;
  label: string;
  sensors: Sensor[];
  /** The worst state in the group. */
  worst: string;
}

export function groupSensors(sensors: readonly Sensor[]): SensorGroup[] {
  const byType = new Map<string, Sensor[]>();
  for (const s of sensors) {
    const type = s.type || 'UNKNOWN';
    let list = byType.get(type);
    if (!list) byType.set(type, (list = []));
    list.push(s);
  }
  const order = (t: string) => {
    const i = TYPE_ORDER.indexOf(t);
    return i === -1 ? TYPE_ORDER.length : i;
  };
  return [...byType.entries()]
    .sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b))
    .map(([type, list]) => {
      const sorted = [...list].sort(
        (a, b) =>
          a.name.localeCompare(b.name, 'en', { numeric: true }) ||
          a.sensorId.localeCompare(b.sensorId),
      );
      const worst = sorted.reduce(
        (w, s) => (stateRank(s.state) > stateRank(w) ? s.state : w),
        'OK',
      );
      return { type, label: typeLabel(type), sensors: sorted, worst };
    });
}

export function typeLabel(type: string): string {
  if (type === 'OEM') return 'OEM';
  return label(type);
}

/** Sensors in WARNING or CRITICAL, the critical ones first. */
export function attentionSensors(sensors: readonly Sensor[]): Sensor[] {
  return sensors
    .filter((s) => s.state === 'WARNING' || s.state === 'CRITICAL')
    .sort((a, b) => stateRank(b.state) - stateRank(a.state) || a.name.localeCompare(b.name));
}

/** A sensor with a numeric series to draw (threshold-based). */
export function isChartable(s: Sensor): boolean {
  return s.readingKind === 'THRESHOLD' || (s.readingKind !== 'DISCRETE' && s.value !== null);
}

/**
 * The sensor the chart opens with: the one asked for (URL), else the worst chartable sensor
 * in trouble, else the first temperature, else the first chartable one.
 */
export function defaultSensor(sensors: readonly Sensor[], wanted?: string | null): string | null {
  const chartable = sensors.filter(isChartable);
  if (wanted && sensors.some((s) => s.sensorId === wanted)) return wanted;
  const trouble = attentionSensors(chartable)[0];
  if (trouble) return trouble.sensorId;
  const temp = groupSensors(chartable).find((g) => g.type === 'TEMPERATURE')?.sensors[0];
  return (temp ?? groupSensors(chartable)[0]?.sensors[0])?.sensorId ?? null;
}

/** Asserted states of a discrete sensor as text (strings, or objects with a name). */
export function discreteStates(states: readonly unknown[] | null | undefined): string[] {
  if (!states) return [];
  return states
    .map((s) => {
      if (typeof s === 'string') return s;
      if (s && typeof s === 'object') {
        const o = s as Record<string, unknown>;
        const text = o.description ?? o.name ?? o.state ?? o.text;
        return typeof text === 'string' ? text : JSON.stringify(s);
      }
      return String(s);
    })
    .filter((s) => s !== '');
}

export interface ChartSeries {
  /** Seconds since the epoch (uPlot's x). */
  timestamps: number[];
  avg: (number | null)[];
  min: (number | null)[];
  max: (number | null)[];
}

/**
 * The API's buckets as the chart's columns. Where polls stopped (a hole longer than three
 * usual intervals, and longer than two steps) a null point is inserted, so the line breaks
 * there instead of drawing a straight line across an outage. With the window, null points at its
 * edges make the time axis span the whole range, not only the part with data.
 */
export function toChartSeries(
  points: readonly SeriesPoint[],
  stepSeconds: number,
  window?: { from: string; to: string },
): ChartSeries {
  const rows = points
    .map((p) => ({ ...p, s: Date.parse(p.t) / 1000 }))
    .filter((p) => Number.isFinite(p.s))
    .sort((a, b) => a.s - b.s);
  const gaps: number[] = [];
  for (let i = 1; i < rows.length; i++) gaps.push(rows[i]!.s - rows[i - 1]!.s);
  const usual = median(gaps) ?? stepSeconds;
  const hole = Math.max(3 * usual, 2 * stepSeconds);
  const out: ChartSeries = { timestamps: [], avg: [], min: [], max: [] };
  let prev: number | null = null;
  for (const r of rows) {
    if (prev !== null && r.s - prev > hole) {
      out.timestamps.push(prev + Math.min(usual, (r.s - prev) / 2));
      out.avg.push(null);
      out.min.push(null);
      out.max.push(null);
    }
    out.timestamps.push(r.s);
    out.avg.push(num(r.avg ?? r.last));
    out.min.push(num(r.min));
    out.max.push(num(r.max));
    prev = r.s;
  }
  // Empty ends up to the window's edges, so the time axis shows the whole range asked for.
  if (window && out.timestamps.length) {
    const from = Date.parse(window.from) / 1000;
    const to = Date.parse(window.to) / 1000;
    if (Number.isFinite(from) && from < out.timestamps[0]!) {
      out.timestamps.unshift(from);
      for (const col of [out.avg, out.min, out.max]) col.unshift(null);
    }
    if (Number.isFinite(to) && to > out.timestamps[out.timestamps.length - 1]!) {
      out.timestamps.push(to);
      for (const col of [out.avg, out.min, out.max]) col.push(null);
    }
  }
  return out;
}

function num(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export type SelSeverity = 'CRITICAL' | 'WARNING' | 'INFO' | 'UNKNOWN';
export const SEL_SEVERITIES: readonly SelSeverity[] = ['CRITICAL', 'WARNING', 'INFO', 'UNKNOWN'];

/** Events of several pages as one list: no duplicates, newest first (as the API orders). */
export function mergeEvents(a: readonly SelEvent[], b: readonly SelEvent[]): SelEvent[] {
  const byId = new Map<string, SelEvent>();
  for (const e of [...a, ...b]) byId.set(e.eventId, e);
  return [...byId.values()].sort(
    (x, y) => Date.parse(y.time) - Date.parse(x.time) || (x.eventId < y.eventId ? 1 : -1),
  );
}

/** Extra fields of a SEL entry for its details, those present only. */
export function eventDetails(e: SelEvent): { name: string; value: string }[] {
  const rows: [string, unknown][] = [
    ['Raw line', e.rawLine],
    ['Record id', e.recordId],
    ['Direction', e.direction ? label(e.direction) : null],
    ['Sensor number', e.sensorNumber],
    ['Event offset', e.eventOffset],
    ['Event data', e.eventData],
    ['BMC timestamp (raw)', e.bmcTimestampRaw],
    ['Timestamp basis', e.timestampBasis ? label(e.timestampBasis) : null],
    ['Event id', e.eventId],
  ];
  return rows
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([name, v]) => ({ name, value: String(v) }));
}

export type Part = 'header' | 'sensors' | 'alerts' | 'insights' | 'events' | 'chart';

/** What a live event makes stale on this page. */
export function partsFor(type: string, data: Record<string, unknown>): Part[] {
  switch (type) {
    case 'PollCompleted': {
      const kind = data.kind;
      if (kind === 'SENSORS') return ['header', 'sensors', 'chart'];
      if (kind === 'SEL') return ['header', 'events'];
      return ['header'];
    }
    case 'AlertRaised':
    case 'AlertUpdated':
    case 'AlertResolved':
      return ['header', 'alerts', 'sensors'];
    case 'BmcReachabilityChanged':
      return ['header'];
    case 'InsightRaised':
    case 'InsightUpdated':
    case 'InsightClosed':
      return ['insights'];
    default:
      return ['header'];
  }
}

/**
 * Refreshes after live events ($lib/lists/refresher's timing: a read ~1 s after an event, which a
 * steady stream cannot postpone, and a late re-read ~4 s after the last one, for a slow
 * projection). Each early read takes the parts named since the previous read; the late one
 * (no event since, so none new) re-reads every part of the burst.
 */
export function createPartsRefresher(
  run: (parts: Set<Part>) => void,
  delays?: readonly number[],
  timers?: Timers,
): { schedule(parts: readonly Part[]): void; cancel(): void } {
  const soon = new Set<Part>();
  const burst = new Set<Part>();
  const refresher = createRefresher(
    () => {
      const parts = new Set(soon.size > 0 ? soon : burst);
      if (soon.size > 0) for (const p of soon) burst.add(p);
      else burst.clear();
      soon.clear();
      if (parts.size > 0) run(parts);
    },
    delays,
    timers,
  );
  return {
    schedule(parts) {
      for (const p of parts) soon.add(p);
      refresher.trigger();
    },
    cancel() {
      refresher.cancel();
      soon.clear();
      burst.clear();
    },
  };
}

/** Query string of repeated/optional parameters (empty values left out). */
export function qs(params: Record<string, string | string[] | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === '') continue;
    if (Array.isArray(v)) for (const x of v) q.append(k, x);
    else q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function readingsPath(serverId: string, sensorId: string, from: string, to: string) {
  return `/api/v1/servers/${encodeURIComponent(serverId)}/readings${qs({ sensor: sensorId, from, to })}`;
}

export function readingsCsvHref(serverId: string, sensorId: string, from: string, to: string) {
  return `/api/v1/export/readings.csv${qs({ serverId, sensor: sensorId, from, to })}`;
}

export function eventsPath(
  serverId: string,
  severities: readonly string[],
  from: string,
  limit: number,
  cursor?: string | null,
) {
  return `/api/v1/events${qs({ serverId, severity: [...severities], from, limit: String(limit), cursor })}`;
}

export function eventsCsvHref(serverId: string, severities: readonly string[], from: string) {
  return `/api/v1/export/events.csv${qs({ serverId, severity: [...severities], from })}`;
}

export const EVENT_RANGES: readonly { key: string; label: string; ms: number }[] = [
  { key: '24h', label: 'Last 24 hours', ms: 24 * HOUR },
  { key: '7d', label: 'Last 7 days', ms: 7 * 24 * HOUR },
  { key: '30d', label: 'Last 30 days', ms: 30 * 24 * HOUR },
  { key: '90d', label: 'Last 90 days', ms: 90 * 24 * HOUR },
  { key: '365d', label: 'Last year', ms: 365 * 24 * HOUR },
];

export function eventsFrom(key: string, nowMs: number): string {
  const r = EVENT_RANGES.find((x) => x.key === key) ?? EVENT_RANGES[1]!;
  return isoSeconds(Math.floor(nowMs / 1000) * 1000 - r.ms);
}

/** SEL events per page ("Load more" adds as many). */
export const EVENTS_PAGE = 50;

/** "FreeIPMI", "ipmitool": the tools' own spelling. */
export function driverLabel(driver: string | null | undefined): string {
  if (!driver) return '';
  const known: Record<string, string> = { FREEIPMI: 'FreeIPMI', IPMITOOL: 'ipmitool' };
  return known[driver.toUpperCase()] ?? driver;
}

/** "SEL", "BMC", "Sensor", "Power": alert and insight component types. */
export function componentLabel(type: string | null | undefined): string {
  if (type === 'SEL' || type === 'BMC') return type;
  return label(type);
}

const ACRONYMS = new Set([
  'rmcp',
  'ipmi',
  'sel',
  'sdr',
  'dcmi',
  'fru',
  'bmc',
  'lan',
  'udp',
  'rmcpplus',
]);

/** A probe step's name for people: "rmcp-ping" → "RMCP ping", "sel_info" → "SEL info". */
export function stepLabel(name: string): string {
  const words = name
    .split(/[-_\s]+/)
    .filter(Boolean)
    .map((w) => (ACRONYMS.has(w.toLowerCase()) ? w.toUpperCase() : w.toLowerCase()));
  if (words.length === 0) return name;
  const [first, ...rest] = words;
  return [first!.charAt(0).toUpperCase() + first!.slice(1), ...rest].join(' ');
}
