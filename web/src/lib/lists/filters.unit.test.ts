import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  alertsApiQuery,
  alertsPageQuery,
  eventsApiQuery,
  eventsExportHref,
  eventsPageQuery,
  insightsApiQuery,
  insightsPageQuery,
  listParam,
  normalizeTime,
  parseAlertFilters,
  parseEventFilters,
  parseInsightFilters,
  rangeProblem,
  refreshLimit,
  resolveRange,
  toLocalInputValue,
  toQuery,
} from './filters.js';

const NOW = Date.parse('2026-11-29T12:00:00.000Z');
const qs = (s: string) => new URLSearchParams(s);
const parsed = (query: string) => Object.fromEntries(new URLSearchParams(query.slice(1)));

describe('toQuery and listParam', () => {
  it('leaves out empty values and repeats arrays', () => {
    assert.equal(toQuery({ a: '', b: null, c: undefined, d: [] }), '');
    assert.equal(toQuery({ a: 'x y', b: ['1', '2'], n: 5 }), '?a=x+y&b=1&b=2&n=5');
  });
  it('takes repeated and comma-separated values, known ones only, once each', () => {
    assert.deepEqual(
      listParam(qs('s=critical,bogus&s=WARNING&s=critical'), 's', ['CRITICAL', 'WARNING']),
      ['CRITICAL', 'WARNING'],
    );
  });
  it('asks for what is loaded on a refresh, within the API limit', () => {
    assert.equal(refreshLimit(0), 50);
    assert.equal(refreshLimit(120), 120);
    assert.equal(refreshLimit(5000), 1000);
  });
});

describe('times', () => {
  it('reads ISO times and zone-less form values (as UTC)', () => {
    assert.equal(normalizeTime('2026-11-29T05:07:00+02:00'), '2026-11-29T03:07:00.000Z');
    assert.equal(normalizeTime('2026-11-29T05:07'), '2026-11-29T05:07:00.000Z');
    assert.equal(normalizeTime(''), null);
    assert.equal(normalizeTime('yesterday'), null);
  });
  it('writes datetime-local values in the local zone', () => {
    assert.equal(toLocalInputValue(new Date(2026, 10, 9, 5, 7, 30)), '2026-11-09T05:07');
  });
  it('resolves presets to an explicit start and an open end', () => {
    assert.deepEqual(resolveRange({ range: '1h', from: null, to: null }, NOW), {
      from: '2026-11-29T11:00:00.000Z',
      to: null,
    });
  });
  it('gives a custom range without a start the list default (7 d before its end)', () => {
    const r = resolveRange({ range: 'custom', from: null, to: '2026-11-20T00:00:00.000Z' }, NOW);
    assert.deepEqual(r, { from: '2026-11-13T00:00:00.000Z', to: '2026-11-20T00:00:00.000Z' });
  });
  it('refuses a range that ends before it starts', () => {
    const bad = {
      range: 'custom',
      from: '2026-11-20T00:00:00.000Z',
      to: '2026-11-19T00:00:00.000Z',
    } as const;
    assert.match(rangeProblem(bad, NOW) ?? '', /before/);
    assert.equal(rangeProblem({ range: '7d', from: null, to: null }, NOW), null);
  });
});

describe('event filters', () => {
  it('defaults to the last 24 hours, every server and severity', () => {
    assert.deepEqual(parseEventFilters(qs('')), {
      serverId: '',
      severity: [],
      range: '24h',
      from: null,
      to: null,
    });
  });
  it('treats from/to without a range as a custom range; ignores them with a preset', () => {
    assert.equal(parseEventFilters(qs('from=2026-11-01T00:00')).range, 'custom');
    assert.deepEqual(parseEventFilters(qs('range=7d&from=2026-11-01T00:00')).from, null);
    assert.equal(parseEventFilters(qs('range=forever')).range, '24h');
  });
  it('round-trips through the page URL', () => {
    const f = parseEventFilters(
      qs('server=bmc2&severity=CRITICAL&severity=WARNING&range=custom&from=2026-11-01T00:00:00Z'),
    );
    assert.deepEqual(parseEventFilters(qs(eventsPageQuery(f).slice(1))), f);
    assert.equal(eventsPageQuery(parseEventFilters(qs(''))), '');
  });
  it('asks the API and the export for the same explicit range', () => {
    const f = parseEventFilters(qs('server=bmc2&severity=CRITICAL&range=1h'));
    const list = parsed(eventsApiQuery(f, NOW, { cursor: 'abc' }));
    assert.deepEqual(list, {
      serverId: 'bmc2',
      severity: 'CRITICAL',
      from: '2026-11-29T11:00:00.000Z',
      limit: '50',
      cursor: 'abc',
    });
    const href = eventsExportHref(f, NOW);
    assert.ok(href.startsWith('/api/v1/export/events.csv?'));
    assert.deepEqual(parsed(href.slice(href.indexOf('?'))), {
      serverId: 'bmc2',
      severity: 'CRITICAL',
      from: '2026-11-29T11:00:00.000Z',
    });
  });
});

describe('alert and insight filters', () => {
  it('alerts: active by default, `state` for the API, both for "all"', () => {
    const f = parseAlertFilters(qs('severity=critical&server=bmc1'));
    assert.equal(f.status, 'active');
    assert.equal(alertsApiQuery(f), '?state=active&serverId=bmc1&severity=CRITICAL&limit=50');
    assert.equal(alertsPageQuery(f), '?server=bmc1&severity=CRITICAL');
    const all = parseAlertFilters(qs('status=all'));
    assert.equal(alertsApiQuery(all, { limit: 10 }), '?limit=10');
    assert.equal(alertsPageQuery(all), '?status=all');
  });
  it('insights: open by default, kinds repeated', () => {
    const f = parseInsightFilters(qs('kind=TREND,prediction&status=closed'));
    assert.deepEqual(f, { status: 'closed', serverId: '', kind: ['TREND', 'PREDICTION'] });
    assert.equal(insightsApiQuery(f), '?status=closed&kind=TREND&kind=PREDICTION&limit=50');
    assert.equal(insightsPageQuery(f), '?status=closed&kind=TREND&kind=PREDICTION');
    assert.equal(insightsApiQuery(parseInsightFilters(qs('status=all'))), '?limit=50');
  });
});
