/**
 * Edge cases of the `Label : value` formats (SEL info, SEL time, chassis status, BMC info,
 * FRU) beyond what the fixtures show: unset clocks, `Unknown` values, absent FRU devices,
 * hex ids, CRLF, host prefixes, and the error policy for each format.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isIpmiError } from '../errors.js';
import { parse, parseDetailed, type Format } from './index.js';

function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => isIpmiError(err) && err.code === code);
}

describe('key/value formats: the error policy', () => {
  const toolErrors: readonly [Format, string][] = [
    ['freeipmi-sel-info', 'ipmi-sel: connection timeout'],
    ['ipmitool-sel-info', 'Error: Unable to establish IPMI v2 / RMCP+ session'],
    ['freeipmi-sel-time', 'bmc-device: password invalid'],
    ['ipmitool-sel-time', 'Get SEL Time command failed: Invalid command'],
    ['freeipmi-chassis-status', 'ipmi-chassis: session timeout'],
    ['ipmitool-chassis-status', 'Error sending Chassis Status command: Timeout'],
    ['freeipmi-bmc-info', 'bmc-info: connection timeout'],
    ['ipmitool-mc-info', 'Get Device ID command failed: Insufficient privilege level'],
    ['freeipmi-fru', 'ipmi-fru: internal IPMI error'],
    ['ipmitool-fru', 'Error: Unable to establish IPMI v2 / RMCP+ session'],
  ];
  for (const [format, line] of toolErrors) {
    test(`${format}: only the tool's error is IPMI_TOOL_ERROR, empty output no records`, () => {
      throwsCode(() => parse(format, `${line}\n`), 'IPMI_TOOL_ERROR');
      throwsCode(() => parse(format, `node3: ${line}\r\nnode4: ${line}\r\n`), 'IPMI_TOOL_ERROR');
      assert.deepEqual(parse(format, ''), []);
      assert.deepEqual(parse(format, '\n\r\n'), []);
    });
  }

  test('output of another command is IPMI_PARSE_FAILED, not an empty list', () => {
    const chassis = 'System Power         : on\nPower Overload       : false\n';
    throwsCode(() => parse('ipmitool-mc-info', chassis), 'IPMI_PARSE_FAILED');
    throwsCode(() => parse('ipmitool-sel-info', chassis), 'IPMI_PARSE_FAILED');
    throwsCode(() => parse('ipmitool-sel-time', chassis), 'IPMI_PARSE_FAILED');
    throwsCode(
      () => parse('freeipmi-fru', '   1 | 11/28/26 | 14:03:41 | Fan #0x30 | Lower Critical'),
      'IPMI_PARSE_FAILED',
    );
  });

  test('a label nobody knows is skipped beside a record, reported when nothing parsed', () => {
    const text = 'Entries          : 3\nFrobnication     : 12\n';
    const r = parseDetailed('ipmitool-sel-info', text);
    assert.deepEqual(
      r.records.map((x) => x.entries),
      [3],
    );
    assert.deepEqual(r.issues, []);
    throwsCode(() => parse('ipmitool-sel-info', 'Frobnication     : 12\n'), 'IPMI_PARSE_FAILED');
  });

  test('a value that does not read is that line, the block keeps its other fields', () => {
    const r = parseDetailed('ipmitool-sel-info', 'Entries : many\nFree Space : 1600 bytes\n');
    assert.deepEqual(
      r.records.map((x) => [x.line, x.entries, x.freeBytes]),
      [[2, null, 1600]],
    );
    assert.deepEqual(
      r.issues.map((i) => [i.line, i.code]),
      [[1, 'IPMI_PARSE_FAILED']],
    );
  });
});

describe('BMC clock', () => {
  const cases: readonly [
    string,
    'ipmitool-sel-time' | 'freeipmi-sel-time',
    string,
    string | null,
  ][] = [
    ['1.8.19 special value before the clock is set', 'ipmitool-sel-time', 'S+ 00:02:13', null],
    ['1.8.18 unset clock read in UTC', 'ipmitool-sel-time', '01/01/1970 00:04:31', null],
    ['unset clock read west of UTC', 'ipmitool-sel-time', '12/31/1969 19:04:31', null],
    ['unset clock, two-digit year', 'ipmitool-sel-time', '12/31/69 19:04:31 EST', null],
    ['unset clock, dotted date', 'ipmitool-sel-time', '31.12.1969 19:04:31', null],
    ['last pre-init second (20000000h)', 'ipmitool-sel-time', '01/05/1987 18:48:32', null],
    ['first wall-clock second', 'ipmitool-sel-time', '01/05/1987 18:48:33', '1987-01-05T18:48:33'],
    ['unspecified', 'ipmitool-sel-time', 'Unspecified', null],
    ['zone', 'ipmitool-sel-time', '11/28/26 15:03:41 CET', '2026-11-28T15:03:41+01:00'],
    [
      'ambiguous zone kept as wall time',
      'ipmitool-sel-time',
      '11/28/26 08:03:41 CST',
      '2026-11-28T08:03:41',
    ],
    ['day-first locale', 'ipmitool-sel-time', '28/11/2026 14:03:41', '2026-11-28T14:03:41'],
    ['ISO locale', 'ipmitool-sel-time', '2026-11-28 14:03:41', '2026-11-28T14:03:41'],
    [
      '12-hour clock',
      'ipmitool-sel-time',
      '11/28/2026 12:03:41 AM PST',
      '2026-11-28T00:03:41-08:00',
    ],
    ['FreeIPMI', 'freeipmi-sel-time', 'SEL Time : 11/28/2026 - 14:03:41', '2026-11-28T14:03:41'],
    ['FreeIPMI Post-Init', 'freeipmi-sel-time', 'SEL Time : Post-Init 133 s', null],
    ['older FreeIPMI unset', 'freeipmi-sel-time', 'SEL Time : 01/01/1970 - 00:00:07', null],
    ['FreeIPMI, unreadable time', 'freeipmi-sel-time', 'SEL Time : 99/99/2026 - 14:03:41', null],
  ];
  for (const [what, format, line, timestamp] of cases) {
    test(`${what}: ${line}`, () => {
      const r = parseDetailed(format, `${line}\r\n`);
      assert.deepEqual(r.issues, []);
      assert.equal(r.records.length, 1);
      assert.equal(r.records[0]?.timestamp, timestamp);
      assert.equal(r.records[0]?.timestampRaw, line.replace(/^SEL Time : /, ''));
    });
  }

  test('a line that is no time is a parse failure; a host prefix is the host', () => {
    throwsCode(() => parse('ipmitool-sel-time', 'the time is now\n'), 'IPMI_PARSE_FAILED');
    throwsCode(() => parse('ipmitool-sel-time', '13/45/2026 14:03:41\n'), 'IPMI_PARSE_FAILED');
    const [r] = parse('ipmitool-sel-time', 'node7: 11/28/26 14:03:41 UTC\n');
    assert.deepEqual([r?.host, r?.timestamp], ['node7', '2026-11-28T14:03:41Z']);
  });
});

describe('SEL info', () => {
  test('ipmitool before 1.8.11: one line per supported command, hex version', () => {
    const text = [
      'SEL Information',
      '  Version          : 51',
      '  Entries          : 14',
      '  Free Space       : 7936',
      '  Overflow         : false',
      '  Delete cmd       : supported',
      '  Parial add cmd   : unsupported',
      '  Reserve cmd      : supported',
      '  Get Alloc Info   : unsupported',
    ].join('\n');
    const [r] = parse('ipmitool-sel-info', text);
    assert.deepEqual(
      [r?.version, r?.entries, r?.freeBytes, r?.overflow, r?.deleteSupported],
      ['51', 14, 7936, false, true],
    );
  });

  test("'Supported Cmds : None' means no delete; a repeated field starts the next output", () => {
    const one = 'Entries          : 5\nSupported Cmds   : None\n';
    const r = parse('ipmitool-sel-info', `SEL Information\n${one}SEL Information\n${one}`);
    assert.deepEqual(
      r.map((x) => [x.line, x.deleteSupported]),
      [
        [2, false],
        [5, false],
      ],
    );
  });

  test('interleaved fan-out lines of two hosts make one record per host', () => {
    const text = [
      'bmc-a: SEL version                            : 1.5',
      'bmc-b: SEL version                            : 1.5',
      'bmc-b: Number of log entries                  : 7',
      'bmc-a: Number of log entries                  : 2',
      'bmc-a: Events dropped due to lack of space    : No',
      'bmc-b: Events dropped due to lack of space    : Yes',
      'bmc-a:',
      'bmc-b:',
    ].join('\r\n');
    const r = parseDetailed('freeipmi-sel-info', text);
    assert.deepEqual(r.issues, []);
    assert.deepEqual(
      r.records.map((x) => [x.line, x.host, x.entries, x.overflow]),
      [
        [1, 'bmc-a', 2, false],
        [2, 'bmc-b', 7, true],
      ],
    );
  });
});

describe('chassis status', () => {
  test('unknown restore policy and last power event are null', () => {
    const [f] = parse(
      'freeipmi-chassis-status',
      'System Power : on\nPower restore policy : unknown\nLast Power Event : unknown\n',
    );
    assert.deepEqual([f?.powerOn, f?.powerRestorePolicy, f?.lastPowerEvent], [true, null, null]);
  });

  test("FreeIPMI's words come out in ipmitool's", () => {
    const words: readonly [string, string][] = [
      ['power down due to Activation of interlock switch', 'interlock'],
      ['power down due to power overload', 'overload'],
      ['power down due to power fault', 'fault'],
      ['power on via ipmi command', 'command'],
    ];
    for (const [freeipmi, ipmitool] of words) {
      const [r] = parse('freeipmi-chassis-status', `Last Power Event : ${freeipmi}\n`);
      assert.equal(r?.lastPowerEvent, ipmitool);
    }
    const [p] = parse('freeipmi-chassis-status', 'Power restore policy : Always on\n');
    assert.equal(p?.powerRestorePolicy, 'always-on');
  });

  test('a flag that is neither true nor false is a bad line', () => {
    const r = parseDetailed('ipmitool-chassis-status', 'System Power : on\nDrive Fault : maybe\n');
    assert.deepEqual(
      r.records.map((x) => [x.powerOn, x.driveFault]),
      [[true, null]],
    );
    assert.deepEqual(
      r.issues.map((i) => i.line),
      [2],
    );
  });
});

describe('BMC info', () => {
  test('hex ids: 0x20, 1B11h, 0x2A2', () => {
    const [r] = parse(
      'ipmitool-mc-info',
      'Device ID : 0x20\nProduct ID : 1B11h\nManufacturer ID : 0x2A2\n',
    );
    assert.deepEqual([r?.deviceId, r?.productId, r?.manufacturerId], [32, 6929, 674]);
  });

  test('Unknown names and ids are null', () => {
    const [r] = parse(
      'ipmitool-mc-info',
      'Manufacturer ID : 32473\nManufacturer Name : Unknown (0x7ED9)\nProduct ID : Unknown\n',
    );
    assert.deepEqual([r?.manufacturerId, r?.manufacturerName, r?.productId], [32473, null, null]);
    const [u] = parse('freeipmi-bmc-info', 'Manufacturer ID : Unknown\nDevice ID : 32\n');
    assert.deepEqual([u?.manufacturerId, u?.manufacturerName], [null, null]);
  });

  test('a manufacturer name with parentheses of its own', () => {
    const [r] = parse(
      'freeipmi-bmc-info',
      'Manufacturer ID       : Hewlett Packard Enterprise (HPE) (47196)\n',
    );
    assert.deepEqual(
      [r?.manufacturerId, r?.manufacturerName],
      [47196, 'Hewlett Packard Enterprise (HPE)'],
    );
  });

  test('list items belong to the list above them only', () => {
    const text =
      'Device ID : 32\nAdditional Device Support :\n    Sensor Device\nIPMI Version : 2.0\n    Bridge\n';
    const r = parseDetailed('ipmitool-mc-info', text);
    assert.deepEqual(
      r.records.map((x) => [x.deviceId, x.ipmiVersion]),
      [[32, '2.0']],
    );
    assert.deepEqual(
      r.issues.map((i) => i.line),
      [5],
    );
  });
});

describe('FRU', () => {
  test('a device that is not present has its error and no fields', () => {
    const text = [
      'FRU Device Description : Builtin FRU Device (ID 0)',
      ' Product Name          : R7525',
      '',
      'FRU Device Description : PS2 (ID 3)',
      ' Device not present (Requested sensor, data, or record not found)',
      '',
      'FRU Device Description : DIMM A1 (ID 9)',
      '  Timeout accessing FRU info. (Device not present?)',
    ].join('\n');
    const r = parse('ipmitool-fru', text);
    assert.deepEqual(
      r.map((d) => [d.line, d.fruId, d.name, d.error, Object.keys(d.fields).length]),
      [
        [1, 0, 'Builtin FRU Device', null, 1],
        [4, 3, 'PS2', 'Device not present (Requested sensor, data, or record not found)', 0],
        [7, 9, 'DIMM A1', 'Timeout accessing FRU info. (Device not present?)', 0],
      ],
    );
  });

  test('ids in hex (00h, 0x1A), a header without an id, an empty name', () => {
    const text = [
      'FRU Inventory Device: PSU 1 (ID 0x1A)',
      'FRU Inventory Device: Riser (ID 0Bh)',
      'FRU Device Description : Builtin FRU Device',
      'FRU Device Description :  (ID 7)',
    ].join('\n');
    assert.deepEqual(
      parse('freeipmi-fru', text).map((d) => [d.fruId, d.name]),
      [
        [26, 'PSU 1'],
        [11, 'Riser'],
        [null, 'Builtin FRU Device'],
        [7, null],
      ],
    );
  });

  test('interleaved fan-out lines stay with their host; bare prefixes are blank lines', () => {
    const text = [
      '10.0.0.1:623: FRU Inventory Device: Default FRU Device (ID 00h)',
      '10.0.0.2:623: FRU Inventory Device: Default FRU Device (ID 00h)',
      '10.0.0.1:623:',
      '10.0.0.2:623:   FRU Board Serial Number: B-2',
      '10.0.0.1:623:   FRU Board Serial Number: B-1',
      '10.0.0.2:623:   FRU Error: board info area checksum invalid',
    ].join('\r\n');
    const r = parseDetailed('freeipmi-fru', text);
    assert.deepEqual(r.issues, []);
    assert.deepEqual(
      r.records.map((d) => [d.line, d.host, d.boardSerial, d.error]),
      [
        [1, '10.0.0.1:623', 'B-1', null],
        [2, '10.0.0.2:623', 'B-2', 'board info area checksum invalid'],
      ],
    );
  });

  test('labels are only keys, whatever they are called', () => {
    const [d] = parse('ipmitool-fru', ' constructor : x\n hasOwnProperty : y\n toString : z\n');
    assert.deepEqual(d?.fields, { constructor: 'x', hasOwnProperty: 'y', toString: 'z' });
    assert.equal(Object.getPrototypeOf(d?.fields), Object.prototype);
    assert.equal(typeof ({} as { toString: unknown }).toString, 'function');
  });

  test('empty FreeIPMI fields are kept as printed and normalise to null', () => {
    const [d] = parse('freeipmi-fru', 'FRU Inventory Device: X (ID 00h)\n  FRU Product Name:\n');
    assert.deepEqual([d?.fields['FRU Product Name'], d?.productName], ['', null]);
  });
});
