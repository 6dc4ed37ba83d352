import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from '../types';
import {
  NO_FILTERS,
  attentionOrder,
  countByHealth,
  filtersToSearch,
  groupServers,
  isFiltered,
  matches,
  modelChoices,
  modelOf,
  parseFilters,
  tagChoices,
} from './filters';

function server(p: Partial<Server> & { serverId: string }): Server {
  return {
    name: p.serverId,
    host: '10.0.0.1',
    port: 623,
    driver: 'FREEIPMI',
    cipherSuite: 3,
    privilegeLevel: 'ADMINISTRATOR',
    workaroundFlags: [],
    tags: [],
    model: null,
    enabled: true,
    intervals: {},
    revision: 1,
    configuredAt: '2026-11-29T00:00:00.000Z',
    username: 'admin',
    health: 'OK',
    reachable: true,
    reachabilityReason: null,
    powerState: 'ON',
    powerWatts: 200,
    lastPollAt: null,
    manufacturer: null,
    productName: null,
    bmcFirmware: null,
    criticalAlerts: 0,
    warningAlerts: 0,
    ...p,
  };
}

describe('fleet filters in the URL', () => {
  it('reads every filter, ignoring unknown health and view values', () => {
    const f = parseFilters(new URLSearchParams('q=rack&health=critical&tag=a&model=M&view=table'));
    assert.deepEqual(f, { q: 'rack', health: 'CRITICAL', tag: 'a', model: 'M', view: 'table' });
    assert.deepEqual(parseFilters(new URLSearchParams('health=BAD&view=list')), NO_FILTERS);
  });
  it('writes only what differs from the defaults, and round-trips', () => {
    assert.equal(filtersToSearch(NO_FILTERS), '');
    assert.equal(filtersToSearch({ ...NO_FILTERS, q: '  ' }), '');
    const f = {
      q: 'a b',
      health: 'WARNING',
      tag: 'site:x',
      model: 'R&D 1',
      view: 'table',
    } as const;
    const s = filtersToSearch(f);
    assert.equal(s, '?q=a+b&health=WARNING&tag=site%3Ax&model=R%26D+1&view=table');
    assert.deepEqual(parseFilters(new URLSearchParams(s)), f);
  });
  it('says whether the list is narrowed (the view does not count)', () => {
    assert.equal(isFiltered({ ...NO_FILTERS, view: 'table' }), false);
    assert.equal(isFiltered({ ...NO_FILTERS, tag: 'x' }), true);
    assert.equal(isFiltered({ ...NO_FILTERS, q: ' ' }), false);
  });
});

describe('fleet matching', () => {
  const s = server({
    serverId: 'srv-42',
    name: 'Web Front',
    host: 'bmc-42.example.net',
    tags: ['rack:a12', 'prod'],
    model: null,
    manufacturer: 'Dell',
    productName: 'R650',
    health: 'WARNING',
  });
  it('searches id, name and host case-insensitively', () => {
    for (const q of ['SRV-4', 'front', 'example.NET', ' web ']) {
      assert.equal(matches(s, { ...NO_FILTERS, q }), true, q);
    }
    assert.equal(matches(s, { ...NO_FILTERS, q: 'db' }), false);
  });
  it('filters by health, tag and model together', () => {
    assert.equal(matches(s, { ...NO_FILTERS, health: 'WARNING', tag: 'prod' }), true);
    assert.equal(matches(s, { ...NO_FILTERS, health: 'OK' }), false);
    assert.equal(matches(s, { ...NO_FILTERS, tag: 'rack:a1' }), false);
    assert.equal(matches(s, { ...NO_FILTERS, model: 'Dell R650' }), true);
    assert.equal(matches(s, { ...NO_FILTERS, model: 'R650' }), false);
  });
  it('files a server under its configured model, else what the BMC reports', () => {
    assert.equal(modelOf(s), 'Dell R650');
    assert.equal(modelOf({ ...s, model: 'Custom' }), 'Custom');
    assert.equal(modelOf({ ...s, manufacturer: null, productName: null }), '');
  });
});

describe('fleet order', () => {
  const list = [
    server({ serverId: 'ok10', name: 'node10' }),
    server({ serverId: 'ok2', name: 'node2' }),
    server({ serverId: 'w1', health: 'WARNING', warningAlerts: 1 }),
    server({ serverId: 'u1', health: 'UNREACHABLE' }),
    server({ serverId: 'c1', health: 'CRITICAL', criticalAlerts: 1 }),
    server({ serverId: 'c2', health: 'CRITICAL', criticalAlerts: 3 }),
    server({ serverId: 'w2', health: 'WARNING', warningAlerts: 4 }),
    server({ serverId: 'n1', health: 'UNKNOWN', name: 'new' }),
  ];
  it('puts critical, then unreachable, then warning first, most alerts first', () => {
    const { attention, rest } = groupServers(list, NO_FILTERS);
    assert.deepEqual(
      attention.map((s) => s.serverId),
      ['c2', 'c1', 'u1', 'w2', 'w1'],
    );
    assert.deepEqual(
      rest.map((s) => s.serverId),
      ['n1', 'ok2', 'ok10'],
    );
  });
  it('groups only what matches', () => {
    const { attention, rest } = groupServers(list, { ...NO_FILTERS, health: 'CRITICAL' });
    assert.deepEqual(
      attention.map((s) => s.serverId),
      ['c2', 'c1'],
    );
    assert.equal(rest.length, 0);
  });
  it('is a total order (ties by name, then id)', () => {
    const a = server({ serverId: 'a', name: 'same' });
    const b = server({ serverId: 'b', name: 'same' });
    assert.ok(attentionOrder(a, b) < 0);
    assert.ok(attentionOrder(b, a) > 0);
    assert.equal(attentionOrder(a, a), 0);
  });
});

describe('fleet menus and counts', () => {
  const list = [
    server({ serverId: 'a', tags: ['prod', 'rack:2'], model: 'X' }),
    server({ serverId: 'b', tags: ['prod'], model: 'X', health: 'CRITICAL' }),
    server({ serverId: 'c', tags: [], manufacturer: 'HP', productName: 'DL360' }),
    server({ serverId: 'd', tags: [] }),
  ];
  it('lists tags and models with counts, sorted, without blanks', () => {
    assert.deepEqual(tagChoices(list), [
      { value: 'prod', count: 2 },
      { value: 'rack:2', count: 1 },
    ]);
    assert.deepEqual(modelChoices(list), [
      { value: 'HP DL360', count: 1 },
      { value: 'X', count: 2 },
    ]);
  });
  it('counts servers by health', () => {
    assert.deepEqual(countByHealth(list), {
      CRITICAL: 1,
      UNREACHABLE: 0,
      WARNING: 0,
      OK: 3,
      UNKNOWN: 0,
    });
  });
});
