/**
 * The collector as an operator runs it: `ipmi-monitor import` then `ipmi-monitor collector`
 * as processes, configured by environment only, against simulated BMCs, the real broker and
 * registry. Checks what only the process wiring can break: configuration from the
 * environment, the credential store shared with import, the /metrics endpoint, `tail`, and a
 * graceful stop on SIGTERM.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, testPrefix } from '@ipmi-monitor/runtime/testing';
import { fleetServersYaml, startFleet, type Fleet } from '@ipmi-monitor/collector/fleet';

const bin = new URL('../bin/ipmi-monitor.js', import.meta.url).pathname;
const prefix = testPrefix();
const METRICS_PORT = 19464;
let work: string;
let fleet: Fleet;
let collector: ChildProcess | null = null;
let collectorOut = '';

const env = () => ({
  ...process.env,
  IPMI_TOPIC_PREFIX: prefix,
  IPMI_STATE_DIR: work,
  IPMI_COLLECTOR_ID: `e2e-${prefix}`,
  HTTP_PORT: String(METRICS_PORT),
  IPMI_POLL_SENSORS_MS: '5000',
  IPMI_POLL_SEL_MS: '5000',
  LOG_LEVEL: 'info',
});

function cli(
  args: string[],
  timeoutMs = 60_000,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', () => clearTimeout(timer));
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'collector-e2e-'));
  fleet = await startFleet({
    count: 2,
    basePort: 18300,
    consoleBase: 19300,
    home: join(work, 'fleet'),
  });
  for (const b of fleet.bmcs) await fleet.addSel(b.index, 'psu', 1);
});

after(async () => {
  collector?.kill('SIGKILL');
  await fleet?.stopAll();
  await rm(work, { recursive: true, force: true });
});

test('import, run the collector process, see its events with tail and its /metrics, stop it with SIGTERM', async () => {
  const yaml = fleetServersYaml(fleet.bmcs, { serverId: (b) => `e2e-${b.index}` });
  await writeFile(join(work, 'servers.yaml'), yaml, { mode: 0o600 });
  const imported = await cli(['import', join(work, 'servers.yaml')]);
  assert.equal(imported.code, 0, `import exit ${imported.code}\n${imported.out}\n${imported.err}`);

  collector = spawn(process.execPath, [bin, 'collector'], {
    env: env(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  collector.stdout?.on('data', (c: Buffer) => (collectorOut += c.toString()));
  collector.stderr?.on('data', (c: Buffer) => (collectorOut += c.toString()));
  const exited = new Promise<number | null>((r) => collector?.on('exit', (code) => r(code)));

  // The first SEL poll of each server lands within the initial spread (≤ its interval). One
  // tail per server: a BMC may hold more than one entry, so "the first two" of the topic
  // could both be one server's.
  for (const serverId of ['e2e-1', 'e2e-2']) {
    const tail = await cli(['tail', 'sel', '--from-beginning', '--max', '1', '--server', serverId]);
    const detail = `tail exit ${tail.code}\nstdout:\n${tail.out}\nstderr:\n${tail.err}\ncollector output:\n${collectorOut}`;
    assert.equal(tail.code, 0, detail);
    const lines = tail.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; value: { serverId: string } });
    assert.equal(lines.length, 1, detail);
    assert.equal(lines[0]?.type, 'SelEntryRecorded', detail);
    assert.equal(lines[0]?.value.serverId, serverId, detail);
  }

  const metrics = await eventually(
    async () => {
      const res = await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`);
      const text = await res.text();
      return /ipmi_collector_polls_total\{[^}]*kind="SEL",outcome="OK"/.test(text)
        ? text
        : undefined;
    },
    { timeoutMs: 30_000, what: 'poll metrics' },
  );
  assert.match(metrics, /ipmi_collector_servers\{[^}]*status="UP"[^}]*\} 2/);
  const health = await fetch(`http://127.0.0.1:${METRICS_PORT}/health`);
  assert.equal(health.status, 200);

  collector.kill('SIGTERM');
  assert.equal(await exited, 0, collectorOut);
  collector = null;
  assert.match(collectorOut, /collector stopped/);
  for (const b of fleet.bmcs) assert.ok(!collectorOut.includes(b.password), 'password in the log');
});
