import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isIpmiError } from '../errors.js';
import { PARSE_USAGE, runParseCommand } from './parse.js';

describe('ipmi-monitor parse', () => {
  test('one JSON object per record, in input order, each with its line', () => {
    const input = [
      '   1 | 11/28/26 | 14:03:41 UTC | Memory #0x01 | Correctable ECC | Asserted',
      'not a SEL line',
      '   2 |  Pre-Init  |0000000003| System Event #0x05 | OEM System boot event | Asserted',
      '',
    ].join('\n');
    const issues: string[] = [];
    const out = runParseCommand('ipmitool-sel-elist', input, { onIssue: (m) => issues.push(m) });
    assert.ok(out.endsWith('\n'));
    const rows = out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      rows.map((r) => r.line),
      [1, 3],
    );
    assert.deepEqual(Object.keys(rows[0] ?? {}).slice(0, 8), [
      'kind',
      'line',
      'host',
      'recordId',
      'recordNumber',
      'timestamp',
      'timestampRaw',
      'preInit',
    ]);
    assert.equal(rows[0]?.severity, 'warning');
    assert.equal(rows[1]?.timestamp, null);
    assert.deepEqual(issues.length, 1);
    assert.match(issues[0] ?? '', /^line 2: /);
  });

  test('sensor, and DCMI output', () => {
    const sensor = runParseCommand(
      'freeipmi-sensors',
      "2,CPU Temp,Temperature,Nominal,85.00,C,'OK'\n",
    );
    const row = JSON.parse(sensor) as Record<string, unknown>;
    assert.deepEqual(
      [row.name, row.type, row.value, row.unit, row.state],
      ['CPU Temp', 'temperature', 85, 'C', 'ok'],
    );
    assert.deepEqual(row.thresholds, {
      lnr: null,
      lcr: null,
      lnc: null,
      unc: null,
      ucr: null,
      unr: null,
    });
    const dcmi = JSON.parse(
      runParseCommand('ipmitool-dcmi', '    Instantaneous power reading:   280 Watts\n'),
    ) as Record<string, unknown>;
    assert.deepEqual([dcmi.currentWatts, dcmi.active], [280, true]);
  });

  test('empty input prints nothing', () => {
    assert.equal(runParseCommand('freeipmi-sel', ''), '');
  });

  test('unknown format lists the known ones', () => {
    assert.throws(
      () => runParseCommand('sel', ''),
      (err: unknown) =>
        isIpmiError(err) &&
        err.code === 'IPMI_UNKNOWN_FORMAT' &&
        err.message.includes('ipmitool-sel-elist, freeipmi-sel'),
    );
  });

  test('the usage lists every format, the inventory and clock ones too', () => {
    for (const f of [
      'ipmitool-sel-info',
      'freeipmi-sel-time',
      'ipmitool-mc-info',
      'freeipmi-fru',
    ]) {
      assert.match(PARSE_USAGE, new RegExp(`\\b${f}\\b`));
    }
    const fru = runParseCommand(
      'ipmitool-fru',
      'FRU Device Description : Builtin FRU Device (ID 0)\r\n Product Serial        : 4QZT8K3\r\n',
    );
    const row = JSON.parse(fru) as Record<string, unknown>;
    assert.deepEqual([row.kind, row.fruId, row.productSerial], ['fru', 0, '4QZT8K3']);
  });

  test('nothing parsed is an error', () => {
    assert.throws(
      () => runParseCommand('ipmitool-sensor', 'what is this\n'),
      (err: unknown) =>
        isIpmiError(err) && err.code === 'IPMI_PARSE_FAILED' && err.message.includes('line 1'),
    );
  });
});
