/**
 * How alerts, silences and insights read to an operator: an insight's numbers and evidence in
 * words, a silence's scope, the body of a new silence, the announcement of a new alert. Pure.
 */

const ACRONYMS = new Set([
  'AC',
  'BMC',
  'CPU',
  'DC',
  'DCMI',
  'DIMM',
  'ECC',
  'FRU',
  'IPMI',
  'LCR',
  'LNC',
  'LNR',
  'OEM',
  'PSU',
  'SDR',
  'SEL',
  'UCR',
  'UNC',
  'UNR',
  'VRM',
]);

/**
 * An enum-ish API value in words, acronyms kept: "POWER_SUPPLY" → "Power supply",
 * "SEL_PSU_AC_LOST" → "SEL PSU AC lost" ($lib/format's `label` lowercases them).
 */
export function words(value: string | null | undefined): string {
  if (!value) return '';
  const parts = value.split(/[_\s-]+/).filter((p) => p !== '');
  return parts
    .map((p, i) => {
      const up = p.toUpperCase();
      if (ACRONYMS.has(up)) return up;
      const low = p.toLowerCase();
      return i === 0 ? low.charAt(0).toUpperCase() + low.slice(1) : low;
    })
    .join(' ');
}

/** As `words`, for use inside a sentence: "power supply", "SEL". */
export function wordsLower(value: string | null | undefined): string {
  const w = words(value);
  const first = w.split(' ')[0] ?? '';
  return ACRONYMS.has(first) ? w : w.charAt(0).toLowerCase() + w.slice(1);
}

// ---- insight metrics -----------------------------------------------------------------------

const METRIC_LABELS: Record<string, string> = {
  slopePerDay: 'Slope per day',
  r2: 'Fit (R²)',
  predictedValue: 'Predicted value',
  daysToThreshold: 'Days to threshold',
  selFillPercent: 'SEL fill',
  windowDays: 'Window',
  windowHours: 'Window',
  acLossWindowHours: 'Input-loss window',
  inputLostInWindow: 'Input losses in window',
  inputLost: 'Input losses',
  redundancyLost: 'Redundancy losses',
  firstValue: 'First value',
  lastValue: 'Last value',
};

/** "slopePerDay" → "Slope per day", "selFillPercent" → "Sel fill percent" (unknown keys). */
export function metricLabel(key: string): string {
  const known = METRIC_LABELS[key];
  if (known) return known;
  const spaced = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

function num(v: number, maxDigits: number): string {
  return v.toLocaleString('en-US', { maximumFractionDigits: maxDigits });
}

/** A metric's value with the unit its name implies: "7 d", "24 h", "85 %", "0.42". */
export function metricValue(key: string, value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return value === null || value === undefined ? 'n/a' : String(value);
  }
  const k = key.toLowerCase();
  if (k === 'r2' || k === 'confidence') return num(value, 3);
  if (k.endsWith('percent')) return `${num(value, 1)} %`;
  if (k.endsWith('days') || k === 'daystothreshold') return `${num(value, 1)} d`;
  if (k.endsWith('hours')) return `${num(value, 1)} h`;
  if (k.endsWith('perday')) return `${value > 0 ? '+' : ''}${num(value, 3)} per day`;
  return num(value, Math.abs(value) >= 100 ? 1 : 3);
}

export interface MetricRow {
  key: string;
  label: string;
  value: string;
}

/** The metrics object of an insight as label/value rows, in the API's order. */
export function metricRows(metrics: Record<string, unknown> | null | undefined): MetricRow[] {
  return Object.entries(metrics ?? {}).map(([key, v]) => ({
    key,
    label: metricLabel(key),
    value: metricValue(key, v),
  }));
}

// ---- insight evidence ----------------------------------------------------------------------

export interface EvidenceItem {
  eventId: string | null;
  /** ISO time, or null when the evidence has none. */
  at: string | null;
  note: string;
}

function timeOf(v: unknown): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) return new Date(v).toISOString();
  if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return new Date(v).toISOString();
  return null;
}

/**
 * The evidence array (`{eventId, occurredAt (ms), note}` per the InsightEvidence schema) as
 * items; anything else is still shown, as compact text, rather than dropped.
 */
export function evidenceItems(evidence: readonly unknown[] | null | undefined): EvidenceItem[] {
  return (evidence ?? []).map((e) => {
    if (e !== null && typeof e === 'object') {
      const o = e as Record<string, unknown>;
      const note =
        typeof o.note === 'string' && o.note !== ''
          ? o.note
          : Object.keys(o).some((k) => !['eventId', 'occurredAt', 'note'].includes(k))
            ? JSON.stringify(o)
            : 'Supporting event';
      return {
        eventId: typeof o.eventId === 'string' ? o.eventId : null,
        at: timeOf(o.occurredAt ?? o.at ?? o.time),
        note,
      };
    }
    return { eventId: null, at: null, note: String(e) };
  });
}

export interface EvidenceGroup {
  note: string;
  items: EvidenceItem[];
}

/** Items with the same note together (first appearance order): "6 × DIMM A1: ..." and times. */
export function groupEvidence(items: readonly EvidenceItem[]): EvidenceGroup[] {
  const groups = new Map<string, EvidenceGroup>();
  for (const it of items) {
    const g = groups.get(it.note);
    if (g) g.items.push(it);
    else groups.set(it.note, { note: it.note, items: [it] });
  }
  return [...groups.values()];
}

// ---- alerts --------------------------------------------------------------------------------

/** What a new alert's live announcement says: "New critical alert on bmc4: CPU Temp ...". */
export function alertAnnouncement(
  data: Record<string, unknown>,
  serverName: (id: string) => string,
): string {
  const sev = typeof data.severity === 'string' ? data.severity.toLowerCase() : '';
  const server = typeof data.serverId === 'string' ? serverName(data.serverId) : 'a server';
  const summary = typeof data.summary === 'string' && data.summary ? `: ${data.summary}` : '';
  return `New ${sev ? `${sev} ` : ''}alert on ${server}${summary}`;
}

/** "Acknowledged by admin" etc.: the actor without its "user:" prefix. */
export function actorName(actor: string): string {
  return actor.replace(/^user:/, '');
}

// ---- silences ------------------------------------------------------------------------------

export interface SilenceScopeTarget {
  serverId: string;
  componentType: string | null;
  component: string | null;
  condition: string | null;
}

export const SILENCE_SCOPES = ['condition', 'component', 'server'] as const;
export type SilenceScope = (typeof SILENCE_SCOPES)[number];

export const SILENCE_DURATIONS = ['1h', '4h', '24h', '7d', 'custom'] as const;
export type SilenceDuration = (typeof SILENCE_DURATIONS)[number];
export const DURATION_LABELS: Record<SilenceDuration, string> = {
  '1h': '1 hour',
  '4h': '4 hours',
  '24h': '24 hours',
  '7d': '7 days',
  custom: 'Until…',
};

export interface SilenceForm {
  scope: SilenceScope;
  duration: SilenceDuration;
  /** ISO end time, for `custom`. */
  until: string | null;
  reason: string;
}

export interface SilenceBody {
  serverIds: string[];
  componentType: string | null;
  component: string | null;
  condition: string | null;
  duration?: string;
  endsAt?: string;
  comment: string;
}

/**
 * The POST /api/v1/silences body for an alert and the form, or the problem with the form.
 * Scopes: `condition` = this kind of alert on this component, `component` = anything on this
 * component, `server` = every alert of the server.
 */
export function silenceBody(
  alert: SilenceScopeTarget,
  form: SilenceForm,
  nowMs: number,
): { body: SilenceBody } | { problem: string } {
  const comment = form.reason.trim();
  if (comment === '')
    return { problem: 'Say why (the reason is shown with the silence and in the audit log).' };
  if (comment.length > 2000)
    return { problem: 'The reason is too long (2000 characters at most).' };
  const body: SilenceBody = {
    serverIds: [alert.serverId],
    componentType: form.scope === 'server' ? null : alert.componentType,
    component: form.scope === 'server' ? null : alert.component,
    condition: form.scope === 'condition' ? alert.condition : null,
    comment,
  };
  if (form.duration === 'custom') {
    const end = form.until === null ? Number.NaN : Date.parse(form.until);
    if (Number.isNaN(end)) return { problem: 'Give the time the silence ends.' };
    if (end <= nowMs) return { problem: 'The end of the silence must be in the future.' };
    body.endsAt = new Date(end).toISOString();
  } else {
    body.duration = form.duration;
  }
  return { body };
}

/** What a silence covers, in words: "CPU Temp (sensor), SENSOR_THRESHOLD" or "everything". */
export function silenceScopeText(s: {
  componentType: string | null;
  component: string | null;
  condition: string | null;
}): string {
  const parts: string[] = [];
  if (s.component) {
    parts.push(s.componentType ? `${s.component} (${wordsLower(s.componentType)})` : s.component);
  } else if (s.componentType) parts.push(`any ${wordsLower(s.componentType)}`);
  if (s.condition) parts.push(words(s.condition));
  return parts.length === 0 ? 'Every alert' : parts.join(' · ');
}

// ---- live ----------------------------------------------------------------------------------

/** A PollCompleted of the SEL that read new entries: the events list has something new. */
export function isNewSelPoll(data: Record<string, unknown>): boolean {
  return data.kind === 'SEL' && typeof data.itemsRead === 'number' && data.itemsRead > 0;
}

/** Ids in `next` that were not in `before`: the rows a refresh brought (highlighted briefly). */
export function newIds<T>(
  before: readonly T[],
  next: readonly T[],
  id: (x: T) => string,
): string[] {
  if (before.length === 0) return [];
  const seen = new Set(before.map(id));
  return next.map(id).filter((k) => !seen.has(k));
}

// ---- SEL events ----------------------------------------------------------------------------

export interface SelLineSource {
  recordId: number;
  time: string;
  bmcTimestampRaw: string | null;
  sensorType: string;
  sensorName: string | null;
  sensorId: string | null;
  sensorNumber: number | null;
  description: string | null;
  direction: string;
  eventOffset: number | null;
}

/** The sensor of an SEL entry in words: its name, else its id or number. */
export function selSensor(e: Pick<SelLineSource, 'sensorName' | 'sensorId' | 'sensorNumber'>) {
  return e.sensorName ?? e.sensorId ?? (e.sensorNumber === null ? '' : `#${e.sensorNumber}`);
}

/** What happened, when the entry has no decoded text: "Temperature event, offset 9". */
export function selDescription(
  e: Pick<SelLineSource, 'description' | 'sensorType' | 'eventOffset'>,
) {
  if (e.description) return e.description;
  const offset = e.eventOffset === null ? '' : `, offset ${e.eventOffset}`;
  return `${words(e.sensorType)} event${offset}`;
}

/**
 * The entry as one line, in the shape of `ipmitool sel elist` (record, BMC time, sensor,
 * event, direction), as the BMC reported it.
 */
export function selRawLine(e: SelLineSource): string {
  const direction =
    e.direction === 'ASSERTION'
      ? 'Asserted'
      : e.direction === 'DEASSERTION'
        ? 'Deasserted'
        : words(e.direction);
  return [
    String(e.recordId).padStart(4),
    e.bmcTimestampRaw ?? e.time,
    `${words(e.sensorType)} ${selSensor(e)}`.trim(),
    selDescription(e),
    direction,
  ].join(' | ');
}
