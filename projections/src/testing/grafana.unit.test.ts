/**
 * The Grafana expansion used by the dashboard SQL test (grafana.int.test.ts): each macro as
 * Grafana 12's Postgres datasource prints it (timescaledb on), variable quoting, and errors for
 * what Grafana would leave unexpanded. Then the provisioned dashboards themselves: stable uids,
 * the datasource by uid, and every query expandable.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import {
  dashboardQueries,
  fillMacros,
  formatInterval,
  parseIntervalSeconds,
  rfc3339Nano,
  variableValues,
  type MacroContext,
} from './grafana.js';

const DASHBOARDS = fileURLToPath(
  new URL('../../../infra/compose/grafana/dashboards/', import.meta.url),
);

const ctx: MacroContext = {
  from: new Date('2026-11-20T00:00:00.000Z'),
  to: new Date('2026-11-20T06:30:00.250Z'),
  intervalMs: 60_000,
  vars: { server: 'srv-000', sensor: ['CPU1 Temp#0x01', "Bob's fan"], one: ['a'] },
};
const fill = (sql: string, over: Partial<MacroContext> = {}) =>
  fillMacros(sql, { ...ctx, ...over });

describe('fillMacros: time macros', () => {
  test('$__timeFilter: BETWEEN two RFC 3339 times in UTC, trailing zero fraction dropped', () => {
    assert.equal(
      fill('WHERE $__timeFilter(r.time)'),
      "WHERE r.time BETWEEN '2026-11-20T00:00:00Z' AND '2026-11-20T06:30:00.25Z'",
    );
  });

  test('$__timeFrom() and $__timeTo(): quoted times', () => {
    assert.equal(
      fill('$__timeTo()::timestamptz - $__timeFrom()::timestamptz'),
      "'2026-11-20T06:30:00.25Z'::timestamptz - '2026-11-20T00:00:00Z'::timestamptz",
    );
  });

  test('a time range given in another zone comes out in UTC', () => {
    assert.equal(
      fill('$__timeFrom()', { from: new Date('2026-11-20T01:00:00+01:00') }),
      "'2026-11-20T00:00:00Z'",
    );
  });

  test('$__time, $__timeEpoch and the epoch macros', () => {
    assert.equal(fill('$__time(t)'), 't AS "time"');
    assert.equal(fill('$__timeEpoch(t)'), 'extract(epoch from t) as "time"');
    assert.equal(fill('$__unixEpochFilter(ts)'), 'ts >= 1795132800 AND ts <= 1795156200');
    assert.equal(fill('$__unixEpochFrom() $__unixEpochTo()'), '1795132800 1795156200');
  });
});

describe('fillMacros: intervals and grouping', () => {
  test('$__interval prints like the browser (largest unit, unquoted); $__interval_ms in ms', () => {
    assert.equal(fill('$__interval'), '1m');
    assert.equal(fill('$__interval_ms'), '60000');
    assert.equal(fill('$__interval', { intervalMs: 5000 }), '5s');
    assert.equal(fill('$__interval', { intervalMs: 7_200_000 }), '2h');
    assert.equal(fill('$__interval', { intervalMs: 86_400_000 }), '1d');
    assert.equal(fill('$__interval', { intervalMs: 200 }), '200ms');
    assert.equal(fill("'${__interval}'::interval"), "'1m'::interval");
  });

  test('an interval Grafana would print lossily is refused', () => {
    assert.throws(() => formatInterval(90_000), /does not print exactly/);
    assert.throws(() => formatInterval(0), /whole positive/);
  });

  test('$__timeGroupAlias with $__interval: time_bucket in seconds, aliased "time"', () => {
    assert.equal(
      fill('SELECT $__timeGroupAlias(r.time, $__interval), avg(v)'),
      `SELECT time_bucket('60.000s',r.time) AS "time", avg(v)`,
    );
    assert.equal(
      fill('$__timeGroupAlias(bucket, $__interval)', { intervalMs: 600_000 }),
      `time_bucket('600.000s',bucket) AS "time"`,
    );
  });

  test('$__timeGroup: no alias; quoted and literal intervals; days and weeks', () => {
    assert.equal(fill("GROUP BY $__timeGroup(t, '5m')"), "GROUP BY time_bucket('300.000s',t)");
    assert.equal(fill('GROUP BY $__timeGroup(t, 1h30m)'), "GROUP BY time_bucket('5400.000s',t)");
    assert.equal(fill('GROUP BY $__timeGroup(t, 2d)'), "GROUP BY time_bucket('172800.000s',t)");
    assert.equal(fill('GROUP BY $__timeGroup(t, 1w)'), "GROUP BY time_bucket('604800.000s',t)");
    assert.equal(fill('GROUP BY $__timeGroup(t, 100ms)'), "GROUP BY time_bucket('0.100s',t)");
  });

  test('$__timeGroup directly followed by a comma gets the alias (Grafana < 5.3 compatibility)', () => {
    assert.equal(
      fill('SELECT $__timeGroup(t, 1m), v'),
      `SELECT time_bucket('60.000s',t) AS "time", v`,
    );
  });

  test('bad grouping arguments are errors', () => {
    assert.throws(() => fill('$__timeGroup(t)'), /needs a column and an interval/);
    assert.throws(() => fill('$__timeGroup(t, soon)'), /error parsing interval soon/);
    assert.throws(() => fill('$__timeGroup(t, 1M)'), /error parsing interval 1M/);
    assert.throws(() => fill('$__timeGroup(t, 1m, 0)'), /fill modes/);
    assert.throws(() => fill('$__timeFilter()'), /missing time column/);
  });

  test('parseIntervalSeconds reads Go durations', () => {
    assert.equal(parseIntervalSeconds('1.5h'), 5400);
    assert.equal(parseIntervalSeconds('2m30s'), 150);
    assert.equal(parseIntervalSeconds('0'), 0);
    assert.throws(() => parseIntervalSeconds('1 hour'), /error parsing interval/);
    assert.throws(() => parseIntervalSeconds(''), /error parsing interval/);
  });

  test('rfc3339Nano keeps significant fractions', () => {
    assert.equal(rfc3339Nano(new Date('2026-01-02T03:04:05.120Z')), '2026-01-02T03:04:05.12Z');
    assert.equal(rfc3339Nano(new Date('2026-01-02T03:04:05.007Z')), '2026-01-02T03:04:05.007Z');
    assert.equal(rfc3339Nano(new Date('2026-01-02T03:04:00Z')), '2026-01-02T03:04:00Z');
  });
});

describe('fillMacros: template variables', () => {
  test('single-value: inserted as is with quotes doubled (the SQL quotes it)', () => {
    assert.equal(fill("server_id = '$server'"), "server_id = 'srv-000'");
    assert.equal(fill("s = '$server'", { vars: { server: "o'brien" } }), "s = 'o''brien'");
  });

  test('multi-value: each value quoted, quotes doubled, comma-separated', () => {
    assert.equal(fill('sensor_id IN ($sensor)'), "sensor_id IN ('CPU1 Temp#0x01','Bob''s fan')");
    assert.equal(fill('x IN ($one)'), "x IN ('a')");
  });

  test('${var} is $var; ${var:sqlstring} quotes even a single value', () => {
    assert.equal(fill('IN (${sensor})'), "IN ('CPU1 Temp#0x01','Bob''s fan')");
    assert.equal(fill("'${server}'"), "'srv-000'");
    assert.equal(fill('= ${server:sqlstring}'), "= 'srv-000'");
    assert.equal(
      fill('= ANY(ARRAY[${sensor:sqlstring}])'),
      "= ANY(ARRAY['CPU1 Temp#0x01','Bob''s fan'])",
    );
  });

  test('an empty selection expands to nothing, as in Grafana', () => {
    assert.equal(fill('IN ($sensor)', { vars: { sensor: [] } }), 'IN ()');
    assert.equal(
      fill('= ANY(ARRAY[${sensor:sqlstring}]::text[])', { vars: { sensor: [] } }),
      '= ANY(ARRAY[]::text[])',
    );
  });

  test('the longest name wins, as in Grafana ($server_id is not $server)', () => {
    assert.throws(() => fill('$server_id'), /unknown template variable \$server_id/);
  });

  test('unknown variables, formats and syntaxes are errors', () => {
    assert.throws(() => fill("'$host'"), /unknown template variable \$host/);
    assert.throws(() => fill('${sensor:csv}'), /unsupported variable format/);
    assert.throws(() => fill('[[server]]'), /deprecated variable syntax/);
  });

  test('unknown macros are errors, with or without arguments', () => {
    assert.throws(() => fill('WHERE $__timeFilterz(t)'), /unknown macro \$__timeFilterz\(t\)/);
    assert.throws(() => fill('SELECT $__range_s'), /unknown macro \$__range_s/);
    assert.throws(() => fill('SELECT $__schema'), /unknown macro \$__schema/);
  });

  test('variableValues shapes values by the variable kind', () => {
    const vars = [
      { name: 'server', quoted: false },
      { name: 'sensor', quoted: true },
    ];
    assert.deepEqual(variableValues(vars, { server: ['srv-000'], sensor: ['a', 'b'] }), {
      server: 'srv-000',
      sensor: ['a', 'b'],
    });
    assert.throws(
      () => variableValues(vars, { server: ['a', 'b'], sensor: [] }),
      /takes one value/,
    );
    assert.throws(() => variableValues(vars, { sensor: [] }), /no value for variable \$server/);
  });
});

describe('the provisioned dashboards', () => {
  const files = readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json'));
  const queries = dashboardQueries(DASHBOARDS);

  test('four dashboards, each with its own stable uid, ready for provisioning', () => {
    assert.deepEqual(files.sort(), [
      'alerts-insights.json',
      'fleet-overview.json',
      'sel-events.json',
      'server-sensors.json',
    ]);
    const uids = new Set<string>();
    for (const f of files) {
      const d = JSON.parse(readFileSync(join(DASHBOARDS, f), 'utf8')) as Record<string, unknown>;
      assert.match(String(d.uid), /^ipmi-[a-z-]+$/, f);
      assert.ok(!uids.has(String(d.uid)), `${f}: uid ${String(d.uid)} used twice`);
      uids.add(String(d.uid));
      // A provisioned dashboard is taken as it is: an export's __inputs would stay unresolved.
      assert.equal(d.__inputs, undefined, f);
      assert.equal(d.id, null, f);
      assert.ok(Number(d.schemaVersion) >= 39, `${f}: schemaVersion`);
    }
  });

  test('every datasource reference is the TimescaleDB datasource by uid', () => {
    for (const f of files) {
      const text = readFileSync(join(DASHBOARDS, f), 'utf8');
      const refs = [...text.matchAll(/"datasource": (\{[^}]*\})/g)].map(
        (m) => JSON.parse(m[1] ?? '{}') as { type?: string; uid?: string },
      );
      for (const r of refs.filter((x) => x.type !== 'grafana')) {
        assert.deepEqual(r, { type: 'grafana-postgresql-datasource', uid: 'ipmi-timescaledb' }, f);
      }
    }
  });

  test('every query is found, panels in collapsed rows and variable queries included', () => {
    const by = (uid: string) => queries.filter((q) => q.dashboard === uid).map((q) => q.panel);
    assert.ok(by('ipmi-fleet-overview').length >= 5);
    assert.ok(by('ipmi-server-sensors').includes('$server'));
    assert.ok(by('ipmi-server-sensors').includes('$sensor'));
    assert.ok(
      by('ipmi-sel-events').includes('SEL cleared or full'),
      'panel inside a collapsed row',
    );
    assert.ok(by('ipmi-alerts-insights').length >= 5);
  });

  test('every query expands with nothing left over', () => {
    for (const q of queries) {
      const vars = variableValues(q.variables, { server: ['srv-000'], sensor: ['s1', 's2'] });
      const sql = fillMacros(q.rawSql, { ...ctx, vars });
      assert.doesNotMatch(sql, /\$/, `${q.file} ${q.panel} ${q.refId}`);
    }
  });
});
