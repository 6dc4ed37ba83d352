/**
 * The filters of the events, alerts and insights pages: read from the page's URL query (so a
 * filtered view can be bookmarked and shared), turned into the API's query parameters and back
 * into page URLs. Pure: no DOM, no clock of its own (callers pass `nowMs`).
 */

export type Params = Record<string, string | string[] | number | null | undefined>;

/** "?a=1&b=x&b=y": empty values left out, arrays repeated (as the API and the export take them). */
export function toQuery(params: Params): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === '') continue;
    if (Array.isArray(v)) for (const x of v) q.append(k, x);
    else q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The values of a repeated (or comma-separated) parameter that are in `allowed`, deduplicated. */
export function listParam(params: URLSearchParams, name: string, allowed: readonly string[]) {
  const out: string[] = [];
  for (const raw of params.getAll(name)) {
    for (const part of raw.split(',')) {
      const v = part.trim().toUpperCase();
      if (allowed.includes(v) && !out.includes(v)) out.push(v);
    }
  }
  return out;
}

function oneOf<T extends string>(value: string | null, allowed: readonly T[], fallback: T): T {
  const v = (value ?? '').toLowerCase() as T;
  return allowed.includes(v) ? v : fallback;
}

const HOUR = 3_600_000;
export const PAGE_SIZE = 50;
export const MAX_LIMIT = 1000;

/** How many items a refresh asks for: what is loaded now, so "Load more" pages stay. */
export function refreshLimit(loaded: number, pageSize = PAGE_SIZE): number {
  return Math.min(MAX_LIMIT, Math.max(pageSize, loaded));
}

// ---- time ranges -------------------------------------------------------------------------

export const RANGES = ['1h', '24h', '7d', 'custom'] as const;
export type RangePreset = (typeof RANGES)[number];
export const RANGE_LABELS: Record<RangePreset, string> = {
  '1h': 'Last hour',
  '24h': 'Last 24 hours',
  '7d': 'Last 7 days',
  custom: 'Custom range',
};
const RANGE_MS: Record<Exclude<RangePreset, 'custom'>, number> = {
  '1h': HOUR,
  '24h': 24 * HOUR,
  '7d': 7 * 24 * HOUR,
};
/** The events list's own default span when only `to` is given (api/src/routes/events.ts). */
const DEFAULT_SPAN = 7 * 24 * HOUR;

/**
 * A time from the URL as ISO-8601 UTC, or null. Takes full ISO times (what the page puts in
 * the URL when scripts run: local time already converted) and, without scripts, the
 * `datetime-local` form value ("2026-11-29T05:07"), which has no zone: read as UTC.
 */
export function normalizeTime(value: string | null | undefined): string | null {
  const v = (value ?? '').trim();
  if (v === '') return null;
  const naive = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(v);
  const ms = Date.parse(naive ? `${v}Z` : v);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** A Date as a `datetime-local` input value in the zone of the Date's local getters. */
export function toLocalInputValue(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export interface TimeRange {
  range: RangePreset;
  /** Custom range only: ISO times, either may be null (open). */
  from: string | null;
  to: string | null;
}

/**
 * The explicit `from`/`to` (ISO) of a range at `nowMs`. Both are always given: the list and
 * the CSV export have different defaults (7 d and 24 h), and the export must match the list.
 */
export function resolveRange(r: TimeRange, nowMs: number): { from: string; to: string | null } {
  if (r.range !== 'custom') {
    return { from: new Date(nowMs - RANGE_MS[r.range]).toISOString(), to: null };
  }
  const toMs = r.to === null ? nowMs : Date.parse(r.to);
  const fromMs = r.from === null ? toMs - DEFAULT_SPAN : Date.parse(r.from);
  return { from: new Date(fromMs).toISOString(), to: r.to };
}

/** Why a custom range cannot be asked for, or null. */
export function rangeProblem(r: TimeRange, nowMs: number): string | null {
  if (r.range !== 'custom') return null;
  const { from, to } = resolveRange(r, nowMs);
  const toMs = to === null ? nowMs : Date.parse(to);
  if (Date.parse(from) >= toMs) return 'The start of the range must be before its end.';
  return null;
}

// ---- events --------------------------------------------------------------------------------

export const EVENT_SEVERITIES = ['CRITICAL', 'WARNING', 'INFO', 'UNKNOWN'] as const;

export interface EventFilters extends TimeRange {
  serverId: string;
  severity: string[];
}

export function parseEventFilters(params: URLSearchParams): EventFilters {
  const from = normalizeTime(params.get('from'));
  const to = normalizeTime(params.get('to'));
  const explicit = params.get('range');
  // A from/to without a range (a shared link, the no-script form) means a custom range.
  const range =
    explicit === null && (from !== null || to !== null) ? 'custom' : oneOf(explicit, RANGES, '24h');
  return {
    serverId: (params.get('server') ?? '').trim(),
    severity: listParam(params, 'severity', EVENT_SEVERITIES),
    range,
    from: range === 'custom' ? from : null,
    to: range === 'custom' ? to : null,
  };
}

/** The page URL of these filters (defaults left out). */
export function eventsPageQuery(f: EventFilters): string {
  return toQuery({
    server: f.serverId,
    severity: f.severity,
    range: f.range === '24h' ? null : f.range,
    from: f.range === 'custom' ? f.from : null,
    to: f.range === 'custom' ? f.to : null,
  });
}

/** Parameters of GET /api/v1/events (the list) for these filters at `nowMs`. */
export function eventsApiQuery(
  f: EventFilters,
  nowMs: number,
  page: { limit?: number; cursor?: string | null } = {},
): string {
  const { from, to } = resolveRange(f, nowMs);
  return toQuery({
    serverId: f.serverId,
    severity: f.severity,
    from,
    to,
    limit: page.limit ?? PAGE_SIZE,
    cursor: page.cursor,
  });
}

/** The CSV export of exactly what the list shows (same server, severities and range). */
export function eventsExportHref(f: EventFilters, nowMs: number): string {
  const { from, to } = resolveRange(f, nowMs);
  return `/api/v1/export/events.csv${toQuery({ serverId: f.serverId, severity: f.severity, from, to })}`;
}

// ---- alerts --------------------------------------------------------------------------------

export const ALERT_STATUSES = ['active', 'resolved', 'all'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];
export const ALERT_SEVERITIES = ['CRITICAL', 'WARNING', 'INFO'] as const;

export interface AlertFilters {
  status: AlertStatus;
  serverId: string;
  severity: string[];
}

export function parseAlertFilters(params: URLSearchParams): AlertFilters {
  return {
    status: oneOf(params.get('status'), ALERT_STATUSES, 'active'),
    serverId: (params.get('server') ?? '').trim(),
    severity: listParam(params, 'severity', ALERT_SEVERITIES),
  };
}

export function alertsPageQuery(f: AlertFilters): string {
  return toQuery({
    status: f.status === 'active' ? null : f.status,
    server: f.serverId,
    severity: f.severity,
  });
}

/** GET /api/v1/alerts takes the status as `state` (absent: both). */
export function alertsApiQuery(
  f: AlertFilters,
  page: { limit?: number; cursor?: string | null } = {},
): string {
  return toQuery({
    state: f.status === 'all' ? null : f.status,
    serverId: f.serverId,
    severity: f.severity,
    limit: page.limit ?? PAGE_SIZE,
    cursor: page.cursor,
  });
}

// ---- insights ------------------------------------------------------------------------------

export const INSIGHT_KINDS = ['TREND', 'PREDICTION', 'MAINTENANCE_TASK'] as const;
export const INSIGHT_STATUSES = ['open', 'closed', 'all'] as const;
export type InsightStatus = (typeof INSIGHT_STATUSES)[number];

export interface InsightFilters {
  status: InsightStatus;
  serverId: string;
  kind: string[];
}

export function parseInsightFilters(params: URLSearchParams): InsightFilters {
  return {
    status: oneOf(params.get('status'), INSIGHT_STATUSES, 'open'),
    serverId: (params.get('server') ?? '').trim(),
    kind: listParam(params, 'kind', INSIGHT_KINDS),
  };
}

export function insightsPageQuery(f: InsightFilters): string {
  return toQuery({
    status: f.status === 'open' ? null : f.status,
    server: f.serverId,
    kind: f.kind,
  });
}

export function insightsApiQuery(
  f: InsightFilters,
  page: { limit?: number; cursor?: string | null } = {},
): string {
  return toQuery({
    status: f.status === 'all' ? null : f.status,
    serverId: f.serverId,
    kind: f.kind,
    limit: page.limit ?? PAGE_SIZE,
    cursor: page.cursor,
  });
}
