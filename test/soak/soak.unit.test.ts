import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignRoles, makePlan, MIN_BMCS } from './plan.js';
import { checkMemory, compareAlerts, compareSel, findGaps, passed, uncovered } from './verify.js';

test('every fault role is present in a small fleet, and most of a large fleet is quiet', () => {
  const small = assignRoles(MIN_BMCS);
  assert.equal(new Set(small).size, 7);
  const large = assignRoles(50);
  assert.equal(large.length, 50);
  assert.equal(large.filter((r) => r === 'quiet').length, 26);
  assert.equal(large.filter((r) => r === 'drift').length, 6);
  assert.throws(() => assignRoles(MIN_BMCS - 1), /at least 7 BMCs/);
});

test('the plan kills every service the asked number of times, restarts broker and registry once, and leaves the last 30% quiet', () => {
  const plan = makePlan({ bmcs: 10, durationMs: 100_000, killsPerService: 3 });
  const kills = plan.globals.filter((g) => g.action.kind === 'kill');
  assert.equal(kills.length, 12);
  for (const s of ['collector', 'streams', 'api', 'web']) {
    assert.equal(kills.filter((g) => g.action.kind === 'kill' && g.action.service === s).length, 3);
  }
  assert.equal(plan.globals.filter((g) => g.action.kind === 'restart-broker').length, 1);
  assert.equal(plan.globals.filter((g) => g.action.kind === 'restart-registry').length, 1);
  assert.ok(plan.globals.every((g) => g.at >= 10_000 && g.at <= 70_000));
  assert.ok(plan.faults.every((f) => f.at < 60_000));
  // One expectation per faulty BMC, none for the quiet ones.
  assert.equal(plan.expected.length, plan.faults.length);
});

test('SEL comparison counts found, duplicated, missing and unexpected entries', () => {
  const k = (s: string, r: number) => ({ serverId: s, recordId: r });
  const r = compareSel(
    [k('a', 1), k('a', 2), k('b', 1), k('a', 1)],
    [k('a', 1), k('a', 2), k('a', 2), k('c', 9)],
  );
  assert.deepEqual(r.counts, { expected: 3, found: 2, duplicated: 1, missing: 1, unexpected: 1 });
  assert.equal(r.problems.length, 3);
  assert.ok(passed(compareSel([k('a', 1)], [k('a', 1)])));
});

test('alert comparison: duplicates, missing resolutions and false alarms are mismatches', () => {
  const expected = [
    { index: 1, condition: 'BMC_UNREACHABLE', raises: 1, resolves: 1 },
    { index: 2, condition: 'SEL_MEMORY_ECC', raises: 2, resolves: 1 },
  ];
  const id = (i: number) => `s${i}`;
  const e = (type: string, serverId: string, condition: string) => ({
    alertId: `${serverId}/${condition}`,
    type,
    serverId,
    condition,
    component: 'x',
  });
  const ok = compareAlerts(expected, id, [
    e('AlertRaised', 's1', 'BMC_UNREACHABLE'),
    e('AlertUpdated', 's1', 'BMC_UNREACHABLE'),
    e('AlertResolved', 's1', 'BMC_UNREACHABLE'),
    e('AlertRaised', 's2', 'SEL_MEMORY_ECC'),
    e('AlertResolved', 's2', 'SEL_MEMORY_ECC'),
    e('AlertRaised', 's2', 'SEL_MEMORY_ECC'),
  ]);
  assert.ok(passed(ok.raised) && passed(ok.resolved));
  const bad = compareAlerts(expected, id, [
    e('AlertRaised', 's1', 'BMC_UNREACHABLE'),
    e('AlertRaised', 's1', 'BMC_UNREACHABLE'),
    e('AlertRaised', 's2', 'SEL_MEMORY_ECC'),
    e('AlertRaised', 's3', 'SENSOR_THRESHOLD'),
  ]);
  assert.deepEqual(bad.raised.counts, {
    expected: 3,
    found: 2,
    duplicated: 1,
    missing: 1,
    unexpected: 1,
  });
  assert.deepEqual(bad.resolved.counts, {
    expected: 2,
    found: 0,
    duplicated: 0,
    missing: 2,
    unexpected: 0,
  });
});

test('reading gaps inside an injected outage are excused, others are not', () => {
  const times = new Map([
    ['a', [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]],
    ['b', [0, 10, 20, 80, 90, 100]],
    ['c', [0, 10, 20, 80, 90, 100]],
  ]);
  const r = findGaps(
    times,
    ['a', 'b', 'c'],
    (s) => (s === 'b' ? [{ from: 18, to: 75, why: 'stopped' }] : []),
    { from: 0, to: 100, maxGapMs: 15 },
  );
  assert.deepEqual(r.counts, { expected: 3, found: 2, duplicated: 0, missing: 1, unexpected: 0 });
  assert.match(r.problems[0] ?? '', /^c: no reading/);
  // A server never read at all is one long gap.
  const never = findGaps(new Map(), ['z'], () => [], { from: 0, to: 100, maxGapMs: 15 });
  assert.equal(never.counts.missing, 1);
});

test('a short outage inside a long gap does not excuse the whole gap', () => {
  const times = new Map([['a', [0, 10, 500, 510]]]);
  const windows = [{ from: 100, to: 120, why: 'collector killed' }];
  const r = findGaps(times, ['a'], () => windows, { from: 0, to: 510, maxGapMs: 30 });
  assert.equal(r.counts.missing, 1);
  assert.match(r.problems[0] ?? '', /of it outside any injected outage/);
  assert.deepEqual(
    uncovered(0, 100, [
      { from: 10, to: 20, why: '' },
      { from: 15, to: 40, why: '' },
    ]),
    [
      [0, 10],
      [40, 100],
    ],
  );
});

test('memory: growth beyond 1.5× + 16 MiB fails, a missing sample fails', () => {
  const r = checkMemory([
    { name: 'ok', startKb: 100_000, endKb: 160_000 },
    { name: 'leak', startKb: 100_000, endKb: 170_000 },
    { name: 'gone', startKb: null, endKb: 1 },
  ]);
  assert.equal(r.counts.found, 1);
  assert.equal(r.problems.length, 2);
  assert.match(r.problems[0] ?? '', /leak: RSS grew/);
});
