/**
 * The SQL of the provisioned Grafana dashboards (infra/compose/grafana/dashboards/), for tests
 * that run it against the real schema: every panel query and template-variable query, and the
 * expansion Grafana applies before the text reaches Postgres. Without this, a renamed column
 * or a mistyped macro shows up only as an error box on a dashboard. Not part of the package's
 * API.
 *
 * Grafana expands in two places, and `fillMacros` follows both in order:
 * 1. the browser (grafana-sql's SqlDatasource.interpolateVariable): template variables and the
 *    built-ins `$__interval` / `$__interval_ms`. A single-value variable goes in as it is with
 *    `'` doubled (so the SQL quotes it: `'$server'`); a multi-value or include-All one goes in
 *    as a list of quoted literals (`IN ($server)`). A name that is no variable is left alone.
 * 2. the server (pkg/tsdb/grafana-postgresql-datasource/macros.go): `$__name(args)` macros,
 *    with the datasource's `timescaledb: true` (time_bucket in `$__timeGroup`).
 * Anything left that Grafana would send to Postgres unexpanded is an error here, not a
 * syntax error three layers later.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The datasource type of the TimescaleDB datasource (infra/compose/grafana/provisioning). */
const POSTGRES_TYPES = new Set(['grafana-postgresql-datasource', 'postgres']);

export interface TemplateVariable {
  name: string;
  /** Multi-value or include-All: Grafana quotes its values. */
  quoted: boolean;
}

export interface DashboardQuery {
  /** File name of the dashboard, e.g. `server-sensors.json`. */
  file: string;
  /** The dashboard's uid. */
  dashboard: string;
  /** Panel title, or `$name` for a template variable's query. */
  panel: string;
  /** The target's refId; `variable` for a template variable's query. */
  refId: string;
  rawSql: string;
  /** `time_series` or `table` (variable queries: `table`). */
  format: string;
  /** Every template variable of the dashboard (what `rawSql` may refer to). */
  variables: TemplateVariable[];
}

interface DatasourceRef {
  type?: string;
  uid?: string;
}

interface PanelJson {
  title?: string;
  type?: string;
  datasource?: DatasourceRef | string | null;
  targets?: TargetJson[];
  panels?: PanelJson[];
}

interface TargetJson {
  refId?: string;
  datasource?: DatasourceRef | string | null;
  rawSql?: unknown;
  rawQuery?: boolean;
  format?: string;
}

interface VariableJson {
  name: string;
  type: string;
  datasource?: DatasourceRef | string | null;
  query?: unknown;
  multi?: boolean;
  includeAll?: boolean;
}

interface DashboardJson {
  uid?: string;
  panels?: PanelJson[];
  /** Dashboards older than schema 16 kept panels in rows. */
  rows?: { panels?: PanelJson[] }[];
  templating?: { list?: VariableJson[] };
}

const isPostgres = (ds: DatasourceRef | string | null | undefined): boolean =>
  typeof ds === 'object' && ds !== null && POSTGRES_TYPES.has(ds.type ?? '');

/**
 * Every SQL query of every dashboard JSON in `dir` (file name order): panel targets on the
 * TimescaleDB datasource, including panels inside rows (collapsed rows nest their panels), and
 * the queries of template variables. A target on that datasource without raw SQL (the visual
 * query builder) is an error: its SQL could not be tested.
 */
export function dashboardQueries(dir: string): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  for (const file of files) {
    const d = JSON.parse(readFileSync(join(dir, file), 'utf8')) as DashboardJson;
    if (typeof d.uid !== 'string' || d.uid === '') throw new Error(`${file}: no uid`);
    const list = d.templating?.list ?? [];
    const variables = list.map((v) => ({ name: v.name, quoted: !!(v.multi || v.includeAll) }));
    const base = { file, dashboard: d.uid, variables };
    for (const v of list) {
      if (v.type !== 'query' || !isPostgres(v.datasource)) continue;
      // Grafana stores a variable's SQL as a string, or (newer editors) as a query object.
      const q = v.query as string | { rawSql?: unknown; query?: unknown } | undefined;
      const rawSql = typeof q === 'string' ? q : (q?.rawSql ?? q?.query);
      if (typeof rawSql !== 'string' || rawSql.trim() === '') {
        throw new Error(`${file}: variable ${v.name} has no SQL`);
      }
      out.push({ ...base, panel: `$${v.name}`, refId: 'variable', rawSql, format: 'table' });
    }
    const visit = (panels: PanelJson[] | undefined) => {
      for (const p of panels ?? []) {
        visit(p.panels);
        for (const t of p.targets ?? []) {
          const ds = t.datasource ?? p.datasource;
          if (!isPostgres(ds)) continue;
          const title = p.title ?? '(untitled)';
          if (typeof t.rawSql !== 'string' || t.rawSql.trim() === '' || t.rawQuery === false) {
            throw new Error(`${file}: panel "${title}" target ${t.refId} is not raw SQL`);
          }
          out.push({
            ...base,
            panel: title,
            refId: t.refId ?? 'A',
            rawSql: t.rawSql,
            format: t.format ?? 'time_series',
          });
        }
      }
    };
    visit(d.panels);
    for (const row of d.rows ?? []) visit(row.panels);
  }
  return out;
}

/**
 * Values for a dashboard's variables, shaped the way Grafana passes them: an array for a
 * multi-value or include-All variable (quoted as a list), a plain string for the others, which
 * must then be given exactly one value.
 */
export function variableValues(
  variables: readonly TemplateVariable[],
  values: Readonly<Record<string, readonly string[]>>,
): Record<string, string | readonly string[]> {
  const out: Record<string, string | readonly string[]> = {};
  for (const v of variables) {
    const given = values[v.name];
    if (given === undefined) throw new Error(`no value for variable $${v.name}`);
    if (v.quoted) out[v.name] = given;
    else if (given.length === 1 && given[0] !== undefined) out[v.name] = given[0];
    else throw new Error(`variable $${v.name} takes one value, got ${given.length}`);
  }
  return out;
}

export interface MacroContext {
  /** The dashboard's time range. */
  from: Date;
  to: Date;
  /** The panel's interval (`$__interval`), as Grafana computes it: a whole number of a unit. */
  intervalMs: number;
  /**
   * Template variables. An array is a multi-value (or include-All) selection: every value
   * quoted, comma-separated. A string is a single-value variable: inserted with `'` doubled,
   * unquoted.
   */
  vars: Readonly<Record<string, string | readonly string[]>>;
}

const quoteLiteral = (v: string) => `'${v.replace(/'/g, "''")}'`;

/** Go's time.RFC3339Nano in UTC, as the macros print times: no trailing zero fraction. */
export function rfc3339Nano(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new Error('invalid date');
  return d.toISOString().replace(/\.?0+Z$/, 'Z');
}

/**
 * `$__interval` as the browser prints it (rangeUtil.secondsToHms): the largest unit only. Grafana
 * rounds intervals to values that print exactly; any other is refused here rather than printed
 * lossily (90 s would print as `1m`).
 */
export function formatInterval(ms: number): string {
  if (!Number.isInteger(ms) || ms <= 0)
    throw new Error(`interval ${ms} ms is not a whole positive number`);
  const units: [string, number][] = [
    ['y', 31_536_000_000],
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ];
  for (const [unit, size] of units) {
    if (ms >= size) {
      if (ms % size !== 0)
        throw new Error(`interval ${ms} ms does not print exactly as Grafana would`);
      return `${ms / size}${unit}`;
    }
  }
  throw new Error(`interval ${ms} ms`);
}

/**
 * Seconds in an interval argument, as Grafana's gtime.ParseInterval reads it: `<n>d` or `<n>w`,
 * or a Go duration (`1m`, `90s`, `1h30m`, `500ms`). Months and years depend on the calendar
 * and are refused.
 */
export function parseIntervalSeconds(text: string): number {
  const days = /^(\d+)([dw])$/.exec(text);
  if (days) return Number(days[1]) * (days[2] === 'w' ? 7 : 1) * 86_400;
  const unit: Record<string, number> = {
    ns: 1e-9,
    us: 1e-6,
    µs: 1e-6,
    ms: 1e-3,
    s: 1,
    m: 60,
    h: 3600,
  };
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let seconds = 0;
  let at = 0;
  if (text === '0') return 0;
  while (at < text.length) {
    part.lastIndex = at;
    const m = part.exec(text);
    if (!m) throw new Error(`error parsing interval ${text}`);
    seconds += Number(m[1]) * (unit[m[2] ?? ''] ?? NaN);
    at = part.lastIndex;
  }
  if (at === 0 || !Number.isFinite(seconds)) throw new Error(`error parsing interval ${text}`);
  return seconds;
}

// grafana-sql's TemplateSrv variable syntax: $name, [[name:format]], ${name.path:format}.
const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;
// The server's macro syntax: `$` identifier `(` anything but `)` `)`.
const MACRO = /\$([_a-zA-Z0-9]+)\(([^)]*)\)/g;

/** Expands `sql` as Grafana would for a panel with this range, interval and variables. */
export function fillMacros(sql: string, ctx: MacroContext): string {
  const interval = formatInterval(ctx.intervalMs);
  const from = rfc3339Nano(ctx.from);
  const to = rfc3339Nano(ctx.to);
  if (ctx.to.getTime() < ctx.from.getTime()) throw new Error('time range ends before it starts');

  // 1. The browser: template variables and the interval built-ins.
  const withVars = sql.replace(
    VARIABLE,
    (
      whole: string,
      plain?: string,
      bracket?: string,
      _bracketFormat?: string,
      braced?: string,
      path?: string,
      format?: string,
    ) => {
      if (bracket !== undefined) throw new Error(`deprecated variable syntax ${whole}`);
      const name = plain ?? braced ?? '';
      if (path !== undefined) throw new Error(`variable field paths are not supported: ${whole}`);
      if (name === '__interval' || name === '__interval_ms') {
        if (format !== undefined) throw new Error(`unsupported format in ${whole}`);
        return name === '__interval' ? interval : String(ctx.intervalMs);
      }
      const value = ctx.vars[name];
      if (value === undefined) {
        // Macros look like variables to the browser and pass through to the server.
        if (name.startsWith('__')) return whole;
        throw new Error(`unknown template variable ${whole}`);
      }
      if (format === 'sqlstring') {
        return (typeof value === 'string' ? [value] : value).map(quoteLiteral).join(',');
      }
      if (format !== undefined) throw new Error(`unsupported variable format ${whole}`);
      if (typeof value === 'string') return value.replace(/'/g, "''");
      // An empty selection becomes nothing, as in Grafana: `IN ($v)` is then a syntax error,
      // which is why the dashboards write `= ANY(ARRAY[${v:sqlstring}]::text[])`.
      return value.map(quoteLiteral).join(',');
    },
  );

  // 2. The server: macros with arguments, left to right, each seeing the text as it was.
  const filled = withVars.replace(MACRO, (whole: string, name: string, argText: string) => {
    let macro = name;
    // Grafana's pre-5.3 compatibility: `$__timeGroup(...)` directly followed by a comma was
    // written for the select list and gets the alias. It looks at the first occurrence.
    if (macro === '__timeGroup' && withVars[withVars.indexOf(whole) + whole.length] === ',') {
      macro = '__timeGroupAlias';
    }
    const args = argText.split(',').map((a) => a.trim());
    const column = () => {
      if (!args[0]) throw new Error(`missing time column argument for macro ${whole}`);
      return args[0];
    };
    const group = () => {
      if (args.length < 2 || !args[1])
        throw new Error(`macro ${whole} needs a column and an interval`);
      if (args.length > 2) throw new Error(`fill modes are not supported: ${whole}`);
      const seconds = parseIntervalSeconds(args[1].replace(/^'+|'+$/g, ''));
      return `time_bucket('${seconds.toFixed(3)}s',${column()})`;
    };
    const epoch = (d: Date) => String(Math.floor(d.getTime() / 1000));
    switch (macro) {
      case '__time':
        return `${column()} AS "time"`;
      case '__timeEpoch':
        return `extract(epoch from ${column()}) as "time"`;
      case '__timeFilter':
        return `${column()} BETWEEN '${from}' AND '${to}'`;
      case '__timeFrom':
        return `'${from}'`;
      case '__timeTo':
        return `'${to}'`;
      case '__timeGroup':
        return group();
      case '__timeGroupAlias':
        return `${group()} AS "time"`;
      case '__unixEpochFilter':
        return `${column()} >= ${epoch(ctx.from)} AND ${column()} <= ${epoch(ctx.to)}`;
      case '__unixEpochFrom':
        return epoch(ctx.from);
      case '__unixEpochTo':
        return epoch(ctx.to);
      default:
        throw new Error(`unknown macro ${whole}`);
    }
  });

  // 3. What neither expanded would reach Postgres as `$__something`: a syntax error there.
  const left = /\$__\w+/.exec(filled);
  if (left) throw new Error(`unknown macro ${left[0]}`);
  return filled;
}
