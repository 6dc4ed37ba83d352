/**
 * Both drivers, the fan-out and the probe against real ipmi_sim BMCs (the project fleet,
 * infra/bmc-sim) through the real clients (FreeIPMI, ipmitool).
 *
 * While the file runs, a sampler reads every process's /proc/PID/cmdline, and the environ
 * of every tool the drivers start, and records any that contains a BMC password; the last tests check that it saw the tools
 * at work and never a password, and that no credential file is left.
 *
 *   npx tsx --conditions=ipmi-source --test collector/src/drivers/drivers.int.test.ts
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFleet, type Fleet } from '../fleet/index.js';
import { fanoutSel, fanoutSensors } from './fanout.js';
import { createFreeIpmiDriver } from './freeipmi.js';
import { createIpmitoolDriver } from './ipmitool.js';
import { probe } from './probe.js';
import type { BmcTarget, Driver, DriverOptions, DriverResult } from './types.js';

const WRONG_PASSWORD = 'not-the-pw-4711';
const TOOLS = new Set([
  'ipmi-sensors',
  'ipmi-sel',
  'ipmi-dcmi',
  'ipmi-chassis',
  'ipmi-fru',
  'bmc-info',
  'bmc-device',
  'ipmitool',
]);

let work = '';
let credBase = '';
let sdrDir = '';
let fleet: Fleet;
let freeipmi: Driver;
let ipmitool: Driver;
let options: DriverOptions;
/** A UDP port in this fleet's range with no BMC behind it. */
let deadPort = 0;

// --- /proc sampler ---------------------------------------------------------------------
const secrets = new Set<string>([WRONG_PASSWORD]);
const leaks: string[] = [];
const toolsSeen = new Set<string>();
let sampling = false;
let samplerDone: Promise<void> = Promise.resolve();

async function readProc(pid: string, file: string): Promise<string> {
  try {
    return (await readFile(`/proc/${pid}/${file}`)).toString('utf8');
  } catch {
    return '';
  }
}

/**
 * Command lines of every process; environments of the tools this process started (the
 * fleet's own helper scripts hand ipmitool its password through IPMI_PASSWORD, which is
 * theirs to answer for, not the drivers').
 */
async function sampleOnce(): Promise<void> {
  let pids: string[] = [];
  try {
    pids = (await readdir('/proc')).filter((p) => /^\d+$/.test(p));
  } catch {
    return;
  }
  await Promise.all(
    pids.map(async (pid) => {
      const cmdline = await readProc(pid, 'cmdline');
      if (cmdline === '') return;
      const argv0 = basename(cmdline.split('\0')[0] ?? '');
      const st = await readProc(pid, 'stat');
      const ppid = st.slice(st.lastIndexOf(')') + 2).split(' ')[1];
      const ours = ppid === String(process.pid) && TOOLS.has(argv0);
      const environ = ours ? await readProc(pid, 'environ') : '';
      if (ours) toolsSeen.add(`${pid}:${argv0}`);
      for (const secret of secrets) {
        if (cmdline.includes(secret)) leaks.push(`cmdline of ${pid} (${argv0})`);
        if (environ.includes(secret)) leaks.push(`environ of ${pid} (${argv0})`);
      }
    }),
  );
}

function startSampler(): void {
  sampling = true;
  samplerDone = (async () => {
    while (sampling) {
      await sampleOnce();
      await sleep(15);
    }
  })();
}

/** Live (non-zombie) processes whose command line mentions `needle`. */
async function processesMentioning(needle: string): Promise<string[]> {
  const pids = (await readdir('/proc')).filter((p) => /^\d+$/.test(p) && p !== String(process.pid));
  const found = await Promise.all(
    pids.map(async (pid) => {
      const cmdline = (await readProc(pid, 'cmdline')).split('\0').join(' ');
      if (!cmdline.includes(needle)) return null;
      const st = await readProc(pid, 'stat');
      const state = st.slice(st.lastIndexOf(')') + 2, st.lastIndexOf(')') + 3);
      return state === 'Z' || state === '' ? null : `${pid} ${cmdline}`;
    }),
  );
  return found.filter((p): p is string => p !== null);
}

// --- helpers ---------------------------------------------------------------------------
function target(index: number, over: Partial<BmcTarget> = {}): BmcTarget {
  const bmc = fleet.bmc(index);
  return {
    host: bmc.host,
    port: bmc.port,
    username: bmc.username,
    password: bmc.password,
    privilege: 'ADMIN',
    cipherSuite: 3, // ipmi_sim ignores Get Channel Cipher Suites: ipmitool would probe for 10 s
    workaroundFlags: ['opensesspriv'], // ipmi_sim echoes max privilege 0 in Open Session
    timeoutMs: 5000,
    sdrCacheDir: sdrDir,
    ...over,
  };
}

function assertOk(r: DriverResult): void {
  assert.equal(r.ok, true, `${r.tool} ${r.args.join(' ')}: ${r.error?.message ?? ''}\n${r.stderr}`);
  assert.equal(r.exitCode, 0);
  assert.ok(r.stdout.length > 0, `${r.tool} printed nothing`);
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'drivers-int-'));
  credBase = join(work, 'cred');
  sdrDir = join(work, 'sdr');
  await mkdir(credBase, { mode: 0o700 });
  // Ports apart from the fleet module's own test (20000-29999) and the default fleet (16000).
  const basePort = 12000 + (process.pid % 100) * 20;
  // One password for the whole fleet, so that fan-out can put the BMCs in one process.
  const password = `drv-${randomBytes(6).toString('hex')}`;
  fleet = await startFleet({
    count: 5,
    home: join(work, 'fleet'),
    basePort,
    consoleBase: basePort + 2000,
    password,
  });
  deadPort = basePort + 19;
  for (const b of fleet.bmcs) secrets.add(b.password);
  options = { credentialBaseDir: credBase };
  freeipmi = createFreeIpmiDriver(options);
  ipmitool = createIpmitoolDriver(options);
  await fleet.addSel(1, 'temp', 3);
  await fleet.addSel(1, 'psu', 1);
  startSampler();
});

after(async () => {
  sampling = false;
  await samplerDone;
  await fleet?.stopAll();
  if (work !== '') {
    // Safety net: a simulator the fleet lost track of (seen after a failed restart) is
    // still this test's, found by its home directory and ended by pid.
    for (const p of await processesMentioning(work)) {
      const [pid, argv0] = p.split(' ');
      if (argv0 === 'ipmi_sim') process.kill(Number(pid), 'SIGTERM');
    }
    await rm(work, { recursive: true, force: true });
  }
});

describe('reading a simulator', () => {
  test('FreeIPMI reads sensors, SEL, SEL info and time, DCMI, chassis, BMC info and FRU', async () => {
    const t = target(1);
    const sensors = await freeipmi.sensors(t);
    assertOk(sensors);
    assert.equal(sensors.format, 'freeipmi-sensors');
    assert.match(
      sensors.stdout,
      /^ID,Name,Type,State,Reading,Units,Lower NR,Lower C,Lower NC,Upper NC,Upper C,Upper NR,Event$/m,
    );
    assert.match(sensors.stdout, /^\d+,CPU Temp,Temperature,/m);

    const sel = await freeipmi.sel(t);
    assertOk(sel);
    assert.equal(sel.format, 'freeipmi-sel');
    assert.match(sel.stdout, /^ID,Date,Time,Name,Type,State,Event Direction,Event$/m);
    assert.ok(sel.stdout.trim().split('\n').length >= 5, sel.stdout);

    assert.match((await freeipmi.selInfo(t)).stdout, /Number of log entries\s*:\s*\d+/);
    assert.match((await freeipmi.selTime(t)).stdout, /SEL Time\s*:/);
    assert.match((await freeipmi.chassisStatus(t)).stdout, /System Power\s*:\s*on/);
    const info = await freeipmi.bmcInfo(t);
    assertOk(info);
    assert.match(info.stdout, /Firmware Revision\s*:/);
    assertOk(await freeipmi.fru(t));
    const dcmi = await freeipmi.dcmiPower(t);
    if (fleet.dcmi) assert.match(dcmi.stdout, /Current Power\s*:\s*\d+ Watts/);
    else assert.equal(dcmi.error?.code, 'COL_BMC_PROTOCOL');
  });

  test('ipmitool reads sensors, SEL, SEL info and time, DCMI, chassis, MC info and FRU', async () => {
    const t = target(1);
    const sensors = await ipmitool.sensors(t);
    assertOk(sensors);
    assert.equal(sensors.format, 'ipmitool-sensor');
    assert.match(sensors.stdout, /^CPU Temp\s+\| [\d.]+\s+\| degrees C/m);
    const sel = await ipmitool.sel(t);
    assertOk(sel);
    assert.equal(sel.format, 'ipmitool-sel-elist');
    assert.ok(sel.stdout.trim().split('\n').length >= 4, sel.stdout);
    assert.match((await ipmitool.selInfo(t)).stdout, /Entries\s*:\s*\d+/);
    assertOk(await ipmitool.selTime(t));
    assert.match((await ipmitool.chassisStatus(t)).stdout, /System Power\s*:\s*on/);
    assert.match((await ipmitool.bmcInfo(t)).stdout, /Firmware Revision\s*:/);
    assertOk(await ipmitool.fru(t));
    const dcmi = await ipmitool.dcmiPower(t);
    if (fleet.dcmi) assert.match(dcmi.stdout, /Instantaneous power reading:\s+\d+ Watts/);
    else assert.equal(dcmi.error?.code, 'COL_BMC_PROTOCOL');
  });

  test('FreeIPMI reads the SEL from a record id on (--display-range)', async () => {
    const t = target(1);
    const ids = (await freeipmi.sel(t)).stdout
      .split('\n')
      .map((l) => Number(l.split(',')[0]))
      .filter((n) => Number.isInteger(n) && n > 0);
    assert.ok(ids.length >= 4);
    const from = ids[ids.length - 2] as number;
    const ranged = await freeipmi.sel(t, { fromRecordId: from });
    assertOk(ranged);
    assert.ok(ranged.args.includes(`--display-range=${from}-65534`));
    const got = ranged.stdout
      .split('\n')
      .map((l) => Number(l.split(',')[0]))
      .filter((n) => Number.isInteger(n) && n > 0);
    assert.deepEqual(got, ids.slice(-2));
    // Past the end: nothing, and no error.
    const none = await freeipmi.sel(t, { fromRecordId: (ids[ids.length - 1] as number) + 1 });
    assertOk({ ...none, stdout: 'x' });
    assert.equal(none.stdout, '');
  });
});

describe('failures', () => {
  test('a wrong password is COL_BMC_AUTH for both drivers, fast, without the password', async () => {
    for (const driver of [freeipmi, ipmitool]) {
      const r = await driver.bmcInfo(target(2, { password: WRONG_PASSWORD }));
      assert.equal(
        r.error?.code,
        'COL_BMC_AUTH',
        `${driver.kind}: ${r.error?.message} ${r.stderr}`,
      );
      assert.ok(r.durationMs < 1500, `${driver.kind} took ${r.durationMs} ms`);
      assert.ok(!JSON.stringify({ ...r, error: r.error?.message }).includes(WRONG_PASSWORD));
    }
  });

  test('a stopped BMC is COL_BMC_TIMEOUT within its deadline (both drivers)', async () => {
    assertOk(await freeipmi.sensors(target(4))); // leaves an SDR cache for the restart test
    await fleet.stop(4);
    const deadline = 2000;
    const results = await Promise.all([
      freeipmi.sensors(target(4, { timeoutMs: deadline })),
      ipmitool.sensors(target(4, { timeoutMs: deadline })),
    ]);
    for (const r of results) {
      assert.equal(r.error?.code, 'COL_BMC_TIMEOUT', `${r.tool}: ${r.error?.message}`);
      // deadline + SIGTERM grace + scheduling slack
      assert.ok(r.durationMs <= deadline + 500 + 500, `${r.tool} took ${r.durationMs} ms`);
    }
  });

  test('a hung BMC: timeout, the whole process tree killed, no tool left running', async () => {
    const port = String(fleet.bmc(5).port);
    await fleet.hang(5);
    try {
      // ipmitool with -N 1 gives up after about 2 s: a 1.5 s deadline kills it.
      // FreeIPMI gets a 3 s deadline, so its session timeout (1.5 s, up to 1.5x that in
      // practice) ends it first, with its own "connection timeout".
      const running = Promise.all([
        ipmitool.sensors(target(5, { timeoutMs: 1500 })),
        freeipmi.sensors(target(5, { timeoutMs: 3000 })),
      ]);
      // While they wait on the silent BMC: the tools are there, their credential files are
      // 0600 in 0700 directories, and (checked by the sampler) no password is visible.
      await sleep(500);
      // Credential files first: they exist only while the tools run.
      const dirs = await readdir(credBase);
      const modes = await Promise.all(
        dirs.map(async (d) => [
          (await stat(join(credBase, d))).mode & 0o777,
          ...(await Promise.all(
            (await readdir(join(credBase, d))).map(
              async (f) => (await stat(join(credBase, d, f))).mode & 0o777,
            ),
          )),
        ]),
      );
      const inFlight = await processesMentioning(port);
      assert.ok(
        inFlight.some((p) => p.includes('ipmitool')),
        inFlight.join('\n'),
      );
      assert.ok(
        inFlight.some((p) => p.includes('ipmi-sensors')),
        inFlight.join('\n'),
      );
      assert.equal(dirs.length, 2, `credential dirs in flight: ${dirs.join(' ')}`);
      assert.deepEqual(modes, [
        [0o700, 0o600],
        [0o700, 0o600],
      ]);
      const [viaIpmitool, viaFreeipmi] = await running;
      assert.ok(viaIpmitool && viaFreeipmi);
      assert.equal(viaIpmitool.error?.code, 'COL_BMC_TIMEOUT');
      assert.equal(viaIpmitool.timedOut, true, 'killed by the deadline');
      assert.equal(viaIpmitool.exitCode, null);
      assert.ok(viaIpmitool.durationMs < 1500 + 500 + 500, `${viaIpmitool.durationMs}`);
      assert.equal(viaFreeipmi.error?.code, 'COL_BMC_TIMEOUT');
      assert.ok(viaFreeipmi.durationMs < 3000 + 500 + 500, `${viaFreeipmi.durationMs}`);
      if (!viaFreeipmi.timedOut) assert.match(viaFreeipmi.stderr, /connection timeout/);
      assert.deepEqual(
        await processesMentioning(port),
        [],
        'no ipmitool / ipmi-* left for the hung BMC',
      );
    } finally {
      await fleet.resume(5);
    }
    assertOk(await freeipmi.sensors(target(5)));
  });

  test('after a BMC restart the stale SDR cache is rebuilt on the fly', async (t) => {
    try {
      await fleet.restart(4);
    } catch (err) {
      // Seen twice in ~25 runs: the restarted ipmi_sim exited at once. That is the fleet's
      // to fix; note it and try once more rather than fail the drivers' test.
      const log = await readFile(join(fleet.home, 'bmc4', 'log'), 'utf8').catch(() => '');
      t.diagnostic(
        `fleet restart failed once: ${(err as Error).message} | log: ${log.slice(-300)}`,
      );
      await sleep(1000);
      await fleet.restart(4);
    }
    const r = await freeipmi.sensors(target(4));
    assertOk(r);
    assert.equal(r.attempts, 1, '--sdr-cache-recreate handled it in the same run');
  });
});

describe('fan-out', () => {
  test('one process over several BMCs gives the per-host results', async () => {
    const targets = [1, 2, 3].map((i) => target(i));
    await fleet.addSel(2, 'fan', 2);
    for (const [name, viaFanout, single] of [
      ['sensors', await fanoutSensors(targets, options), (t: BmcTarget) => freeipmi.sensors(t)],
      [
        'sel',
        await fanoutSel(
          targets.map((t) => ({ target: t })),
          options,
        ),
        (t: BmcTarget) => freeipmi.sel(t),
      ],
    ] as const) {
      assert.equal(viaFanout.length, 3);
      for (const [i, r] of viaFanout.entries()) {
        const t = targets[i] as BmcTarget;
        assertOk(name === 'sel' && r.stdout === '' ? { ...r, stdout: '(empty SEL)' } : r);
        assert.equal(r.via, 'fanout', name);
        assert.equal(r.port, t.port);
        assert.equal(r.stdout, (await single(t)).stdout, `${name} of ${t.port}`);
      }
      const first = viaFanout[0] as DriverResult;
      assert.ok(first.args.includes('--always-prefix'));
      assert.ok(
        first.args.includes(
          `127.0.0.1:${targets[0]?.port},127.0.0.1:${targets[1]?.port},127.0.0.1:${targets[2]?.port}`,
        ),
      );
    }
  });

  test('a dead host fails alone, within its deadline, without a re-run', async () => {
    const deadline = 2000;
    const targets = [
      target(1),
      target(2),
      { ...target(3, { timeoutMs: deadline }), port: deadPort },
    ];
    const results = await fanoutSensors(
      targets.map((t) => ({ ...t, timeoutMs: deadline })),
      options,
    );
    const [a, b, dead] = results;
    assert.ok(a && b && dead);
    assertOk(a);
    assertOk(b);
    assert.equal(dead.error?.code, 'COL_BMC_TIMEOUT');
    assert.equal(dead.via, 'fanout');
    assert.equal(dead.attempts, 1);
    assert.equal(dead.stdout, '');
    assert.ok(dead.durationMs < deadline + 1000, `${dead.durationMs}`);
  });

  test("fallback 'all' re-runs a failed host on its own", async () => {
    const targets = [target(1), { ...target(2), port: deadPort }].map((t) => ({
      ...t,
      timeoutMs: 1500,
    }));
    const [ok, dead] = await fanoutSensors(targets, { ...options, fallback: 'all' });
    assert.ok(ok && dead);
    assert.equal(ok.via, 'fanout');
    assert.equal(dead.via, 'single');
    assert.equal(dead.attempts, 2);
    assert.equal(dead.error?.code, 'COL_BMC_TIMEOUT');
  });
});

describe('probe', () => {
  test('a healthy BMC: every step works', async () => {
    const r = await probe(target(1), freeipmi);
    assert.equal(r.ok, true, JSON.stringify(r.steps, null, 2));
    assert.deepEqual(
      r.steps.map((s) => s.name),
      ['rmcp-ping', 'session', 'sensors', 'sel-info', 'dcmi', 'chassis'],
    );
    for (const s of r.steps) {
      if (s.name === 'dcmi' && !fleet.dcmi) continue;
      assert.equal(s.ok, true, `${s.name}: ${s.detail}`);
    }
  });

  test('a wrong password: reachable, session refused with the reason, the rest skipped', async () => {
    const r = await probe(target(1, { password: WRONG_PASSWORD }), ipmitool);
    const [ping, session, ...rest] = r.steps;
    assert.equal(r.ok, false);
    assert.equal(ping?.ok, true);
    assert.equal(session?.errorCode, 'COL_BMC_AUTH');
    assert.match(session?.detail ?? '', /RAKP 2 HMAC is invalid/);
    assert.ok(rest.every((s) => s.skipped === true));
    assert.ok(!JSON.stringify(r).includes(WRONG_PASSWORD));
  });

  test('nothing listening: the ping says refused, the session times out', async () => {
    const r = await probe({ ...target(1, { timeoutMs: 1500 }), port: deadPort }, freeipmi);
    assert.equal(r.steps[0]?.errorCode, 'COL_BMC_REFUSED');
    assert.equal(r.steps[1]?.errorCode, 'COL_BMC_TIMEOUT');
  });
});

describe('secrets', () => {
  test('no process ever showed a password in its command line or environment', async () => {
    sampling = false;
    await samplerDone;
    assert.deepEqual(leaks, []);
    const tools = new Set([...toolsSeen].map((s) => s.split(':')[1]));
    assert.ok(toolsSeen.size >= 5, `sampler saw only ${[...toolsSeen].join(', ')}`);
    assert.ok(tools.has('ipmitool') && tools.has('ipmi-sensors'), [...tools].join(', '));
  });

  test('every credential file is gone', async () => {
    assert.deepEqual(await readdir(credBase), []);
  });
});
