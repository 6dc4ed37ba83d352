// Integration test of the simulated BMC fleet (infra/bmc-sim) through both real IPMI clients:
// ipmitool (lanplus, cipher suite 3, password from IPMI_PASSWORD via -E) and FreeIPMI (password
// in a 0600 --config-file). Needs the Debian packages openipmi, ipmitool and freeipmi-tools.
//
//   npx tsx --conditions=ipmi-source --test collector/src/fleet/fleet.int.test.ts
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Fleet, type FleetBmc, type FleetError, startFleet } from './index.js';

interface ClientResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs a client with its own deadline; never rejects on a non-zero exit. */
function runClient(
  cmd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 15_000,
): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

let fleet: Fleet;
let work: string;
let home: string;
let sdrCache: string;
/** Every password any BMC had during the test: none may show up in a command line. */
const passwords = new Set<string>();
const cmdlineLeaks: string[] = [];
let scanTimer: NodeJS.Timeout | undefined;
let configFiles = 0;

/** ipmitool over RMCP+ with cipher suite 3; the password travels in the environment (-E). */
function ipmitool(
  b: FleetBmc,
  args: readonly string[],
  opts: { password?: string; retries?: number; timeoutSec?: number; verbose?: boolean } = {},
): Promise<ClientResult> {
  const base = ['-I', 'lanplus', '-C', '3', '-H', b.host, '-p', String(b.port), '-U', b.username];
  const tail = ['-E', '-R', String(opts.retries ?? 1), '-N', String(opts.timeoutSec ?? 1)];
  return runClient('ipmitool', [...(opts.verbose ? ['-v'] : []), ...base, ...tail, ...args], {
    ...process.env,
    IPMI_PASSWORD: opts.password ?? b.password,
  });
}

/** A FreeIPMI tool with the credentials in a 0600 config file (freeipmi.conf(5) keys). */
async function freeipmi(
  b: FleetBmc,
  tool: string,
  args: readonly string[],
  opts: { password?: string; sessionTimeoutMs?: number } = {},
): Promise<ClientResult> {
  const password = opts.password ?? b.password;
  // The file name is on the command line, so it must not be derived from the password.
  const file = join(work, `freeipmi-${b.index}-${++configFiles}.conf`);
  await writeFile(
    file,
    [
      'driver-type LAN_2_0',
      `username ${b.username}`,
      `password ${password}`,
      'privilege-level ADMIN',
      // ipmi_sim answers Open Session with privilege 0: FreeIPMI needs this workaround.
      'workaround-flags opensesspriv',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const timeout = opts.sessionTimeoutMs ?? 5000;
  const cache = ['ipmi-sensors', 'ipmi-sel'].includes(tool)
    ? [`--sdr-cache-directory=${sdrCache}`, '--sdr-cache-recreate', '--quiet-cache']
    : [];
  return runClient(
    tool,
    [
      '-h',
      `${b.host}:${b.port}`,
      `--config-file=${file}`,
      `--session-timeout=${timeout}`,
      `--retransmission-timeout=${Math.max(100, Math.floor(timeout / 4))}`,
      ...cache,
      ...args,
    ],
    process.env,
  );
}

function ok(r: ClientResult, what: string): string {
  assert.equal(r.code, 0, `${what} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** `ipmitool sensor reading NAME` -> number. */
async function reading(b: FleetBmc, name: string): Promise<number> {
  const out = ok(await ipmitool(b, ['sensor', 'reading', name]), `sensor reading ${name}`);
  const value = Number(out.split('|')[1]?.trim());
  assert.ok(Number.isFinite(value), `no reading in: ${out}`);
  return value;
}

/** One FreeIPMI sensor row: [id, name, type, state, reading, unit, event]. */
async function freeipmiSensor(b: FleetBmc, name: string): Promise<string[]> {
  const out = ok(
    await freeipmi(b, 'ipmi-sensors', [
      '--output-sensor-state',
      '--comma-separated-output',
      '--no-header-output',
    ]),
    'ipmi-sensors',
  );
  const row = out
    .split('\n')
    .map((l) => l.split(','))
    .find((cells) => cells[1] === name);
  assert.ok(row, `ipmi-sensors has no ${name}: ${out}`);
  return row;
}

async function selEntries(b: FleetBmc): Promise<number> {
  const out = ok(await ipmitool(b, ['sel', 'info']), 'sel info');
  return Number(/Entries\s*:\s*(\d+)/.exec(out)?.[1]);
}

async function selList(b: FleetBmc): Promise<string> {
  const out = ok(await ipmitool(b, ['sel', 'elist']), 'sel elist');
  return out.includes('SEL has no entries') ? '' : out;
}

async function freeipmiSelLines(b: FleetBmc): Promise<string[]> {
  const out = ok(
    await freeipmi(b, 'ipmi-sel', ['--comma-separated-output', '--no-header-output']),
    'ipmi-sel',
  );
  return out.split('\n').filter((l) => l.trim() !== '');
}

/** Looks for any known password in every process's command line. */
async function scanCmdlines(): Promise<void> {
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((p) => /^\d+$/.test(p));
  } catch {
    return;
  }
  await Promise.all(
    pids.map(async (pid) => {
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      for (const pw of passwords) {
        if (cmdline.includes(pw)) cmdlineLeaks.push(`${pid}: ${cmdline.replaceAll('\0', ' ')}`);
      }
    }),
  );
}

/** ipmi_sim processes that belong to this test's fleet home. */
async function ourSimulators(): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p))) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.startsWith('ipmi_sim') && cmdline.includes(home)) found.push(pid);
  }
  return found;
}

describe('simulated BMC fleet (ipmi_sim) through ipmitool and FreeIPMI', () => {
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'ipmi-fleet-test-'));
    home = join(work, 'fleet');
    sdrCache = join(work, 'sdr-cache');
    await mkdir(sdrCache);
    // Non-default ports, spread by pid so parallel runs on one machine do not collide.
    const basePort = 20000 + (process.pid % 200) * 20;
    fleet = await startFleet({ count: 3, home, basePort, consoleBase: basePort + 5000 });
    for (const b of fleet.bmcs) passwords.add(b.password);
    let scanning = false;
    scanTimer = setInterval(() => {
      if (scanning) return;
      scanning = true;
      void scanCmdlines().finally(() => (scanning = false));
    }, 50);
  });

  after(async () => {
    if (scanTimer) clearInterval(scanTimer);
    if (fleet) await fleet.stopAll();
    const left = home ? await ourSimulators() : [];
    if (work) await rm(work, { recursive: true, force: true });
    assert.deepEqual(left, [], 'ipmi_sim processes of this test are still running');
  });

  test('three BMCs answer both clients, each with its own identity and a set SEL clock', async () => {
    assert.equal(fleet.bmcs.length, 3);
    assert.equal(new Set(fleet.bmcs.map((b) => b.serial)).size, 3);
    assert.equal(new Set(fleet.bmcs.map((b) => b.guid)).size, 3);
    assert.equal(new Set(fleet.bmcs.map((b) => b.password)).size, 3, 'random password per BMC');
    for (const b of fleet.bmcs) {
      assert.equal(b.host, '127.0.0.1');
      assert.equal((await stat(b.passwordFile)).mode & 0o777, 0o600);
      assert.equal((await stat(b.freeipmiConfig)).mode & 0o777, 0o600);

      const elist = ok(await ipmitool(b, ['sdr', 'elist']), 'sdr elist');
      assert.match(elist, /^CPU Temp\s+\| 01h \| ok/m);
      assert.match(elist, /^FAN1\s+\| 03h \| ok .*RPM/m);
      assert.match(elist, /^CPU2 Temp\s+\| 0Bh \| ns .*No Reading/m);

      const cpu = await freeipmiSensor(b, 'CPU Temp');
      assert.equal(cpu[3], 'Nominal');
      assert.equal(Number(cpu[4]), await reading(b, 'CPU Temp'));

      const fru = ok(await ipmitool(b, ['fru']), 'fru');
      assert.match(fru, new RegExp(`Product Serial\\s+: ${b.serial}$`, 'm'));
      assert.match(fru, new RegExp(`Product Name\\s+: ${b.product}$`, 'm'));
      assert.match(fru, new RegExp(`Product Manufacturer\\s+: ${b.manufacturer}$`, 'm'));

      // The fleet's own FreeIPMI config file works as is.
      const own = await runClient(
        'ipmi-chassis',
        ['-h', `${b.host}:${b.port}`, `--config-file=${b.freeipmiConfig}`, '--get-chassis-status'],
        process.env,
      );
      assert.match(ok(own, 'ipmi-chassis with the fleet config'), /System Power\s+: on/);

      const clock = ok(await ipmitool(b, ['sel', 'time', 'get']), 'sel time get').trim();
      const m = /^(\d\d)\/(\d\d)\/(\d{2}) (\d\d):(\d\d):(\d\d)/.exec(clock);
      assert.ok(m, `unexpected SEL time: ${clock}`);
      const [mo, d, y, h, mi, s] = m.slice(1).map(Number) as [
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      // ipmitool prints the BMC clock in local time, as Date reads it here.
      const t = new Date(2000 + y, mo - 1, d, h, mi, s).getTime();
      assert.ok(Math.abs(t - Date.now()) < 120_000, `SEL clock not set: ${clock}`);
    }
    const products = new Set(fleet.bmcs.map((b) => `${b.manufacturer} ${b.product}`));
    assert.equal(products.size, 3, 'different vendor models');
  });

  test('setSensor changes readings in both clients and logs threshold events', async () => {
    const b = fleet.bmc(1);
    await fleet.setSensor(1, 'CPU Temp', 95);
    assert.equal(await reading(b, 'CPU Temp'), 95);
    const cpu = await freeipmiSensor(b, 'CPU Temp');
    assert.equal(Number(cpu[4]), 95);
    assert.equal(cpu[3], 'Critical');
    const sel = await selList(b);
    assert.match(sel, /CPU Temp \| Upper Non-critical going high \| Asserted/);
    assert.match(sel, /CPU Temp \| Upper Critical going high \| Asserted/);
    assert.ok(
      (await freeipmiSelLines(b)).some((l) => /CPU Temp/.test(l) && /Upper Critical/.test(l)),
    );

    await fleet.setSensor(1, 'CPU Temp', 45);
    assert.equal(await reading(b, 'CPU Temp'), 45);
    assert.match(await selList(b), /CPU Temp \| Upper Critical going high \| Deasserted/);

    // Scaled sensors: volts with two decimals, RPM in steps of 50.
    await fleet.setSensor(1, '12V', 11.7, { event: false });
    assert.equal(await reading(b, '12V'), 11.7);
    const before = await selEntries(b);
    await fleet.setSensor(1, 'FAN1', 500, { event: false });
    assert.equal(await reading(b, 'FAN1'), 500);
    assert.equal(await selEntries(b), before, 'event: false logs nothing');
    await fleet.setSensor(1, 'FAN1', 4800, { event: false });

    // Discrete sensor: state bit mask (bit 0 presence, bit 1 failure).
    await fleet.setSensor(1, 'PSU1 Status', 0b11);
    const psu = await freeipmiSensor(b, 'PSU1 Status');
    assert.equal(psu[3], 'Critical');
    assert.match(psu[6] ?? '', /Power Supply Failure detected/);
    assert.match(await selList(b), /PSU1 Status \| Failure detected \| Asserted/);
    await fleet.setSensor(1, 'PSU1 Status', 0b01);
    assert.match(await selList(b), /PSU1 Status \| Failure detected \| Deasserted/);

    await assert.rejects(fleet.setSensor(1, 'No Such Sensor', 1), (err: FleetError) => {
      assert.equal(err.code, 'FLEET_COMMAND_FAILED');
      assert.match(err.message, /unknown sensor/);
      return true;
    });
  });

  test('driftSensor crosses a threshold and comes back', async () => {
    const b = fleet.bmc(1);
    await fleet.clearSel(1);
    const start = await reading(b, 'Inlet Temp');
    await fleet.driftSensor(1, 'Inlet Temp', { from: start, to: 48, steps: 3, stepMs: 50 });
    assert.equal(await reading(b, 'Inlet Temp'), start);
    const sel = await selList(b);
    assert.match(sel, /Inlet Temp \| Upper Critical going high \| Asserted \| Reading 48/);
    assert.match(sel, /Inlet Temp \| Upper Critical going high \| Deasserted/);
    assert.match(sel, /Inlet Temp \| Upper Non-critical going high \| Deasserted/);
  });

  test('SEL: single entries, bursts, clear, clear marker and overflow', async () => {
    const b = fleet.bmc(1);
    await fleet.clearSel(1);
    assert.equal(await selEntries(b), 0);
    assert.deepEqual(await freeipmiSelLines(b), []);

    await fleet.addSel(1, 'ecc');
    assert.match(await selList(b), /Memory DIMM A1 \| Correctable ECC \| Asserted/);
    await fleet.addSel(1, 'psu', 10);
    assert.equal(await selEntries(b), 11);
    assert.equal((await freeipmiSelLines(b)).length, 11);
    await fleet.addSel(1, 'oem');
    assert.match(await selList(b), /OEM record c1/);

    await fleet.clearSel(1);
    assert.equal(await selEntries(b), 0);
    assert.equal(await selList(b), '');

    await fleet.clearSel(1, { marker: true });
    const marker = await selList(b);
    assert.equal(marker.trim().split('\n').length, 1);
    assert.match(marker, /Event Logging Disabled SEL \| Log area reset\/cleared \| Asserted/);

    const added = await fleet.fillSel(1);
    assert.ok(added > 0);
    const info = ok(await ipmitool(b, ['sel', 'info']), 'sel info');
    assert.match(info, /Overflow\s+: true/);
    assert.match(info, /Free Space\s+: 0 bytes/);
    const fInfo = ok(await freeipmi(b, 'ipmi-sel', ['--info']), 'ipmi-sel --info');
    assert.match(fInfo, /Events dropped due to lack of space\s+: Yes/);
    await assert.rejects(fleet.addSel(1, 'temp'), /Unable to add to sel/);

    await fleet.clearSel(1);
    assert.match(ok(await ipmitool(b, ['sel', 'info']), 'sel info'), /Overflow\s+: false/);
  });

  test('a stopped BMC times out quickly; restart brings it back with its SEL', async () => {
    const b = fleet.bmc(2);
    await fleet.addSel(2, 'fan', 2);
    const entries = await selEntries(b);
    await fleet.stop(2);
    assert.equal((await fleet.status()).find((s) => s.index === 2)?.state, 'stopped');

    const it = await ipmitool(b, ['mc', 'info'], { retries: 1, timeoutSec: 1 });
    assert.notEqual(it.code, 0);
    assert.ok(it.ms < 5000, `ipmitool took ${it.ms} ms`);
    const fi = await freeipmi(b, 'ipmi-sensors', [], { sessionTimeoutMs: 1000 });
    assert.notEqual(fi.code, 0);
    assert.match(fi.stderr, /connection timeout/);
    assert.ok(fi.ms < 3000, `ipmi-sensors took ${fi.ms} ms`);

    await fleet.restart(2);
    assert.equal((await fleet.status()).find((s) => s.index === 2)?.state, 'running');
    ok(await ipmitool(b, ['mc', 'info']), 'mc info after restart');
    assert.equal(await selEntries(b), entries, 'the SEL survives a restart');
    assert.equal((await freeipmiSensor(b, 'FAN1'))[3], 'Nominal');
  });

  test('a hung BMC answers nothing until resumed', async () => {
    const b = fleet.bmc(2);
    await fleet.hang(2);
    try {
      assert.equal((await fleet.status()).find((s) => s.index === 2)?.state, 'hung');
      const it = await ipmitool(b, ['mc', 'info'], { retries: 1, timeoutSec: 1 });
      assert.notEqual(it.code, 0);
      assert.ok(it.ms >= 1500 && it.ms < 5000, `ipmitool took ${it.ms} ms`);
      const fi = await freeipmi(b, 'ipmi-sensors', [], { sessionTimeoutMs: 1000 });
      assert.notEqual(fi.code, 0);
      assert.match(fi.stderr, /connection timeout/);
      assert.ok(fi.ms < 3000, `ipmi-sensors took ${fi.ms} ms`);
    } finally {
      await fleet.resume(2);
    }
    ok(await ipmitool(b, ['mc', 'info']), 'mc info after resume');
    await fleet.setSensor(2, 'CPU Temp', 50);
    assert.equal(await reading(b, 'CPU Temp'), 50);
  });

  test('a changed password rejects the old one with an authentication error', async () => {
    const b = fleet.bmc(3);
    const old = b.password;
    passwords.add('Rotated.1').add('Rotated.2');

    await fleet.setPassword(3, 'Rotated.1');
    assert.equal(b.password, 'Rotated.1');
    const it = await ipmitool(b, ['mc', 'info'], { password: old, verbose: true });
    assert.notEqual(it.code, 0);
    assert.match(it.stderr, /RAKP 2 HMAC is invalid/);
    assert.match(it.stderr, /Unable to establish IPMI v2 \/ RMCP\+ session/);
    assert.ok(it.ms < 1500, `an auth error is fast, not a timeout (${it.ms} ms)`);
    const fi = await freeipmi(b, 'ipmi-sensors', [], { password: old });
    assert.notEqual(fi.code, 0);
    assert.match(fi.stderr, /password invalid/);
    ok(await ipmitool(b, ['mc', 'info']), 'new password, ipmitool');
    await freeipmiSensor(b, 'CPU Temp');

    // The other way: new lan.conf and a restart.
    await fleet.setPassword(3, 'Rotated.2', { restart: true });
    const again = await freeipmi(b, 'ipmi-sensors', [], { password: 'Rotated.1' });
    assert.match(again.stderr, /password invalid/);
    ok(await ipmitool(b, ['mc', 'info']), 'password after restart, ipmitool');
    await freeipmiSensor(b, 'CPU Temp');
    assert.equal((await readFile(b.passwordFile, 'utf8')).trim(), 'Rotated.2');
  });

  test('power off and on show in chassis status', async () => {
    const b = fleet.bmc(3);
    await fleet.powerOff(3);
    assert.match(
      ok(await ipmitool(b, ['chassis', 'status']), 'chassis status'),
      /System Power\s+: off/,
    );
    const f = ok(await freeipmi(b, 'ipmi-chassis', ['--get-chassis-status']), 'ipmi-chassis');
    assert.match(f, /System Power\s+: off/);
    await fleet.powerOn(3);
    assert.match(
      ok(await ipmitool(b, ['chassis', 'status']), 'chassis status'),
      /System Power\s+: on/,
    );
    // Through IPMI too (the BMC's chassis control program keeps the state).
    ok(await ipmitool(b, ['chassis', 'power', 'off']), 'chassis power off');
    assert.match(ok(await ipmitool(b, ['chassis', 'power', 'status']), 'power status'), /is off/);
    ok(await ipmitool(b, ['chassis', 'power', 'on']), 'chassis power on');
    assert.match(ok(await ipmitool(b, ['chassis', 'power', 'status']), 'power status'), /is on/);
  });

  test('DCMI power reading (when the plug-in is built)', async (t) => {
    if (!fleet.dcmi) {
      t.skip('DCMI plug-in not built (needs gcc and libopenipmi-dev)');
      return;
    }
    const b = fleet.bmc(3);
    await fleet.setDcmiPower(3, 512, { min: 400, max: 600, avg: 500 });
    const it = ok(await ipmitool(b, ['dcmi', 'power', 'reading']), 'dcmi power reading');
    assert.match(it, /Instantaneous power reading:\s+512 Watts/);
    assert.match(it, /Maximum during sampling period:\s+600 Watts/);
    const fi = ok(await freeipmi(b, 'ipmi-dcmi', ['--get-system-power-statistics']), 'ipmi-dcmi');
    assert.match(fi, /Current Power\s+: 512 Watts/);
  });

  test('raw console commands and no password on any command line', async () => {
    const out = await fleet.console(
      1,
      'sel_add 0x20 0x02 0 0 0 0 0x20 0x00 0x04 0x05 0x0a 0x6f 0x00 0xff 0xff',
    );
    assert.match(out, /Added record \d+/);
    assert.match(await selList(fleet.bmc(1)), /Intrusion \| General Chassis intrusion \| Asserted/);
    await scanCmdlines();
    assert.deepEqual(cmdlineLeaks, []);

    // The scan itself works: a canary on a command line is found.
    const canary = `canary${process.pid}x${Date.now()}`;
    const sleeper = spawn('sh', ['-c', 'sleep 5', canary], { stdio: 'ignore' });
    try {
      passwords.add(canary);
      await new Promise((r) => setTimeout(r, 100));
      await scanCmdlines();
      assert.ok(cmdlineLeaks.some((line: string) => line.includes(canary)));
    } finally {
      sleeper.kill();
      passwords.delete(canary);
    }
  });
});
