/**
 * The add/edit server form as plain data: a configured server into form values, form values
 * into the body of `POST /servers` (every field) or `PATCH /servers/:id` (only what changed),
 * and the API's per-field problems onto the form's fields. Pure: unit-tested beside it.
 *
 * The BMC password is write-only: the form starts empty on edit and an empty password is
 * left out of a PATCH, so the stored one stays.
 */

export const INTERVAL_KEYS = ['sensors', 'sel', 'power', 'inventory'] as const;
export type IntervalKey = (typeof INTERVAL_KEYS)[number];
export const DRIVERS = ['FREEIPMI', 'IPMITOOL'] as const;
export const PRIVILEGES = ['USER', 'OPERATOR', 'ADMINISTRATOR'] as const;
export type Driver = (typeof DRIVERS)[number];
export type Privilege = (typeof PRIVILEGES)[number];

/** The collector's defaults when an interval is null (collector/src/servers/servers.example.yaml). */
export const DEFAULT_INTERVALS: Record<IntervalKey, string> = {
  sensors: '60s',
  sel: '60s',
  power: '60s',
  inventory: '24h',
};

/** What `GET /servers` says of a server's configuration (the fields the form edits). */
export interface ConfiguredServer {
  serverId: string;
  name: string;
  host: string;
  port: number;
  driver: string;
  cipherSuite: number | null;
  privilegeLevel: string;
  workaroundFlags: string[];
  tags: string[];
  model: string | null;
  enabled: boolean;
  intervals: {
    sensorsMs?: number | null;
    selMs?: number | null;
    powerMs?: number | null;
    inventoryMs?: number | null;
  };
}

export interface ServerFormValues {
  serverId: string;
  name: string;
  host: string;
  port: string;
  driver: Driver;
  username: string;
  password: string;
  privilege: Privilege;
  cipherSuite: string;
  workaroundFlags: string;
  tags: string;
  model: string;
  enabled: boolean;
  intervals: Record<IntervalKey, string>;
}

export function emptyForm(): ServerFormValues {
  return {
    serverId: '',
    name: '',
    host: '',
    port: '623',
    driver: 'FREEIPMI',
    username: '',
    password: '',
    privilege: 'USER',
    cipherSuite: '',
    workaroundFlags: '',
    tags: '',
    model: '',
    enabled: true,
    intervals: { sensors: '', sel: '', power: '', inventory: '' },
  };
}

/** ms as the import syntax writes it: null → '' (default), 0 → 'off', 86400000 → '1d'. */
export function intervalText(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  if (ms === 0) return 'off';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

const MS_KEY: Record<IntervalKey, keyof ConfiguredServer['intervals']> = {
  sensors: 'sensorsMs',
  sel: 'selMs',
  power: 'powerMs',
  inventory: 'inventoryMs',
};

/** "sensors 30s · power off", or "collector defaults" when none is set. */
export function intervalsSummary(intervals: ConfiguredServer['intervals']): string {
  const set = INTERVAL_KEYS.filter((k) => {
    const v = intervals[MS_KEY[k]];
    return v !== null && v !== undefined;
  }).map((k) => `${k} ${intervalText(intervals[MS_KEY[k]])}`);
  return set.length === 0 ? 'collector defaults' : set.join(' · ');
}

function pick<T extends string>(value: string, allowed: readonly T[], fallback: T): T {
  const v = value.toUpperCase();
  return (allowed as readonly string[]).includes(v) ? (v as T) : fallback;
}

/** The form of a configured server (the password stays empty: it is never shown). */
export function formOfServer(s: ConfiguredServer, username: string): ServerFormValues {
  return {
    serverId: s.serverId,
    name: s.name,
    host: s.host,
    port: String(s.port),
    driver: pick(s.driver, DRIVERS, 'FREEIPMI'),
    username,
    password: '',
    privilege: pick(s.privilegeLevel, PRIVILEGES, 'USER'),
    cipherSuite: s.cipherSuite === null ? '' : String(s.cipherSuite),
    workaroundFlags: s.workaroundFlags.join(' '),
    tags: s.tags.join(' '),
    model: s.model ?? '',
    enabled: s.enabled,
    intervals: {
      sensors: intervalText(s.intervals.sensorsMs),
      sel: intervalText(s.intervals.selMs),
      power: intervalText(s.intervals.powerMs),
      inventory: intervalText(s.intervals.inventoryMs),
    },
  };
}

/** `a, b;c  d` → ['a', 'b', 'c', 'd'] (the importer's list separators). */
export function splitList(text: string): string[] {
  return text.split(/[\s,;|]+/).filter((s) => s.length > 0);
}

/** A number field: the number when it is one, else the text (the API says what is wrong). */
function numberOrText(text: string): number | string {
  const t = text.trim();
  return /^\d+$/.test(t) ? Number.parseInt(t, 10) : t;
}

type Body = Record<string, unknown>;

function fieldValues(v: ServerFormValues): Body {
  return {
    name: v.name.trim(),
    host: v.host.trim(),
    port: v.port.trim() === '' ? 623 : numberOrText(v.port),
    driver: v.driver,
    username: v.username,
    privilege: v.privilege,
    cipherSuite: v.cipherSuite.trim() === '' ? null : numberOrText(v.cipherSuite),
    workaroundFlags: splitList(v.workaroundFlags),
    tags: splitList(v.tags),
    model: v.model.trim() === '' ? null : v.model.trim(),
    enabled: v.enabled,
  };
}

function intervalValue(text: string): string | null {
  const t = text.trim();
  return t === '' ? null : t;
}

/** The body of `POST /servers`: every field; the id only when given (else the API derives it). */
export function createBody(v: ServerFormValues): Body {
  const body: Body = { ...fieldValues(v), password: v.password };
  if (v.serverId.trim() !== '') body.serverId = v.serverId.trim();
  const intervals: Record<string, string | null> = {};
  for (const k of INTERVAL_KEYS) intervals[k] = intervalValue(v.intervals[k]);
  body.intervals = intervals;
  return body;
}

/**
 * The body of `PATCH /servers/:id`: the fields that differ from `initial`, the password only
 * when one was typed, the intervals that changed. `{}` when nothing changed.
 */
export function patchBody(initial: ServerFormValues, v: ServerFormValues): Body {
  const before = fieldValues(initial);
  const after = fieldValues(v);
  const body: Body = {};
  for (const [k, value] of Object.entries(after)) {
    if (JSON.stringify(value) !== JSON.stringify(before[k])) body[k] = value;
  }
  if (v.password !== '') body.password = v.password;
  const intervals: Record<string, string | null> = {};
  for (const k of INTERVAL_KEYS) {
    const a = intervalValue(v.intervals[k]);
    if (a !== intervalValue(initial.intervals[k])) intervals[k] = a;
  }
  if (Object.keys(intervals).length > 0) body.intervals = intervals;
  return body;
}

/** Port and cipher suite must be whole numbers (checked before sending: the API's schema would
 * refuse the request before its per-field checks, hiding the other problems). */
export function numberProblems(v: ServerFormValues): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  const port = v.port.trim();
  if (port !== '' && !(/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    out.push({ field: 'port', message: 'port: a whole number from 1 to 65535' });
  }
  const suite = v.cipherSuite.trim();
  if (suite !== '' && !(/^\d+$/.test(suite) && Number(suite) <= 19)) {
    out.push({
      field: 'cipherSuite',
      message: 'cipher suite: a whole number from 0 to 19, or empty',
    });
  }
  return out;
}

/** The form's fields an API problem can name (`intervals.sel`, `body.port` from a 400, ...). */
export const FORM_FIELDS = [
  'serverId',
  'name',
  'host',
  'port',
  'driver',
  'username',
  'password',
  'privilege',
  'cipherSuite',
  'workaroundFlags',
  'tags',
  'model',
  'enabled',
  'intervals.sensors',
  'intervals.sel',
  'intervals.power',
  'intervals.inventory',
] as const;
export type FormField = (typeof FORM_FIELDS)[number];

export interface FieldProblems {
  byField: Partial<Record<FormField, string[]>>;
  /** Problems that name no field of the form. */
  other: string[];
}

/** The API's `errors` (from a 422 or 400) split by form field. */
export function fieldProblems(
  errors: readonly { field?: string | null; message?: string }[],
): FieldProblems {
  const out: FieldProblems = { byField: {}, other: [] };
  for (const e of errors) {
    const message = e.message ?? 'invalid';
    let field = (e.field ?? '').replace(/^body\.?/, '');
    if (field === 'privilegeLevel') field = 'privilege';
    if (field === 'intervals' || field.startsWith('intervals.')) {
      const key = field.split('.')[1];
      field = key && (INTERVAL_KEYS as readonly string[]).includes(key) ? `intervals.${key}` : '';
    }
    if ((FORM_FIELDS as readonly string[]).includes(field)) {
      const f = field as FormField;
      (out.byField[f] ??= []).push(message);
    } else {
      out.other.push(field ? `${field}: ${message}` : message);
    }
  }
  return out;
}
