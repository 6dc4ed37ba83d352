import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  formatLockFile,
  judgeLock,
  parseLockFile,
  UNREADABLE_GRACE_MS,
  type HostProbe,
  type LockInfo,
} from './lock-file.js';

const info: LockInfo = {
  pid: 4242,
  hostname: 'box-a',
  token: 't-1',
  createdAt: '2026-01-01T00:00:00.000Z',
  bootId: 'boot-1',
  procStart: '1000',
};

function probe(
  over: Partial<HostProbe> & { alive?: number[]; starts?: Record<number, string> } = {},
): HostProbe {
  const alive = new Set(over.alive ?? [4242]);
  return {
    hostname: over.hostname ?? 'box-a',
    pid: over.pid ?? 100,
    bootId: 'bootId' in over ? over.bootId : 'boot-1',
    isAlive: (pid) => alive.has(pid),
    procStart: (pid) => over.starts?.[pid] ?? (pid === 4242 ? '1000' : undefined),
  };
}

describe('lock file content', () => {
  test('round-trips', () => {
    assert.deepEqual(parseLockFile(formatLockFile(info)), info);
  });

  test('old locks without bootId/procStart still parse', () => {
    const text = JSON.stringify({ pid: 7, hostname: 'h', token: 'x', createdAt: 'now' });
    assert.deepEqual(parseLockFile(text), {
      pid: 7,
      hostname: 'h',
      token: 'x',
      createdAt: 'now',
      bootId: undefined,
      procStart: undefined,
    });
  });

  for (const [name, text] of [
    ['empty', ''],
    ['not JSON', 'pid=12'],
    ['JSON null', 'null'],
    ['no pid', JSON.stringify({ hostname: 'h', token: 'x', createdAt: 'n' })],
    ['pid 0', JSON.stringify({ pid: 0, hostname: 'h', token: 'x', createdAt: 'n' })],
    ['pid as string', JSON.stringify({ pid: '12', hostname: 'h', token: 'x', createdAt: 'n' })],
    ['empty hostname', JSON.stringify({ pid: 12, hostname: '', token: 'x', createdAt: 'n' })],
    ['no token', JSON.stringify({ pid: 12, hostname: 'h', createdAt: 'n' })],
  ] as const) {
    test(`rejects ${name}`, () => assert.equal(parseLockFile(text), undefined));
  }
});

describe('judgeLock', () => {
  const cases: {
    name: string;
    info: LockInfo | undefined;
    age?: number;
    probe: HostProbe;
    want: 'held' | 'stale';
  }[] = [
    { name: 'live owner on this host', info, probe: probe(), want: 'held' },
    { name: 'dead owner', info, probe: probe({ alive: [] }), want: 'stale' },
    {
      name: 'owner on another host (cannot check)',
      info,
      probe: probe({ hostname: 'box-b', alive: [] }),
      want: 'held',
    },
    { name: 'machine rebooted since', info, probe: probe({ bootId: 'boot-2' }), want: 'stale' },
    {
      name: 'boot id unknown here: falls back to the pid',
      info,
      probe: probe({ bootId: undefined }),
      want: 'held',
    },
    {
      name: 'pid reused by another process',
      info,
      probe: probe({ starts: { 4242: '2000' } }),
      want: 'stale',
    },
    {
      name: 'our own pid left by an earlier run (container pid 1)',
      info,
      probe: probe({ pid: 4242 }),
      want: 'stale',
    },
    {
      name: 'no recorded start time: a live pid holds it',
      info: { ...info, procStart: undefined },
      probe: probe({ starts: { 4242: '2000' } }),
      want: 'held',
    },
    {
      name: 'unreadable and fresh: someone is writing it',
      info: undefined,
      age: 10,
      probe: probe(),
      want: 'held',
    },
    {
      name: 'unreadable and old: its writer died',
      info: undefined,
      age: UNREADABLE_GRACE_MS + 1,
      probe: probe(),
      want: 'stale',
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const verdict = judgeLock(c.info, c.age ?? 0, c.probe);
      assert.equal(verdict.state, c.want, verdict.reason);
      assert.ok(verdict.reason.length > 0);
    });
  }
});
