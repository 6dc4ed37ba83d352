/**
 * runProcess with stand-in tools (sh, sleep, yes): no shell, deadlines that kill the whole
 * process tree, output caps, a minimal environment. Real child processes, no services.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { minimalEnv, runProcess } from './process.js';

/**
 * Running, sleeping or stopped. A killed grandchild whose parent died too is re-parented to
 * PID 1 and stays a zombie (state Z) until PID 1 reaps it, which some container inits never
 * do: a zombie runs nothing, so it counts as dead.
 */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function eventuallyDead(pids: number[]): Promise<void> {
  for (let i = 0; i < 50 && pids.some(alive); i++) await sleep(20);
  for (const pid of pids) assert.equal(alive(pid), false, `pid ${pid} survived`);
}

function pidsFrom(stdout: string): number[] {
  return stdout
    .split('\n')
    .filter((l) => /^\d+$/.test(l))
    .map(Number);
}

describe('runProcess', () => {
  test('argv goes to the program as is: no shell expansion', async () => {
    const r = await runProcess({
      command: 'printf',
      args: ['%s|', '$(id)', ';', '*', '`x`'],
      timeoutMs: 5000,
    });
    assert.equal(r.termination, 'exit');
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout, '$(id)|;|*|`x`|');
  });

  test('exit code, stdout, stderr and duration', async () => {
    const r = await runProcess({
      command: 'sh',
      args: ['-c', 'echo out; echo err >&2; exit 3'],
      timeoutMs: 5000,
    });
    assert.deepEqual(
      [r.termination, r.exitCode, r.stdout, r.stderr],
      ['exit', 3, 'out\n', 'err\n'],
    );
    assert.ok(r.durationMs > 0 && r.durationMs < 5000);
  });

  test('the deadline kills the whole process tree', async () => {
    const r = await runProcess({
      command: 'sh',
      args: ['-c', 'sleep 30 & echo $!; sleep 30 & echo $!; echo $$; wait'],
      timeoutMs: 300,
    });
    assert.equal(r.termination, 'timeout');
    assert.equal(r.exitCode, null);
    assert.ok(r.durationMs >= 290 && r.durationMs < 2000, `${r.durationMs}`);
    const pids = pidsFrom(r.stdout);
    assert.equal(pids.length, 3);
    await eventuallyDead(pids);
  });

  test('SIGKILL after the grace period when SIGTERM is ignored', async () => {
    const r = await runProcess({
      command: 'sh',
      args: ['-c', "trap '' TERM; sleep 30 & echo $!; echo $$; wait; wait"],
      timeoutMs: 200,
      killGraceMs: 300,
    });
    assert.equal(r.termination, 'timeout');
    assert.equal(r.exitSignal, 'SIGKILL');
    assert.ok(r.durationMs >= 480, `${r.durationMs}`);
    await eventuallyDead(pidsFrom(r.stdout));
  });

  test('background leftovers of a tool that exited are reaped', async () => {
    const r = await runProcess({
      command: 'sh',
      args: ['-c', 'sleep 30 >/dev/null 2>&1 & echo $!'],
      timeoutMs: 5000,
    });
    assert.equal(r.termination, 'exit');
    await eventuallyDead(pidsFrom(r.stdout));
  });

  test('output cap: killed, output cut at the cap', async () => {
    const r = await runProcess({
      command: 'yes',
      args: ['0123456789'],
      timeoutMs: 5000,
      maxStdoutBytes: 1000,
    });
    assert.equal(r.termination, 'output-limit');
    assert.equal(Buffer.byteLength(r.stdout), 1000);
  });

  test('stderr has its own cap', async () => {
    const r = await runProcess({
      command: 'sh',
      args: ['-c', 'yes err >&2'],
      timeoutMs: 5000,
      maxStderrBytes: 64,
    });
    assert.equal(r.termination, 'output-limit');
    assert.equal(r.stderr.length, 64);
  });

  test('a missing program is a spawn error with its errno code', async () => {
    const r = await runProcess({ command: '/nonexistent/ipmi-sensors', args: [], timeoutMs: 1000 });
    assert.equal(r.termination, 'spawn-error');
    assert.equal(r.spawnErrorCode, 'ENOENT');
    assert.equal(r.pid, null);
  });

  test('the child sees only the minimal environment, never the parent one', async () => {
    process.env.DRIVERS_TEST_SECRET = 'do-not-leak';
    try {
      const r = await runProcess({
        command: 'env',
        args: [],
        timeoutMs: 5000,
        env: minimalEnv('/tmp'),
      });
      const names = r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('=')[0])
        .sort();
      assert.deepEqual(names, ['HOME', 'LANG', 'LC_ALL', 'PATH', 'TZ']);
      assert.ok(!r.stdout.includes('do-not-leak'));
      assert.match(r.stdout, /PATH=.*\/usr\/sbin/);
    } finally {
      delete process.env.DRIVERS_TEST_SECRET;
    }
  });

  test('an abort signal kills the tree', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const r = await runProcess({
      command: 'sh',
      args: ['-c', 'sleep 30 & echo $!; wait'],
      timeoutMs: 10_000,
      signal: ac.signal,
    });
    assert.equal(r.termination, 'aborted');
    assert.ok(r.durationMs < 2000);
    await eventuallyDead(pidsFrom(r.stdout));
  });

  test('an already aborted signal starts nothing', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await runProcess({
      command: 'sleep',
      args: ['30'],
      timeoutMs: 10_000,
      signal: ac.signal,
    });
    assert.equal(r.termination, 'aborted');
    assert.equal(r.pid, null);
  });
});
