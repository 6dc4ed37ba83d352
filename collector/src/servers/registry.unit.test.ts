import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ServerConfigured, ServerRemoved } from '@ipmi-monitor/schemas';
import { serverEventId } from './ids.js';
import { parseServerImport } from './import.js';
import { planImport } from './plan.js';
import {
  activeServers,
  applyServerEvent,
  configOf,
  emptyRegistry,
  foldServerEvents,
  toScheduleServers,
  type ServerEvent,
  type ServerRegistry,
} from './registry.js';

function configured(
  serverId: string,
  revision: number,
  extra: Partial<ServerConfigured> = {},
): ServerEvent {
  return {
    type: 'ServerConfigured',
    value: {
      eventId: serverEventId('ServerConfigured', serverId, revision),
      serverId,
      occurredAt: revision * 1000,
      observedAt: revision * 1000,
      source: 'api@test',
      revision,
      name: serverId,
      host: `${serverId}.bmc.example`,
      port: 623,
      driver: 'FREEIPMI',
      cipherSuite: null,
      privilegeLevel: 'USER',
      workaroundFlags: [],
      tags: [],
      model: null,
      pollIntervals: { sensorsMs: null, selMs: null, powerMs: null, inventoryMs: null },
      enabled: true,
      credentialVersion: 1,
      changedFields: [],
      actor: null,
      ...extra,
    },
  };
}

function removed(serverId: string, revision: number): ServerEvent {
  const value: ServerRemoved = {
    eventId: serverEventId('ServerRemoved', serverId, revision),
    serverId,
    occurredAt: revision * 1000,
    observedAt: revision * 1000,
    source: 'api@test',
    revision,
    name: serverId,
    reason: null,
    actor: null,
  };
  return { type: 'ServerRemoved', value };
}

const kinds = (r: ServerRegistry, events: ServerEvent[]) => {
  const out: string[] = [];
  let reg = r;
  for (const e of events) {
    const x = applyServerEvent(reg, e);
    reg = x.registry;
    out.push(x.change.kind === 'ignored' ? `ignored:${x.change.reason}` : x.change.kind);
  }
  return { out, reg };
};

test('added, changed (with computed fields and credential refetch), removed', () => {
  let reg = emptyRegistry();
  let x = applyServerEvent(reg, configured('a', 1));
  assert.equal(x.change.kind, 'added');
  reg = x.registry;
  x = applyServerEvent(
    reg,
    configured('a', 2, { port: 6230, credentialVersion: 2, changedFields: ['bogus'] }),
  );
  assert.ok(x.change.kind === 'changed');
  assert.deepEqual(x.change.changedFields, ['port', 'credentialVersion']);
  assert.equal(x.change.credentialsChanged, true);
  reg = x.registry;
  x = applyServerEvent(reg, configured('a', 3, { port: 6230, credentialVersion: 2, tags: ['x'] }));
  assert.ok(x.change.kind === 'changed');
  assert.equal(x.change.credentialsChanged, false);
  reg = x.registry;
  x = applyServerEvent(reg, removed('a', 4));
  assert.ok(x.change.kind === 'removed');
  assert.equal(x.change.previous?.revision, 3);
  assert.deepEqual(activeServers(x.registry), []);
  assert.equal(configOf(x.registry, 'a'), null);
});

test('latest revision wins; redeliveries and stale events are ignored', () => {
  const { out, reg } = kinds(emptyRegistry(), [
    configured('a', 2),
    configured('a', 1),
    configured('a', 2, { port: 1 }),
    configured('a', 3, { port: 3 }),
  ]);
  assert.deepEqual(out, ['added', 'ignored:stale', 'ignored:stale', 'changed']);
  assert.equal(configOf(reg, 'a')?.port, 3);
});

test('removal wins over older or equal configuration; re-adding needs a higher revision', () => {
  const { out, reg } = kinds(emptyRegistry(), [
    configured('a', 1),
    removed('a', 2),
    configured('a', 2),
    configured('a', 1),
    removed('a', 2),
    removed('a', 1),
    configured('a', 3, { host: 'new.example' }),
  ]);
  assert.deepEqual(out, [
    'added',
    'removed',
    'ignored:removed',
    'ignored:removed',
    'ignored:removed',
    'ignored:stale',
    'added',
  ]);
  assert.equal(configOf(reg, 'a')?.host, 'new.example');
  // Equal revisions in the other order: the removal still wins.
  const tie = kinds(emptyRegistry(), [configured('b', 5), removed('b', 5)]);
  assert.deepEqual(tie.out, ['added', 'removed']);
});

test('a compacted replay that starts with a removal records it', () => {
  const x = applyServerEvent(emptyRegistry(), removed('gone', 7));
  assert.deepEqual(x.change, { kind: 'removed', serverId: 'gone', previous: null });
  assert.equal(applyServerEvent(x.registry, configured('gone', 6)).change.kind, 'ignored');
});

test('property: the result does not depend on how events of different servers interleave, and is the highest-revision state', () => {
  const evArb = fc.record({
    id: fc.constantFrom('a', 'b', 'c'),
    rev: fc.integer({ min: 1, max: 6 }),
    remove: fc.boolean(),
    port: fc.integer({ min: 1, max: 5 }),
  });
  fc.assert(
    fc.property(fc.array(evArb, { maxLength: 30 }), fc.integer(), (evs, seed) => {
      const events = evs.map((e) =>
        e.remove ? removed(e.id, e.rev) : configured(e.id, e.rev, { port: e.port }),
      );
      const reg = foldServerEvents(events);
      // Per server: a stable shuffle that keeps each server's own order (as partitions do).
      const rnd = fc.sample(
        fc.array(fc.nat(), { minLength: events.length, maxLength: events.length }),
        {
          seed,
          numRuns: 1,
        },
      )[0] as number[];
      const byServer = new Map<string, ServerEvent[]>();
      for (const e of events)
        byServer.set(e.value.serverId, [...(byServer.get(e.value.serverId) ?? []), e]);
      const interleaved: ServerEvent[] = [];
      let k = 0;
      while ([...byServer.values()].some((l) => l.length > 0)) {
        const lists = [...byServer.values()].filter((l) => l.length > 0);
        const l = lists[(rnd[k++] ?? 0) % lists.length] as ServerEvent[];
        interleaved.push(l.shift() as ServerEvent);
      }
      assert.deepEqual(activeServers(foldServerEvents(interleaved)), activeServers(reg));
      // Model: per server, the first event with the max revision, removal preferred at ties.
      for (const id of ['a', 'b', 'c']) {
        const mine = events.filter((e) => e.value.serverId === id);
        const max = Math.max(0, ...mine.map((e) => e.value.revision));
        const top = mine.filter((e) => e.value.revision === max);
        const expectActive = top.length > 0 && !top.some((e) => e.type === 'ServerRemoved');
        const held = configOf(reg, id);
        assert.equal(held !== null, expectActive);
        if (held) assert.deepEqual(held, top[0]?.value);
      }
    }),
  );
});

test('toScheduleServers: one BMC key per host:port, intervals and revision passed through', () => {
  const reg = foldServerEvents([
    configured('a', 1, { host: 'FE80::2', port: 16001, enabled: false }),
    configured('b', 4, {
      pollIntervals: { sensorsMs: 30_000, selMs: null, powerMs: 0, inventoryMs: null },
    }),
  ]);
  assert.deepEqual(toScheduleServers(reg), [
    {
      serverId: 'a',
      bmc: '[fe80::2]:16001',
      enabled: false,
      pollIntervals: { sensorsMs: null, selMs: null, powerMs: null, inventoryMs: null },
      revision: 1,
    },
    {
      serverId: 'b',
      bmc: 'b.bmc.example:623',
      enabled: true,
      pollIntervals: { sensorsMs: 30_000, selMs: null, powerMs: 0, inventoryMs: null },
      revision: 4,
    },
  ]);
});

test('planImport: new servers at revision 1, changes at the next revision, unchanged skipped, idempotent', () => {
  const text = [
    '- { name: a, host: 10.0.0.1, username: u, password: p }',
    '- { name: b, host: 10.0.0.2, username: u, password: p }',
    '- { name: c, host: 10.0.0.3, username: u, password: p }',
  ].join('\n');
  const defs = parseServerImport(text).servers;
  const ctx = {
    now: 5000,
    source: 'collector@test',
    actor: 'import',
    credentialVersions: new Map([
      ['a', 1],
      ['b', 1],
    ]),
  };
  const first = planImport(emptyRegistry(), defs, ctx);
  assert.deepEqual(
    first.events.map((e) => [e.serverId, e.revision, e.changedFields]),
    [
      ['a', 1, []],
      ['b', 1, []],
    ],
  );
  assert.deepEqual(first.missingCredentials, ['c']);
  let reg = foldServerEvents(
    first.events.map((value) => ({ type: 'ServerConfigured' as const, value })),
  );

  const again = planImport(reg, defs, { ...ctx, now: 9000 });
  assert.deepEqual(again.events, []);
  assert.deepEqual(again.unchanged, ['a', 'b']);

  const changedDefs = parseServerImport(text.replace('10.0.0.2', '10.0.0.22')).servers;
  reg = applyServerEvent(reg, removed('a', 2)).registry;
  const next = planImport(reg, changedDefs, {
    ...ctx,
    credentialVersions: new Map([
      ['a', 1],
      ['b', 2],
    ]),
  });
  assert.deepEqual(
    next.events.map((e) => [e.serverId, e.revision, e.changedFields]),
    [
      ['a', 3, []],
      ['b', 2, ['host', 'credentialVersion']],
    ],
  );
  assert.equal(next.events[1]?.eventId, serverEventId('ServerConfigured', 'b', 2));
  for (const e of next.events)
    assert.equal(
      applyServerEvent(reg, { type: 'ServerConfigured', value: e }).change.kind === 'ignored',
      false,
    );
});
