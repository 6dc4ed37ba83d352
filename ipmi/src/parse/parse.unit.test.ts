import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isIpmiError } from '../errors.js';
import { parseSeverityOverrides } from '../severity/overrides.js';
import { FORMATS, parse, parseDetailed } from './index.js';

function throwsCode(fn: () => unknown, code: string, pattern?: RegExp): void {
  assert.throws(
    fn,
    (err: unknown) => isIpmiError(err) && err.code === code && (pattern?.test(err.message) ?? true),
  );
}

const SEL_OK = '   1 | 11/28/26 | 14:03:41 UTC | Memory #0x01 | Correctable ECC | Asserted';

describe('parse: error policy', () => {
  test('an unknown format is a coded error that lists the known formats', () => {
    throwsCode(
      () => parse('ipmitool-fru-print', ''),
      'IPMI_UNKNOWN_FORMAT',
      /known formats: ipmitool-sel-elist, freeipmi-sel, .*freeipmi-dcmi/,
    );
  });

  test('empty output is no records, not an error', () => {
    for (const f of FORMATS) assert.deepEqual(parse(f, ''), []);
    assert.deepEqual(parse('ipmitool-sel-elist', '\n\nSEL has no entries\n'), []);
  });

  test('good lines are kept, bad lines reported with their line numbers', () => {
    const r = parseDetailed('ipmitool-sel-elist', `garbage\n${SEL_OK}\nmore | garbage\n`);
    assert.deepEqual(
      r.records.map((x) => x.line),
      [2],
    );
    assert.deepEqual(
      r.issues.map((x) => [x.line, x.code]),
      [
        [1, 'IPMI_PARSE_FAILED'],
        [3, 'IPMI_PARSE_FAILED'],
      ],
    );
    assert.match(r.issues[0]?.message ?? '', /^line 1: /);
    // parse() keeps the records and does not throw.
    assert.equal(parse('ipmitool-sel-elist', `garbage\n${SEL_OK}\n`).length, 1);
  });

  test('nothing parsed: IPMI_PARSE_FAILED naming the first bad line', () => {
    throwsCode(
      () => parse('ipmitool-sel-elist', '\nhello\nworld\n'),
      'IPMI_PARSE_FAILED',
      /line 2: .*\(and 1 more line\)/,
    );
  });

  test('only tool errors: IPMI_TOOL_ERROR quoting the tool', () => {
    throwsCode(
      () => parse('freeipmi-sensors', 'node1: ipmi-sensors: connection timeout\n'),
      'IPMI_TOOL_ERROR',
      /for node1: ipmi-sensors: connection timeout/,
    );
    throwsCode(
      () => parse('ipmitool-sensor', 'Error: Unable to establish IPMI v2 / RMCP+ session\n'),
      'IPMI_TOOL_ERROR',
    );
  });

  test('input that is not a string is a coded error', () => {
    throwsCode(() => parse('ipmitool-sensor', 42 as unknown as string), 'IPMI_PARSE_FAILED');
  });
});

describe('parse: quirks', () => {
  test('| inside the event text of sel elist', () => {
    const [r] = parse(
      'ipmitool-sel-elist',
      '  1a | 11/28/26 | 15:58:20 UTC | Memory #0x01 | Correctable ECC (Correctable ECC | Card A DIMM1, DIMM2) | Asserted',
    );
    assert.equal(r?.event, 'Correctable ECC (Correctable ECC | Card A DIMM1, DIMM2)');
    assert.equal(r?.direction, 'asserted');
    assert.equal(r?.recordNumber, 0x1a);
  });

  test('Pre-Init timestamps keep the seconds since BMC start', () => {
    const [r] = parse(
      'ipmitool-sel-elist',
      '  1b |  Pre-Init  |0000000003| System Event #0x05 | OEM System boot event | Asserted',
    );
    assert.equal(r?.timestamp, null);
    assert.equal(r?.preInit, true);
    assert.equal(r?.preInitSeconds, 3);
    assert.equal(r?.timestampRaw, 'Pre-Init');
  });

  test('day-first dates are recognised from the output as a whole', () => {
    const text = [
      '   1 | 03/11/26 | 14:03:41 | Memory #0x01 | Correctable ECC | Asserted',
      '   2 | 28/11/26 | 14:03:42 | Memory #0x01 | Correctable ECC | Asserted',
    ].join('\n');
    assert.deepEqual(
      parse('ipmitool-sel-elist', text).map((r) => r.timestamp),
      ['2026-11-03T14:03:41', '2026-11-28T14:03:42'],
    );
  });

  test('FreeIPMI record ids are decimal, ipmitool ids hex', () => {
    const [fi] = parse(
      'freeipmi-sel',
      '26,Nov-28-2026,15:58:20,CPU Temp,Memory,Correctable memory error',
    );
    assert.equal(fi?.recordNumber, 26);
    const [it] = parse(
      'ipmitool-sel-elist',
      '  26 | 11/28/26 | 15:58:20 UTC | Memory #0x01 | Correctable ECC | Asserted',
    );
    assert.equal(it?.recordNumber, 0x26);
  });

  test('na, N/A, No Reading and Disabled are null, never 0', () => {
    const s = parse(
      'ipmitool-sensor',
      'FAN2             | na         | RPM        | na    | na        | na        | na        | na        | na        | na        ',
    );
    assert.equal(s[0]?.value, null);
    const e = parse(
      'ipmitool-sdr-elist',
      'FAN2 | 04h | ns | 29.2 | Disabled\nCPU2 | 0Bh | ns | 3.2 | No Reading',
    );
    assert.deepEqual(
      e.map((r) => [r.value, r.state]),
      [
        [null, 'disabled'],
        [null, 'unknown'],
      ],
    );
    const f = parse('freeipmi-sensors', '5,FAN2,Fan,N/A,N/A,RPM,N/A');
    assert.deepEqual([f[0]?.value, f[0]?.state], [null, 'unknown']);
  });

  test('ipmitool sensor thresholds are LNR, LCR, LNC, UNC, UCR, UNR in that order', () => {
    const [r] = parse(
      'ipmitool-sensor',
      'FAN1 | 500.000 | RPM | cr | 300.000 | 600.000 | 1000.000 | 25300.000 | 25400.000 | 25500.000',
    );
    assert.deepEqual(r?.thresholds, {
      lnr: 300,
      lcr: 600,
      lnc: 1000,
      unc: 25300,
      ucr: 25400,
      unr: 25500,
    });
    assert.equal(r?.crossedThreshold, 'LCR');
    assert.equal(r?.state, 'critical');
  });

  test('FreeIPMI reports an upper non-critical crossing as Nominal; the event column says otherwise', () => {
    const [r] = parse(
      'freeipmi-sensors',
      "2,CPU Temp,Temperature,Nominal,85.00,C,'At or Above (>=) Upper Non-Critical Threshold'",
    );
    assert.equal(r?.state, 'warning');
    assert.equal(r?.crossedThreshold, 'UNC');
  });

  test('ipmitool sdr says ok for a failed power supply; the states say critical', () => {
    const [r] = parse(
      'ipmitool-sdr-elist',
      'PSU1 Status | 09h | ok | 10.1 | Presence detected, Failure detected',
    );
    assert.equal(r?.state, 'critical');
    assert.equal(r?.type, 'power_supply');
    assert.deepEqual(r?.discreteStates, ['Presence detected', 'Failure detected']);
  });

  test('comma-joined discrete states that contain commas', () => {
    const [r] = parse(
      'ipmitool-sdr-elist',
      'PS2 Status | 65h | ok | 10.2 | Presence detected, AC out-of-range, but present',
    );
    assert.deepEqual(r?.discreteStates, ['Presence detected', 'AC out-of-range, but present']);
    assert.equal(r?.state, 'warning');
  });

  test('host prefixes only where the output is prefixed throughout', () => {
    const plain = parse(
      'ipmitool-sdr-elist',
      'CPU1: Temp | 01h | ok | 3.1 | 40 degrees C\nFAN1 | 30h | ok | 29.1 | 4800 RPM\nFAN2 | 31h | ok | 29.2 | 4700 RPM',
    );
    assert.deepEqual(
      plain.map((r) => [r.host, r.name]),
      [
        [null, 'CPU1: Temp'],
        [null, 'FAN1'],
        [null, 'FAN2'],
      ],
    );
    const fanout = parse(
      'freeipmi-sensors',
      "n1: 2,CPU Temp,Temperature,Nominal,45.00,C,'OK'\n10.0.0.7: 2,CPU Temp,Temperature,Nominal,47.00,C,'OK'",
    );
    assert.deepEqual(
      fanout.map((r) => r.host),
      ['n1', '10.0.0.7'],
    );
  });

  test('power is "power" whatever the IPMI type when the unit is watts', () => {
    const [r] = parse('freeipmi-sensors', "9,Pwr Consumption,Current,Nominal,280.00,W,'OK'");
    assert.equal(r?.type, 'power');
  });

  test('operator overrides reach the SEL severity and discrete sensor states', () => {
    const overrides = parseSeverityOverrides(
      'rules:\n  - id: lab\n    when:\n      sensorType: physical_security\n    severity: info\n    reason: no lids\n',
    );
    const [sel] = parse(
      'ipmitool-sel-elist',
      '   9 | 11/28/26 | 15:58:17 UTC | Physical Security Intrusion | General Chassis intrusion | Asserted',
      { overrides },
    );
    assert.equal(sel?.severity, 'info');
    assert.match(sel?.severityReason ?? '', /^override:lab: /);
    const [sensor] = parse(
      'freeipmi-sensors',
      "11,Intrusion,Physical Security,Critical,N/A,N/A,'General Chassis Intrusion'",
      { overrides },
    );
    assert.equal(sensor?.state, 'ok');
  });

  test('DCMI: deactivated readings are flagged, several blocks give several records', () => {
    const text = [
      '    Instantaneous power reading:                   280 Watts',
      '    Power reading state is:                   activated',
      '    Instantaneous power reading:                     0 Watts',
      '    Power reading state is:                   deactivated',
    ].join('\n');
    assert.deepEqual(
      parse('ipmitool-dcmi', text).map((r) => [r.line, r.currentWatts, r.active]),
      [
        [1, 280, true],
        [3, 0, false],
      ],
    );
  });
});
