/**
 * The ipmi-monitor binary against a simulated BMC through the real clients: `probe`
 * reports each step (and an auth failure as such), `parse` turns real tool output into
 * JSON lines. Runs the installed bin, as `npx ipmi-monitor` does.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startFleet, type Fleet } from '@ipmi-monitor/collector/fleet';

const bin = new URL('../bin/ipmi-monitor.js', import.meta.url).pathname;
let work: string;
let fleet: Fleet;

function cli(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
    child.stdin.end(stdin);
  });
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'cli-int-'));
  const basePort = 14000 + (process.pid % 100) * 10;
  fleet = await startFleet({
    count: 1,
    home: join(work, 'fleet'),
    basePort,
    consoleBase: basePort + 1000,
  });
});
after(async () => {
  await fleet.stopAll();
  await rm(work, { recursive: true, force: true });
});

test('probe says what worked; a wrong password is an auth failure, not a timeout', async () => {
  const bmc = fleet.bmcs[0];
  assert.ok(bmc);
  const common = [
    `127.0.0.1:${bmc.port}`,
    '--user',
    bmc.username,
    '--cipher',
    '3',
    '--workaround',
    'opensesspriv',
    '--privilege',
    'ADMIN',
    '--timeout-ms',
    '4000',
  ];
  const good = await cli(['probe', ...common, '--password-file', bmc.passwordFile]);
  assert.equal(good.code, 0, good.out + good.err);
  assert.match(good.out, /: OK/);
  assert.doesNotMatch(good.out + good.err, new RegExp(bmc.password));

  const wrongFile = join(work, 'wrong');
  await writeFile(wrongFile, `nope-${randomBytes(4).toString('hex')}\n`, { mode: 0o600 });
  const bad = await cli(['probe', ...common, '--password-file', wrongFile]);
  assert.equal(bad.code, 1);
  assert.match(bad.out, /FAILED/);
  assert.match(bad.out, /COL_BMC_AUTH/);

  const noPassword = await cli(['probe', ...common]);
  assert.equal(noPassword.code, 2, 'refuses to run without a password source');
});

test('parse turns real ipmitool SEL output from the simulator into JSON lines', async () => {
  const bmc = fleet.bmcs[0];
  assert.ok(bmc);
  await fleet.setSensor(bmc.index, 'CPU Temp', 95);
  const { stdout } = await promisify(execFile)('ipmitool', [
    '-I',
    'lanplus',
    '-C',
    '3',
    '-H',
    '127.0.0.1',
    '-p',
    String(bmc.port),
    '-U',
    bmc.username,
    '-f',
    bmc.passwordFile,
    'sel',
    'elist',
  ]);
  const r = await cli(['parse', 'ipmitool-sel-elist'], stdout);
  assert.equal(r.code, 0, r.err);
  const rows = r.out
    .trim()
    .split('\n')
    .map(
      (l) =>
        JSON.parse(l) as { line: number; sensorName: string; direction: string; severity: string },
    );
  assert.ok(rows.length >= 1);
  assert.deepEqual(
    rows.map((x) => x.line),
    rows.map((_, i) => i + 1),
    'one record per line, in order',
  );
  const cpu = rows.find((x) => x.sensorName === 'CPU Temp' && x.direction === 'asserted');
  assert.ok(cpu, 'the threshold crossing is there');
  assert.notEqual(cpu.severity, 'info');
});
