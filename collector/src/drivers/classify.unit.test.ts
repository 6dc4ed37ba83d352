/**
 * Classification over stderr the tools really printed (FreeIPMI 1.6.10, ipmitool 1.8.19,
 * Debian 12) against ipmi_sim: stopped, hung with SIGSTOP, wrong credentials, the MC
 * disabled (`mc_disable 0x20`), no DCMI plug-in, unsupported cipher suites, bad hosts.
 * Durations are the measured ones; they matter for ipmitool's one-message-fits-all
 * session failure.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { classify, isSdrCacheStale, type ClassifyInput } from './classify.js';
import type { CollectorErrorCode } from '../errors.js';

interface Case {
  readonly name: string;
  readonly stderr: string;
  readonly durationMs?: number;
  readonly toolTimeoutMs?: number;
  readonly expect: CollectorErrorCode | null;
  /** The reason must contain this (it is the deciding line). */
  readonly reason?: string;
}

const SESSION_FAILED = 'Error: Unable to establish IPMI v2 / RMCP+ session\n';

const FREEIPMI: readonly Case[] = [
  {
    name: 'wrong password',
    stderr: 'ipmi-sensors: password invalid\n',
    expect: 'COL_BMC_AUTH',
    reason: 'password invalid',
  },
  { name: 'unknown user', stderr: 'ipmi-sensors: username invalid\n', expect: 'COL_BMC_AUTH' },
  {
    name: 'LAN_2_0 without -W opensesspriv on ipmi_sim',
    stderr: 'ipmi-sensors: privilege level cannot be obtained for this user\n',
    expect: 'COL_BMC_AUTH',
  },
  {
    name: 'IPMI 1.5, user limited to USER asks for ADMIN',
    stderr: 'ipmi-sel: privilege level cannot be obtained for this user\n',
    expect: 'COL_BMC_AUTH',
  },
  {
    name: 'password verification timeout (libfreeipmi)',
    stderr: 'bmc-info: password verification timeout\n',
    expect: 'COL_BMC_AUTH',
  },
  { name: 'k_g invalid (libfreeipmi)', stderr: 'ipmi-sel: k_g invalid\n', expect: 'COL_BMC_AUTH' },
  {
    name: 'unresolvable host',
    stderr: 'ipmi-sensors: invalid hostname\n',
    expect: 'COL_BMC_REFUSED',
  },
  {
    name: 'nothing listening (20 s default)',
    stderr: 'ipmi-sensors: connection timeout\n',
    durationMs: 20018,
    expect: 'COL_BMC_TIMEOUT',
  },
  {
    name: 'hung BMC (SIGSTOP)',
    stderr: 'ipmi-sel: connection timeout\n',
    durationMs: 2011,
    expect: 'COL_BMC_TIMEOUT',
  },
  {
    name: 'cipher suite 8 against ipmi_sim',
    stderr: 'ipmi_ctx_open_outofband_2_0: session timeout\n',
    durationMs: 2013,
    expect: 'COL_BMC_TIMEOUT',
  },
  {
    name: 'cipher suite 17 (rejected locally)',
    stderr: 'ipmi_ctx_open_outofband_2_0: internal IPMI error\n',
    expect: 'COL_BMC_PROTOCOL',
  },
  {
    name: 'no DCMI on the BMC',
    stderr: 'ipmi_cmd_dcmi_get_power_reading: command invalid or unsupported\n',
    expect: 'COL_BMC_PROTOCOL',
  },
  {
    name: 'MC disabled: sensors',
    stderr: 'ipmi_sdr_cache_create: internal IPMI error\n',
    expect: 'COL_BMC_PROTOCOL',
  },
  {
    name: 'MC disabled: bmc-info',
    stderr: 'ipmi_cmd_get_device_id: bad completion code\n',
    expect: 'COL_BMC_PROTOCOL',
  },
  {
    name: 'session timeout below retransmission timeout',
    stderr: 'ipmi_ctx_open_outofband_2_0: invalid parameters\n',
    expect: 'COL_TOOL_FAILED',
  },
  {
    name: 'broadcast address',
    stderr: 'ipmi_ctx_open_outofband_2_0: internal error\n',
    expect: 'COL_TOOL_FAILED',
  },
  {
    name: 'stale SDR cache after a BMC restart',
    stderr:
      "SDR Cache '/tmp/sdr/.freeipmi/sdr-cache/sdr-cache-vm.127.0.0.1:9502' out of date: Please flush the cache and regenerate it\n",
    expect: 'COL_TOOL_FAILED',
    reason: 'out of date',
  },
  {
    name: 'corrupt SDR cache',
    stderr:
      "SDR Cache '/tmp/sdr/.freeipmi/sdr-cache/sdr-cache-vm.127.0.0.1:9502' invalid: Please flush the cache and regenerate it\n",
    expect: 'COL_TOOL_FAILED',
  },
  {
    name: 'SDR cache directory missing',
    stderr: "insufficient permission on SDR cache directory '/tmp/drv-x/sdr2'\n",
    expect: 'COL_TOOL_FAILED',
  },
  {
    name: 'config file missing',
    stderr: 'Config File Error: configuration file does not exist\n',
    expect: 'COL_TOOL_FAILED',
  },
  {
    name: 'thresholds abort: exit 1, nothing on stderr',
    stderr: '',
    expect: 'COL_TOOL_FAILED',
    reason: 'nothing on stderr',
  },
];

const IPMITOOL: readonly Case[] = [
  {
    name: 'wrong password',
    stderr: SESSION_FAILED,
    durationMs: 104,
    toolTimeoutMs: 2000,
    expect: 'COL_BMC_AUTH',
  },
  {
    name: 'unknown user',
    stderr: SESSION_FAILED,
    durationMs: 56,
    toolTimeoutMs: 2000,
    expect: 'COL_BMC_AUTH',
  },
  {
    name: 'nothing listening, -R 1 -N 1',
    stderr: SESSION_FAILED,
    durationMs: 2076,
    toolTimeoutMs: 1000,
    expect: 'COL_BMC_TIMEOUT',
  },
  {
    name: 'hung BMC, -R 1 -N 1',
    stderr: SESSION_FAILED,
    durationMs: 2078,
    toolTimeoutMs: 1000,
    expect: 'COL_BMC_TIMEOUT',
  },
  {
    name: '-v wrong password',
    stderr: `Loading IANA PEN Registry...\n> RAKP 2 HMAC is invalid\n${SESSION_FAILED}`,
    durationMs: 65,
    toolTimeoutMs: 2000,
    expect: 'COL_BMC_AUTH',
    reason: 'RAKP 2 HMAC is invalid',
  },
  {
    name: '-v unknown user',
    stderr: `Loading IANA PEN Registry...\nRAKP 2 message indicates an error : unauthorized name\n${SESSION_FAILED}`,
    durationMs: 59,
    toolTimeoutMs: 2000,
    expect: 'COL_BMC_AUTH',
    reason: 'unauthorized name',
  },
  {
    name: '-v nothing listening',
    stderr: `Loading IANA PEN Registry...\nGet Auth Capabilities error\nError issuing Get Channel Authentication Capabilities request\n${SESSION_FAILED}`,
    durationMs: 2075,
    toolTimeoutMs: 1000,
    expect: 'COL_BMC_TIMEOUT',
  },
  {
    name: 'unresolvable host',
    stderr: `Address lookup for nosuchhost.invalid failed\nCould not open socket!\n${SESSION_FAILED}`,
    durationMs: 63,
    expect: 'COL_BMC_REFUSED',
    reason: 'Address lookup',
  },
  {
    name: 'broadcast address',
    stderr: `Could not open socket!\n${SESSION_FAILED}`,
    durationMs: 60,
    expect: 'COL_BMC_REFUSED',
  },
  {
    name: 'cipher suite 17 against ipmi_sim',
    stderr: `Error in open session response message : invalid authentication algorithm\n\n${SESSION_FAILED}`,
    durationMs: 115,
    expect: 'COL_BMC_PROTOCOL',
  },
  {
    name: 'cipher suite 8 against ipmi_sim (no answer)',
    stderr: `Set Session Privilege Level to ADMINISTRATOR failed\n${SESSION_FAILED}Close Session command failed\n`,
    durationMs: 2078,
    toolTimeoutMs: 1000,
    expect: 'COL_BMC_TIMEOUT',
  },
  {
    name: 'IPMI 1.5 privilege above the user limit',
    stderr:
      'Activate Session error:\tRequested privilege level exceeds limit\nError: Unable to establish LAN session\nError: Unable to establish IPMI v1.5 / RMCP session\n',
    durationMs: 46,
    expect: 'COL_BMC_AUTH',
  },
  {
    name: 'USER session clearing the SEL',
    stderr:
      'Get HPM.x Capabilities request failed, compcode = d4\nUnable to clear SEL: Insufficient privilege level\n',
    expect: 'COL_BMC_AUTH',
    reason: 'Insufficient privilege',
  },
  {
    name: 'MC disabled: mc info',
    stderr:
      'Get HPM.x Capabilities request failed, compcode = ff\nGet Device ID command failed: 0xff Unspecified error\nGet Device ID command failed: Unspecified error\n',
    expect: 'COL_BMC_PROTOCOL',
    reason: 'Get Device ID command failed',
  },
  {
    name: 'MC disabled: sensor',
    stderr:
      'Get HPM.x Capabilities request failed, compcode = ff\nGet Device ID command failed: 0xff Unspecified error\nGet Device ID command failed: 0xff Unspecified error\nUnable to open SDR for reading\n',
    expect: 'COL_BMC_PROTOCOL',
  },
  {
    name: 'MC disabled: sel elist',
    stderr:
      'Get HPM.x Capabilities request failed, compcode = ff\nGet Device ID command failed: 0xff Unspecified error\nGet SEL Info command failed: Unspecified error\n',
    expect: 'COL_BMC_PROTOCOL',
  },
  {
    name: 'no DCMI plug-in',
    stderr: '\n    DCMI request failed because: Invalid command (c1)\n',
    expect: 'COL_BMC_PROTOCOL',
    reason: 'DCMI request failed',
  },
  {
    name: 'password file missing (never passed by the driver)',
    stderr:
      'File /tmp/x does not exist\nUnable to open password file /tmp/x\nUnable to read password from file /tmp/x\nPassword: Error: Unable to establish IPMI v2 / RMCP+ session\n',
    durationMs: 65,
    toolTimeoutMs: 2000,
    expect: 'COL_BMC_AUTH',
  },
];

function run(c: Case): ReturnType<typeof classify> {
  const input: ClassifyInput = {
    termination: 'exit',
    exitCode: 1,
    stderr: c.stderr,
    durationMs: c.durationMs ?? 20,
    toolTimeoutMs: c.toolTimeoutMs,
  };
  return classify(input);
}

for (const [tool, cases] of [
  ['FreeIPMI 1.6.10', FREEIPMI],
  ['ipmitool 1.8.19', IPMITOOL],
] as const) {
  describe(`classify: ${tool} stderr`, () => {
    for (const c of cases) {
      test(c.name, () => {
        const got = run(c);
        assert.equal(got.code, c.expect, `reason: ${got.reason}`);
        if (c.reason !== undefined) assert.match(got.reason, new RegExp(c.reason));
      });
    }
  });
}

describe('classify: how the run ended', () => {
  test('exit 0 is success even with ipmitool noise on stderr', () => {
    const got = classify({
      termination: 'exit',
      exitCode: 0,
      stderr: 'Get HPM.x Capabilities request failed, compcode = d4\n',
      durationMs: 40,
    });
    assert.deepEqual(got, { code: null, reason: 'ok' });
  });
  test('the deadline is a timeout whatever stderr says', () => {
    const got = classify({
      termination: 'timeout',
      exitCode: null,
      stderr: 'password invalid',
      durationMs: 1500,
      deadlineMs: 1500,
    });
    assert.equal(got.code, 'COL_BMC_TIMEOUT');
    assert.match(got.reason, /1500 ms/);
  });
  test('ENOENT and EACCES mean the tool is missing', () => {
    for (const spawnErrorCode of ['ENOENT', 'EACCES']) {
      const got = classify({
        termination: 'spawn-error',
        exitCode: null,
        stderr: '',
        durationMs: 1,
        spawnErrorCode,
      });
      assert.equal(got.code, 'COL_TOOL_MISSING');
    }
  });
  test('other spawn errors are tool failures', () => {
    const got = classify({
      termination: 'spawn-error',
      exitCode: null,
      stderr: '',
      durationMs: 1,
      spawnErrorCode: 'EMFILE',
    });
    assert.equal(got.code, 'COL_TOOL_FAILED');
  });
  test('the output cap', () => {
    const got = classify({
      termination: 'output-limit',
      exitCode: null,
      stderr: '',
      durationMs: 5,
    });
    assert.equal(got.code, 'COL_OUTPUT_TOO_LARGE');
  });
  test('abort at shutdown', () => {
    const got = classify({ termination: 'aborted', exitCode: null, stderr: '', durationMs: 5 });
    assert.equal(got.code, 'COL_TOOL_FAILED');
  });
  test('reasons are clipped to 200 characters', () => {
    const got = classify({
      termination: 'exit',
      exitCode: 1,
      stderr: `weird ${'x'.repeat(500)}\n`,
      durationMs: 10,
    });
    assert.ok(got.reason.length <= 200);
  });
});

describe('isSdrCacheStale', () => {
  test('matches out of date and invalid, nothing else', () => {
    assert.equal(
      isSdrCacheStale(
        "SDR Cache '/x/sdr-cache-h.1.2.3.4:623' out of date: Please flush the cache and regenerate it",
      ),
      true,
    );
    assert.equal(
      isSdrCacheStale(
        "SDR Cache '/x/sdr-cache-h.1.2.3.4:623' invalid: Please flush the cache and regenerate it",
      ),
      true,
    );
    assert.equal(isSdrCacheStale('ipmi-sensors: connection timeout'), false);
  });
});
