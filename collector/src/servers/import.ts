/**
 * Bulk import of servers for the first run: `servers.yaml` or a CSV export from a
 * spreadsheet or CMDB, parsed into validated server definitions. Pure: text in, definitions
 * and per-row issues out. A bad row is reported with its line and field and skipped; the
 * other rows still import, because with a few hundred servers one typo must not block the
 * rest.
 *
 * Validation guards more than typos:
 * - Hosts, workaround flags and tags end up in a driver's argument vector. A value starting
 *   with `-` would be read as an option (argument injection), so none may.
 * - User names and passwords go into a FreeIPMI config file line (`password X`) or
 *   ipmitool's password file, both line-based; a line break would smuggle in directives, so
 *   control characters are refused.
 * - IPMI 2.0 limits user names to 16 bytes and passwords to 20 bytes (Set User Password,
 *   section 22.30); longer ones are truncated or rejected by BMCs in vendor-specific ways,
 *   and the failure then looks like a wrong password. Better to say so at import.
 * - Two entries for one BMC (`host:port`) would mean two sessions to it; the scheduler
 *   refuses that, so the importer reports it.
 * Passwords and user names are never echoed in issues.
 */
import { isIP } from 'node:net';
import type { CodedError } from '@ipmi-monitor/runtime';
import type { PollIntervals, ServerConfigured } from '@ipmi-monitor/schemas';
import { Secret } from '../credentials/secret.js';
import { configErrors } from '../errors-config.js';
import { CsvError, parseCsv } from './csv.js';
import { SERVER_ID_PATTERN, bmcKey, serverEventId, slugifyServerId } from './ids.js';
import { YamlDocError, parseYamlDoc, type YamlMap, type YamlNode } from './yaml-doc.js';

export type ImportFormat = 'yaml' | 'csv';
export type ImportDriver = 'FREEIPMI' | 'IPMITOOL';
export type ImportPrivilege = 'USER' | 'OPERATOR' | 'ADMINISTRATOR';

export interface ImportIssue {
  /** 1-based line in the file. */
  readonly line: number;
  /** The field concerned (canonical name, e.g. `port`, `intervals.sel`); null for the row or file. */
  readonly field: string | null;
  readonly message: string;
}

export interface ServerDefinition {
  /** Line of the entry in the import file. */
  readonly line: number;
  readonly serverId: string;
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly driver: ImportDriver;
  readonly username: string;
  readonly password: Secret;
  readonly privilege: ImportPrivilege;
  readonly cipherSuite: number | null;
  readonly workaroundFlags: readonly string[];
  readonly tags: readonly string[];
  readonly model: string | null;
  readonly enabled: boolean;
  /** As in ServerConfigured: ms, null = collector default, 0 = off. */
  readonly intervals: PollIntervals;
}

export interface ImportResult {
  readonly format: ImportFormat;
  readonly servers: readonly ServerDefinition[];
  readonly issues: readonly ImportIssue[];
}

export const DEFAULT_IPMI_PORT = 623;
/** The scheduler's minimum; shorter intervals hurt the BMC and say nothing new. */
export const MIN_INTERVAL_MS = 5_000;
/** ServerConfigured.pollIntervals are Avro ints. */
const MAX_INTERVAL_MS = 2_147_483_647;
const IPMI_MAX_USERNAME_BYTES = 16;
const IPMI_MAX_PASSWORD_BYTES = 20;

// --- field names -----------------------------------------------------------------------------

const FIELDS = [
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
] as const;
type Field = (typeof FIELDS)[number];
const INTERVAL_KEYS = ['sensors', 'sel', 'power', 'inventory'] as const;
type IntervalKey = (typeof INTERVAL_KEYS)[number];
const INTERVAL_FIELD = {
  sensors: 'sensorsMs',
  sel: 'selMs',
  power: 'powerMs',
  inventory: 'inventoryMs',
} as const satisfies Record<IntervalKey, keyof PollIntervals>;

type Target = { field: Field } | { interval: IntervalKey } | { intervals: true };

/** Case, `_`, `-`, `.` and spaces do not matter: `server_id`, `Server ID`, `serverId`. */
function norm(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

const ALIASES = new Map<string, Target>();
for (const f of FIELDS) ALIASES.set(norm(f), { field: f });
for (const [alias, f] of [
  ['id', 'serverId'],
  ['displayname', 'name'],
  ['address', 'host'],
  ['bmc', 'host'],
  ['bmchost', 'host'],
  ['bmcaddress', 'host'],
  ['ip', 'host'],
  ['user', 'username'],
  ['pass', 'password'],
  ['privilegelevel', 'privilege'],
  ['priv', 'privilege'],
  ['cipher', 'cipherSuite'],
  ['workarounds', 'workaroundFlags'],
  ['labels', 'tags'],
] as const) {
  ALIASES.set(alias, { field: f });
}
ALIASES.set('intervals', { intervals: true });
ALIASES.set('pollintervals', { intervals: true });
for (const k of INTERVAL_KEYS) {
  // Flattened forms for CSV columns: `sensors_interval`, `interval_sensors`, `intervals.sensors`.
  for (const a of [`${k}interval`, `interval${k}`, `intervals${k}`])
    ALIASES.set(a, { interval: k });
}

// --- raw rows --------------------------------------------------------------------------------

interface RawValue {
  readonly line: number;
  readonly node: YamlNode;
}

interface RawRow {
  readonly line: number;
  readonly fields: Map<Field, RawValue>;
  readonly intervals: Map<IntervalKey, RawValue>;
}

function cell(text: string, line: number): RawValue {
  return { line, node: { kind: 'scalar', line, value: text, raw: text, quoted: true } };
}

class Issues {
  readonly list: ImportIssue[] = [];
  private readonly seen = new Set<string>();
  add(line: number, field: string | null, message: string) {
    const key = `${line}\u0000${field ?? ''}\u0000${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push({ line, field, message });
  }
}

/** Reads one YAML mapping (a server or the defaults) into a raw row. */
function rawRowOfMap(map: YamlMap, issues: Issues, where: string): RawRow {
  const row: RawRow = { line: map.line, fields: new Map(), intervals: new Map() };
  for (const e of map.entries) {
    const t = ALIASES.get(norm(e.key));
    if (!t) {
      issues.add(e.line, e.key, `unknown field "${e.key}" in ${where}`);
      continue;
    }
    if ('field' in t) {
      if (row.fields.has(t.field)) issues.add(e.line, t.field, `${t.field} is given twice`);
      else row.fields.set(t.field, { line: e.line, node: e.value });
    } else if ('interval' in t) {
      row.intervals.set(t.interval, { line: e.line, node: e.value });
    } else if (e.value.kind === 'map') {
      for (const ie of e.value.entries) {
        const k = INTERVAL_KEYS.find((x) => norm(x) === norm(ie.key));
        if (!k) {
          issues.add(
            ie.line,
            `intervals.${ie.key}`,
            `unknown interval "${ie.key}" (sensors, sel, power, inventory)`,
          );
        } else {
          row.intervals.set(k, { line: ie.line, node: ie.value });
        }
      }
    } else if (!(e.value.kind === 'scalar' && e.value.value === null)) {
      issues.add(
        e.line,
        'intervals',
        'intervals must be a mapping like { sensors: 60s, sel: 60s }',
      );
    }
  }
  return row;
}

// --- value readers ---------------------------------------------------------------------------

/** Thrown inside a field reader; becomes one issue for that field. */
class FieldError extends Error {}

function isNullNode(v: RawValue): boolean {
  return v.node.kind === 'scalar' && !v.node.quoted && v.node.value === null;
}

/** A text value; plain YAML scalars keep their source text (`0123` stays `0123`). */
function text(v: RawValue): string {
  if (v.node.kind !== 'scalar')
    throw new FieldError('expected a single value, not a list or mapping');
  return v.node.quoted ? String(v.node.value) : v.node.raw;
}

function integer(v: RawValue, min: number, max: number): number {
  const n =
    v.node.kind === 'scalar' && typeof v.node.value === 'number' ? v.node.value : Number.NaN;
  const parsed = Number.isNaN(n) && /^\s*\d+\s*$/.test(text(v)) ? Number.parseInt(text(v), 10) : n;
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new FieldError(`expected a whole number from ${min} to ${max}, got "${clip(text(v))}"`);
  }
  return parsed;
}

function boolean(v: RawValue): boolean {
  if (v.node.kind === 'scalar' && typeof v.node.value === 'boolean') return v.node.value;
  const t = text(v).trim().toLowerCase();
  if (['true', 'yes', 'on', '1', 'y'].includes(t)) return true;
  if (['false', 'no', 'off', '0', 'n'].includes(t)) return false;
  throw new FieldError(`expected true or false, got "${clip(t)}"`);
}

function list(v: RawValue): string[] {
  if (v.node.kind === 'seq') {
    return v.node.items.map((item) => text({ line: item.line, node: item }).trim());
  }
  // One cell or scalar holding several values: `rack:a1, role:db` or `a;b` or `a b`.
  return text(v)
    .split(/[\s,;|]+/)
    .filter((s) => s.length > 0);
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const HOSTNAME =
  /^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;
// FreeIPMI's workaround flag names are lower-case letters and digits (`opensesspriv`,
// `intel20`); the drivers refuse anything else, so the import refuses it first.
const FLAG = /^[a-z0-9]{1,64}$/;
const TAG = /^[^\s,;|-][^\s,;|]{0,99}$/;

function host(v: RawValue): string {
  let h = text(v).trim();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (isIP(h) !== 0) return h.toLowerCase();
  if (/^[^:]+:\d+$/.test(h)) throw new FieldError('put the port in the port field, not in host');
  if (!HOSTNAME.test(h)) {
    throw new FieldError(`"${clip(h)}" is not an IPv4 or IPv6 address or a DNS name`);
  }
  return h.toLowerCase();
}

/** `60s`, `5m`, `24h`, `1d`, `500ms`, a bare number of seconds, `off`/0, or `default`/null. */
function interval(v: RawValue): number | null {
  if (isNullNode(v)) return null;
  const raw =
    v.node.kind === 'scalar' && typeof v.node.value === 'number'
      ? String(v.node.value)
      : text(v).trim().toLowerCase();
  if (raw === '' || raw === 'default') return null;
  if (raw === 'off' || raw === 'never' || raw === 'disabled' || raw === '0') return 0;
  if (v.node.kind === 'scalar' && v.node.value === false) return 0;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h|d)?$/.exec(raw);
  if (!m) {
    throw new FieldError(`expected a duration like 60s, 5m, 24h or off, got "${clip(raw)}"`);
  }
  const unit = { ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 }[
    (m[2] ?? 's') as 'ms'
  ];
  const ms = Math.round(Number(m[1]) * unit);
  if (ms === 0) return 0;
  if (ms < MIN_INTERVAL_MS)
    throw new FieldError(`is shorter than the minimum of ${MIN_INTERVAL_MS / 1000}s`);
  if (ms > MAX_INTERVAL_MS) throw new FieldError('is longer than 24 days');
  return ms;
}

function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

// --- one row ---------------------------------------------------------------------------------

function validateRow(row: RawRow, issues: Issues): ServerDefinition | null {
  let ok = true;
  const fail = (line: number, field: string, message: string) => {
    ok = false;
    issues.add(line, field, message);
  };
  /** Reads an optional field; a reader error becomes an issue and `undefined`. */
  const read = <T>(field: Field, fn: (v: RawValue) => T): T | undefined => {
    const v = row.fields.get(field);
    if (!v || isNullNode(v)) return undefined;
    try {
      return fn(v);
    } catch (err) {
      if (!(err instanceof FieldError)) throw err;
      fail(v.line, field, `${field}: ${err.message}`);
      return undefined;
    }
  };
  const lineOf = (field: Field) => row.fields.get(field)?.line ?? row.line;
  const has = (field: Field) => {
    const v = row.fields.get(field);
    return v !== undefined && !isNullNode(v);
  };

  const explicitId = read('serverId', (v) => {
    const id = text(v).trim();
    if (!SERVER_ID_PATTERN.test(id)) {
      throw new FieldError(
        `"${clip(id)}" is not a valid id (1-63 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit)`,
      );
    }
    return id;
  });
  const name = read('name', (v) => {
    const n = text(v).trim();
    if (n.length === 0 || n.length > 200) throw new FieldError('must be 1 to 200 characters');
    if (CONTROL.test(n)) throw new FieldError('must not contain control characters');
    return n;
  });
  let serverId = explicitId;
  if (serverId === undefined && name !== undefined) {
    serverId = slugifyServerId(name);
    if (serverId === '')
      fail(lineOf('name'), 'serverId', 'cannot derive a serverId from this name; set serverId');
  }
  if (!has('name') && !has('serverId')) fail(lineOf('name'), 'name', 'name is required');

  const hostValue = read('host', host);
  if (!has('host')) fail(lineOf('host'), 'host', 'host is required');
  const port = read('port', (v) => integer(v, 1, 65535)) ?? DEFAULT_IPMI_PORT;
  const driver =
    read('driver', (v) => {
      const d = text(v).trim().toUpperCase();
      if (d !== 'FREEIPMI' && d !== 'IPMITOOL')
        throw new FieldError('expected freeipmi or ipmitool');
      return d;
    }) ?? 'FREEIPMI';

  // Credentials: presence is required, '' is a legal (anonymous / empty) value in YAML.
  const username = read('username', (v) => {
    const u = text(v);
    if (CONTROL.test(u)) throw new FieldError('must not contain control characters or line breaks');
    if (utf8Length(u) > IPMI_MAX_USERNAME_BYTES) {
      throw new FieldError(`is longer than ${IPMI_MAX_USERNAME_BYTES} bytes (the IPMI 2.0 limit)`);
    }
    return u;
  });
  if (!row.fields.has('username'))
    fail(row.line, 'username', 'username is required (use "" for the anonymous user)');
  const password = read('password', (v) => {
    const p = text(v);
    if (CONTROL.test(p)) throw new FieldError('must not contain control characters or line breaks');
    if (utf8Length(p) > IPMI_MAX_PASSWORD_BYTES) {
      throw new FieldError(`is longer than ${IPMI_MAX_PASSWORD_BYTES} bytes (the IPMI 2.0 limit)`);
    }
    return new Secret(p);
  });
  if (!row.fields.has('password')) fail(row.line, 'password', 'password is required');
  // A YAML `password:` with nothing after it is null, not an empty password.
  const passwordNode = row.fields.get('password');
  if (passwordNode && isNullNode(passwordNode)) {
    fail(passwordNode.line, 'password', 'password is empty; write "" for an empty password');
  }
  const userNode = row.fields.get('username');
  if (userNode && isNullNode(userNode)) {
    fail(userNode.line, 'username', 'username is empty; write "" for the anonymous user');
  }

  const privilege =
    read('privilege', (v) => {
      const p = text(v).trim().toUpperCase();
      if (p === 'ADMIN') return 'ADMINISTRATOR';
      if (p !== 'USER' && p !== 'OPERATOR' && p !== 'ADMINISTRATOR') {
        throw new FieldError('expected user, operator or administrator');
      }
      return p;
    }) ?? 'USER';
  const cipherSuite =
    read('cipherSuite', (v) => {
      if (text(v).trim().toLowerCase() === 'default') return null;
      // IPMI 2.0 (+ errata) defines suites 0-19; anything else is OEM and neither driver speaks it.
      return integer(v, 0, 19);
    }) ?? null;
  const workaroundFlags =
    read('workaroundFlags', (v) => {
      const flags = list(v).map((f) => f.toLowerCase());
      const bad = flags.find((f) => !FLAG.test(f));
      if (bad !== undefined) {
        throw new FieldError(
          `"${clip(bad)}" is not a workaround flag (FreeIPMI's names are letters and digits, e.g. opensesspriv)`,
        );
      }
      return flags;
    }) ?? [];
  const tags =
    read('tags', (v) => {
      const t = list(v);
      const bad = t.find((x) => !TAG.test(x));
      if (bad !== undefined)
        throw new FieldError(
          `"${clip(bad)}" is not a valid tag (no spaces, commas or leading "-")`,
        );
      return [...new Set(t)];
    }) ?? [];
  const model =
    read('model', (v) => {
      const m = text(v).trim();
      if (m.length > 200 || CONTROL.test(m))
        throw new FieldError('must be up to 200 printable characters');
      return m === '' ? null : m;
    }) ?? null;
  const enabled = read('enabled', boolean) ?? true;

  const intervals: Record<keyof PollIntervals, number | null> = {
    sensorsMs: null,
    selMs: null,
    powerMs: null,
    inventoryMs: null,
  };
  for (const [k, v] of row.intervals) {
    try {
      intervals[INTERVAL_FIELD[k]] = interval(v);
    } catch (err) {
      if (!(err instanceof FieldError)) throw err;
      fail(v.line, `intervals.${k}`, `interval ${k} ${err.message}`);
    }
  }

  if (
    !ok ||
    serverId === undefined ||
    serverId === '' ||
    hostValue === undefined ||
    username === undefined ||
    password === undefined
  ) {
    return null;
  }
  return {
    line: row.line,
    serverId,
    name: name ?? serverId,
    host: hostValue,
    port,
    driver,
    username,
    password,
    privilege,
    cipherSuite,
    workaroundFlags,
    tags,
    model,
    enabled,
    intervals,
  };
}

// --- documents -------------------------------------------------------------------------------

function rowsOfYaml(text: string, issues: Issues): RawRow[] {
  let doc: YamlNode | null;
  try {
    doc = parseYamlDoc(text);
  } catch (err) {
    if (err instanceof YamlDocError) {
      issues.add(err.line, null, err.message.replace(/^line \d+: /, ''));
      return [];
    }
    throw err;
  }
  if (doc === null) return [];
  let list: YamlNode | undefined;
  let defaults: RawRow | null = null;
  if (doc.kind === 'seq') {
    list = doc;
  } else if (doc.kind === 'map') {
    for (const e of doc.entries) {
      const k = norm(e.key);
      if (k === 'servers') list = e.value;
      else if (k === 'defaults') {
        if (e.value.kind === 'map') {
          defaults = rawRowOfMap(e.value, issues, 'defaults');
          for (const f of ['serverId', 'name', 'host'] as const) {
            const v = defaults.fields.get(f);
            if (v) {
              issues.add(v.line, f, `${f} cannot have a default: it differs per server`);
              defaults.fields.delete(f);
            }
          }
        } else if (!(e.value.kind === 'scalar' && e.value.value === null)) {
          issues.add(e.line, 'defaults', 'defaults must be a mapping of field: value');
        }
      } else
        issues.add(e.line, e.key, `unknown top-level key "${e.key}" (expected servers, defaults)`);
    }
    if (!list) issues.add(doc.line, 'servers', 'no "servers:" list in the file');
  } else {
    issues.add(doc.line, null, 'expected a list of servers or a mapping with "servers:"');
  }
  if (!list || (list.kind === 'scalar' && list.value === null)) return [];
  if (list.kind !== 'seq') {
    issues.add(list.line, 'servers', '"servers" must be a list');
    return [];
  }
  const rows: RawRow[] = [];
  for (const item of list.items) {
    if (item.kind !== 'map') {
      issues.add(item.line, null, 'each server must be a mapping of field: value');
      continue;
    }
    const row = rawRowOfMap(item, issues, 'server');
    if (item.entries.some((e) => !ALIASES.has(norm(e.key)))) {
      // An unknown field is usually a typo of a known one (`pasword`): skip the row.
      continue;
    }
    if (defaults) {
      for (const [f, v] of defaults.fields) if (!row.fields.has(f)) row.fields.set(f, v);
      for (const [k, v] of defaults.intervals) if (!row.intervals.has(k)) row.intervals.set(k, v);
    }
    rows.push(row);
  }
  return rows;
}

function rowsOfCsv(text: string, issues: Issues): RawRow[] {
  let records;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvError) {
      issues.add(err.line, null, err.message.replace(/^line \d+: /, ''));
      return [];
    }
    throw err;
  }
  const [header, ...body] = records;
  if (!header) return [];
  const columns: (Exclude<Target, { intervals: true }> | null)[] = header.cells.map((name) => {
    const t = ALIASES.get(norm(name));
    if (!t || 'intervals' in t) {
      issues.add(header.line, name, `unknown column "${name}" (ignored)`);
      return null;
    }
    return t;
  });
  const seen = new Set<string>();
  columns.forEach((t, i) => {
    if (!t) return;
    const key = 'field' in t ? t.field : `intervals.${t.interval}`;
    if (seen.has(key)) {
      issues.add(header.line, key, `column ${key} appears twice (the later one is ignored)`);
      columns[i] = null;
    }
    seen.add(key);
  });
  const rows: RawRow[] = [];
  for (const rec of body) {
    if (
      rec.cells.length > columns.length &&
      rec.cells.slice(columns.length).some((c) => c !== '')
    ) {
      issues.add(
        rec.line,
        null,
        `${rec.cells.length} cells but the header has ${columns.length} columns`,
      );
      continue;
    }
    const row: RawRow = { line: rec.line, fields: new Map(), intervals: new Map() };
    rec.cells.forEach((value, i) => {
      const t = columns[i];
      // An empty cell means "not given": the default applies.
      if (!t || value === '') return;
      if ('field' in t) row.fields.set(t.field, cell(value, rec.line));
      else if ('interval' in t) row.intervals.set(t.interval, cell(value, rec.line));
    });
    rows.push(row);
  }
  return rows;
}

function detectFormat(text: string, fileName: string | undefined): ImportFormat {
  const ext = fileName?.toLowerCase().match(/\.([a-z]+)$/)?.[1];
  if (ext === 'yaml' || ext === 'yml') return 'yaml';
  if (ext === 'csv' || ext === 'tsv') return 'csv';
  const first = text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\n|\r/)
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('#'));
  if (first === undefined) return 'yaml';
  return first === '---' || first.startsWith('- ') || /^[\w"' .-]+:(\s|$)/.test(first)
    ? 'yaml'
    : 'csv';
}

/**
 * Parses an import file. `format` wins over `fileName`'s extension, which wins over sniffing.
 * Rows with issues are left out of `servers`; issues come in file order.
 */
export function parseServerImport(
  text: string,
  options: { format?: ImportFormat | undefined; fileName?: string | undefined } = {},
): ImportResult {
  const format = options.format ?? detectFormat(text, options.fileName);
  const issues = new Issues();
  const rows = format === 'yaml' ? rowsOfYaml(text, issues) : rowsOfCsv(text, issues);
  const servers: ServerDefinition[] = [];
  const byId = new Map<string, number>();
  const byBmc = new Map<string, number>();
  for (const row of rows) {
    const def = validateRow(row, issues);
    if (!def) continue;
    const idLine = byId.get(def.serverId);
    if (idLine !== undefined) {
      issues.add(
        def.line,
        'serverId',
        `serverId ${def.serverId} is already used on line ${idLine}`,
      );
      continue;
    }
    const key = bmcKey(def.host, def.port);
    const bmcLine = byBmc.get(key);
    if (bmcLine !== undefined) {
      issues.add(def.line, 'host', `BMC ${key} is already configured on line ${bmcLine}`);
      continue;
    }
    byId.set(def.serverId, def.line);
    byBmc.set(key, def.line);
    servers.push(def);
  }
  if (rows.length === 0 && issues.list.length === 0) issues.add(1, null, 'no servers in the file');
  const sorted = [...issues.list].sort((a, b) => a.line - b.line);
  return { format, servers, issues: sorted };
}

/** A JSON value (an API request body) as the YAML tree the row readers take. */
function nodeOfJson(value: unknown, line: number): YamlNode {
  if (Array.isArray(value))
    return { kind: 'seq', line, items: value.map((v) => nodeOfJson(v, line)) };
  if (value !== null && typeof value === 'object') {
    return {
      kind: 'map',
      line,
      entries: Object.entries(value).map(([key, v]) => ({ key, line, value: nodeOfJson(v, line) })),
    };
  }
  if (typeof value === 'string') return { kind: 'scalar', line, value, raw: value, quoted: true };
  if (typeof value === 'number' || typeof value === 'boolean') {
    return { kind: 'scalar', line, value, raw: String(value), quoted: false };
  }
  return { kind: 'scalar', line, value: null, raw: '', quoted: false };
}

/**
 * One server given as a JSON object (the API's `POST /servers` body), checked by the same
 * rules as an import file's row. Issues carry line 1 and the field; `servers` has the one
 * definition when there are none.
 */
export function parseServerObject(body: Readonly<Record<string, unknown>>): ImportResult {
  const issues = new Issues();
  const map = nodeOfJson(body, 1);
  const servers: ServerDefinition[] = [];
  if (map.kind !== 'map') {
    issues.add(1, null, 'a server must be an object');
  } else {
    const def = validateRow(rawRowOfMap(map, issues, 'the server'), issues);
    if (def && issues.list.length === 0) servers.push(def);
  }
  return { format: 'yaml', servers, issues: [...issues.list] };
}

/**
 * For callers that want all or nothing (a CI check of a committed servers.yaml): one coded
 * error listing the first issues, or null when there are none.
 */
export function importError(result: ImportResult, fileName = 'import file'): CodedError | null {
  if (result.issues.length === 0) return null;
  const shown = result.issues
    .slice(0, 5)
    .map((i) => `line ${i.line}${i.field ? ` (${i.field})` : ''}: ${i.message}`);
  const more = result.issues.length > 5 ? `; and ${result.issues.length - 5} more` : '';
  return configErrors.error(
    'COL_CONFIG_IMPORT_INVALID',
    `${fileName}: ${result.issues.length} problem(s): ${shown.join('; ')}${more}`,
  );
}

// --- to events -------------------------------------------------------------------------------

export interface ConfiguredContext {
  /** The emitter's clock: observedAt, and occurredAt unless given. */
  readonly now: number;
  /** `<service>@<host>`. */
  readonly source: string;
  readonly revision: number;
  /** From the credential store's put(): the version the collector must fetch. */
  readonly credentialVersion: number;
  readonly occurredAt?: number | undefined;
  readonly changedFields?: readonly string[] | undefined;
  readonly actor?: string | null | undefined;
}

/**
 * The ServerConfigured event of a definition. The user name and password stay behind: the
 * schema carries only `credentialVersion`, and consumers fetch the credentials from the
 * encrypted store.
 */
export function toServerConfigured(
  def: ServerDefinition,
  ctx: ConfiguredContext,
): ServerConfigured {
  return {
    eventId: serverEventId('ServerConfigured', def.serverId, ctx.revision),
    serverId: def.serverId,
    occurredAt: ctx.occurredAt ?? ctx.now,
    observedAt: ctx.now,
    source: ctx.source,
    revision: ctx.revision,
    name: def.name,
    host: def.host,
    port: def.port,
    driver: def.driver,
    cipherSuite: def.cipherSuite,
    privilegeLevel: def.privilege,
    workaroundFlags: [...def.workaroundFlags],
    tags: [...def.tags],
    model: def.model,
    pollIntervals: { ...def.intervals },
    enabled: def.enabled,
    credentialVersion: ctx.credentialVersion,
    changedFields: [...(ctx.changedFields ?? [])],
    actor: ctx.actor ?? null,
  };
}
