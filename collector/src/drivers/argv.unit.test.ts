/**
 * argv construction for both drivers: the right options per command, and never a
 * password, however odd, on a command line.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeipmiConfigText, ipmitoolPasswordText } from './credentials.js';
import { redactArgs, scrub, validateTarget } from './exec.js';
import {
  createFreeIpmiDriver,
  freeipmiArgs,
  freeipmiCommand,
  freeipmiTimeouts,
  MAX_SEL_RECORD_ID,
} from './freeipmi.js';
import { createIpmitoolDriver, ipmitoolArgs, ipmitoolTimeouts } from './ipmitool.js';
import type { BmcTarget, DriverCommand } from './types.js';

const COMMANDS: readonly DriverCommand[] = [
  'sensors',
  'sel',
  'selInfo',
  'selTime',
  'dcmiPower',
  'chassisStatus',
  'bmcInfo',
  'fru',
];

const PASSWORDS = [
  'S3cr3t-pw',
  'a b"c#d\\e',
  '--password=x',
  "it's;$(rm -rf)",
  'pässwörd',
  '12345678901234567890',
];

function target(over: Partial<BmcTarget> = {}): BmcTarget {
  return {
    host: '10.1.2.3',
    port: 623,
    username: 'monitor',
    password: 'S3cr3t-pw',
    timeoutMs: 5000,
    sdrCacheDir: '/var/lib/ipmi-monitor/sdr',
    ...over,
  };
}

const CRED = '/dev/shm/ipmi-monitor-cred-1-abc/cred';

function valueAfter(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
}

describe('no password on any command line', () => {
  for (const password of PASSWORDS) {
    test(`password ${JSON.stringify(password)}`, () => {
      const t = target({ password });
      for (const command of COMMANDS) {
        const all = [
          ...freeipmiArgs(command, t, CRED, { fromRecordId: 7 }),
          ...ipmitoolArgs(command, t, CRED),
          ...ipmitoolArgs(command, t, CRED, { diagnose: true }),
        ];
        for (const arg of all) {
          assert.ok(!arg.includes(password), `${command}: ${arg}`);
        }
      }
    });
  }
});

describe('FreeIPMI argv', () => {
  test('connection options: LAN_2_0, host:port, user, privilege, cipher, one -W list', () => {
    const args = freeipmiArgs(
      'sensors',
      target({
        privilege: 'ADMIN',
        cipherSuite: 3,
        workaroundFlags: ['opensesspriv', 'ignorescanningdisabled'],
      }),
      CRED,
    );
    assert.equal(valueAfter(args, '--config-file'), CRED);
    assert.equal(valueAfter(args, '-D'), 'LAN_2_0');
    assert.equal(valueAfter(args, '-h'), '10.1.2.3:623');
    assert.equal(valueAfter(args, '-u'), 'monitor');
    assert.equal(valueAfter(args, '-l'), 'ADMIN');
    assert.equal(valueAfter(args, '-I'), '3');
    assert.equal(valueAfter(args, '-W'), 'opensesspriv,ignorescanningdisabled');
    assert.equal(args.filter((a) => a === '-W').length, 1);
    assert.ok(!args.includes('-p') && !args.includes('-P'), 'no password options');
  });

  test('no privilege, cipher or flags unless configured', () => {
    const args = freeipmiArgs('sensors', target(), CRED);
    for (const flag of ['-l', '-I', '-W']) assert.ok(!args.includes(flag), flag);
  });

  test('sensors: CSV with state and thresholds, SDR cache per directory, recreated when stale', () => {
    const args = freeipmiArgs('sensors', target(), CRED);
    for (const a of [
      '--comma-separated-output',
      '--output-sensor-state',
      '--output-sensor-thresholds',
      '--ignore-not-available-sensors',
      '--sdr-cache-directory=/var/lib/ipmi-monitor/sdr',
      '--quiet-cache',
      '--sdr-cache-recreate',
      '--sensor-state-config-file=/dev/null',
    ]) {
      assert.ok(args.includes(a), a);
    }
  });

  test('sel: CSV, event state, direction (-v), and a range when asked', () => {
    const all = freeipmiArgs('sel', target(), CRED);
    assert.ok(all.includes('-v') && all.includes('--output-event-state'));
    assert.ok(all.includes('--event-state-config-file=/dev/null'));
    assert.ok(!all.some((a) => a.startsWith('--display-range')));
    const from = freeipmiArgs('sel', target(), CRED, { fromRecordId: 42 });
    assert.ok(from.includes(`--display-range=42-${MAX_SEL_RECORD_ID}`));
    assert.equal(
      MAX_SEL_RECORD_ID,
      65534,
      'FreeIPMI rejects 65535 ("invalid range record number")',
    );
    assert.ok(
      freeipmiArgs('sel', target(), CRED, { fromRecordId: 0 }).includes('--display-range=1-65534'),
    );
    assert.ok(
      freeipmiArgs('sel', target(), CRED, { fromRecordId: 99999 }).includes(
        '--display-range=65534-65534',
      ),
    );
  });

  test('tools and formats', () => {
    const expected: Record<DriverCommand, [string, string, readonly string[]]> = {
      sensors: ['ipmi-sensors', 'freeipmi-sensors', []],
      sel: ['ipmi-sel', 'freeipmi-sel', []],
      selInfo: ['ipmi-sel', 'freeipmi-sel-info', ['--info', '--ignore-sdr-cache']],
      selTime: ['bmc-device', 'freeipmi-sel-time', ['--get-sel-time']],
      dcmiPower: ['ipmi-dcmi', 'freeipmi-dcmi', ['--get-system-power-statistics']],
      chassisStatus: ['ipmi-chassis', 'freeipmi-chassis-status', ['--get-chassis-status']],
      bmcInfo: ['bmc-info', 'freeipmi-bmc-info', []],
      fru: ['ipmi-fru', 'freeipmi-fru', []],
    };
    for (const command of COMMANDS) {
      const [tool, format, args] = expected[command];
      const spec = freeipmiCommand(command);
      assert.equal(spec.tool, tool);
      assert.equal(spec.format, format);
      for (const a of args) assert.ok(spec.args.includes(a), `${command} ${a}`);
      // Tools without an SDR must not get SDR options: bmc-info rejects them (exit 64).
      const full = freeipmiArgs(command, target(), CRED);
      assert.equal(full.includes('--quiet-cache'), spec.usesSdr, command);
    }
  });

  test('session timeout below the deadline, retransmission below the session timeout', () => {
    for (const deadline of [100, 1000, 1500, 3000, 5000, 20_000, 120_000]) {
      const { sessionTimeoutMs, retransmissionTimeoutMs } = freeipmiTimeouts(deadline);
      assert.ok(retransmissionTimeoutMs < sessionTimeoutMs, `deadline ${deadline}`);
      assert.ok(sessionTimeoutMs >= 1000);
      if (deadline >= 2000) assert.ok(sessionTimeoutMs <= deadline / 2);
    }
    const args = freeipmiArgs('bmcInfo', target({ timeoutMs: 4000 }), CRED);
    assert.ok(args.includes('--session-timeout=2000'));
    assert.ok(args.includes('--retransmission-timeout=500'));
  });
});

describe('ipmitool argv', () => {
  test('lanplus, host, port, user, password file, privilege name, cipher, retries', () => {
    const args = ipmitoolArgs('sel', target({ privilege: 'ADMIN', cipherSuite: 3 }), CRED);
    assert.deepEqual(args, [
      '-I',
      'lanplus',
      '-H',
      '10.1.2.3',
      '-p',
      '623',
      '-U',
      'monitor',
      '-f',
      CRED,
      '-L',
      'ADMINISTRATOR',
      '-C',
      '3',
      '-R',
      '1',
      '-N',
      '2',
      'sel',
      'elist',
    ]);
  });
  test('subcommands', () => {
    const sub = (c: DriverCommand) => ipmitoolArgs(c, target(), CRED).slice(-3).join(' ');
    assert.match(sub('sensors'), /sensor$/);
    assert.match(sub('selInfo'), /sel info$/);
    assert.match(sub('selTime'), /sel time get$/);
    assert.match(sub('dcmiPower'), /dcmi power reading$/);
    assert.match(sub('chassisStatus'), /chassis status$/);
    assert.match(sub('bmcInfo'), /mc info$/);
    assert.match(sub('fru'), /fru$/);
  });
  test('-v only when diagnosing, in front', () => {
    assert.ok(!ipmitoolArgs('bmcInfo', target(), CRED).includes('-v'));
    assert.equal(ipmitoolArgs('bmcInfo', target(), CRED, { diagnose: true })[0], '-v');
  });
  test('empty password: -P "" instead of a file ipmitool would misread', () => {
    const args = ipmitoolArgs('bmcInfo', target({ password: '' }), null);
    assert.equal(valueAfter(args, '-P'), '');
    assert.ok(!args.includes('-f'));
  });
  test('-N keeps ipmitool under the deadline (2·N ≤ 0.8·deadline where possible)', () => {
    assert.deepEqual(ipmitoolTimeouts(1500), { retries: 1, timeoutSeconds: 1 });
    assert.deepEqual(ipmitoolTimeouts(5000), { retries: 1, timeoutSeconds: 2 });
    assert.deepEqual(ipmitoolTimeouts(10_000), { retries: 1, timeoutSeconds: 4 });
  });
});

describe('credential file contents', () => {
  test('FreeIPMI: quoted, with \\ " # escaped (checked against FreeIPMI 1.6.10)', () => {
    assert.equal(freeipmiConfigText('secret'), 'password "secret"\n');
    assert.equal(freeipmiConfigText('a b"c#d\\e'), 'password "a b\\"c\\#d\\\\e"\n');
    assert.equal(freeipmiConfigText(''), 'password ""\n');
  });
  test('ipmitool: the password and a newline', () => {
    assert.equal(ipmitoolPasswordText('a b"c#d\\e'), 'a b"c#d\\e\n');
  });
  test('unusable passwords are COL_TARGET_INVALID and the message hides them', () => {
    for (const [pw, fn] of [
      ['line\nbreak', freeipmiConfigText],
      ['tab\there', ipmitoolPasswordText],
      ['x'.repeat(21), freeipmiConfigText],
      ['ü'.repeat(11), ipmitoolPasswordText],
    ] as const) {
      assert.throws(
        () => fn(pw),
        (err: Error & { code?: string }) =>
          err.code === 'COL_TARGET_INVALID' && !err.message.includes(pw),
      );
    }
    // A tab is fine for FreeIPMI (quoted), not for ipmitool (it cuts the line there).
    assert.equal(freeipmiConfigText('a\tb'), 'password "a\tb"\n');
  });
});

describe('targets', () => {
  test('validateTarget rejects what a tool would misread', () => {
    const bad: Partial<BmcTarget>[] = [
      { host: '10.0.0.1,10.0.0.2' },
      { host: 'node[1-4]' },
      { host: 'bad host' },
      { host: '-h' },
      { host: '' },
      { host: 'fe80::1' },
      { port: 0 },
      { port: 70000 },
      { port: 1.5 },
      { username: 'x'.repeat(17) },
      { username: 'a\nb' },
      { privilege: 'ROOT' as never },
      { cipherSuite: -1 },
      { workaroundFlags: ['open sesspriv'] },
      { timeoutMs: 10 },
      { sdrCacheDir: 'relative/dir' },
    ];
    for (const over of bad) {
      assert.throws(
        () => validateTarget(target(over)),
        (err: Error & { code?: string }) => err.code === 'COL_TARGET_INVALID',
        JSON.stringify(over),
      );
    }
    validateTarget(
      target({ host: 'bmc-01.rack2.example.com', privilege: 'OPERATOR', cipherSuite: 17 }),
    );
  });

  test('a driver returns (never throws) COL_TARGET_INVALID, without the password', async () => {
    for (const driver of [createFreeIpmiDriver(), createIpmitoolDriver()]) {
      const r = await driver.sensors(target({ host: 'a,b', password: 'hunter2-hunter2' }));
      assert.equal(r.ok, false);
      assert.equal(r.error?.code, 'COL_TARGET_INVALID');
      assert.ok(!JSON.stringify(r).includes('hunter2'));
      assert.equal(r.attempts, 0);
    }
  });

  test('a missing tool is COL_TOOL_MISSING and leaves no credential directory', async () => {
    const base = await mkdtemp(join(tmpdir(), 'drivers-unit-'));
    try {
      for (const driver of [
        createFreeIpmiDriver({ binDir: '/nonexistent-bin', credentialBaseDir: base }),
        createIpmitoolDriver({ binDir: '/nonexistent-bin', credentialBaseDir: base }),
      ]) {
        const r = await driver.bmcInfo(target({ sdrCacheDir: join(base, 'sdr') }));
        assert.equal(r.error?.code, 'COL_TOOL_MISSING', r.error?.message);
        assert.equal(r.exitCode, null);
        assert.ok(r.args.includes('<credentials>'), 'the credential path is redacted');
      }
      assert.deepEqual(await readdir(base), []);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});

describe('redaction helpers', () => {
  test('redactArgs replaces the credential path, inside = forms too', () => {
    assert.deepEqual(redactArgs(['--config-file', CRED, `--x=${CRED}`], CRED), [
      '--config-file',
      '<credentials>',
      '--x=<credentials>',
    ]);
  });
  test('scrub hides the password in text, but leaves very short ones alone', () => {
    assert.equal(scrub('bad S3cr3t-pw here S3cr3t-pw', 'S3cr3t-pw'), 'bad *** here ***');
    assert.equal(scrub('abc', 'ab'), 'abc');
  });
});
