import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { componentIn } from './component.js';
import { classifyLine, splitHostPrefix, splitLines } from './lines.js';
import { parseHex, parseNumber, parseValueWithUnit } from './numbers.js';
import { dateOrderHint, parseClock, parseDate, toIso, zoneOffset, type DateOrder } from './time.js';
import { normalizeUnit } from './units.js';

describe('SEL timestamps', () => {
  const table: [string, string, DateOrder, string | null][] = [
    // ipmitool <= 1.8.18: %m/%d/%Y %H:%M:%S of the raw timestamp, no zone.
    ['11/15/2019', '18:50:40', 'mdy', '2019-11-15T18:50:40'],
    // ipmitool 1.8.19: %x %X %Z in the C locale.
    ['11/28/26', '15:58:15 UTC', 'mdy', '2026-11-28T15:58:15Z'],
    ['11/28/26', '16:58:15 CET', 'mdy', '2026-11-28T16:58:15+01:00'],
    ['11/28/26', '16:01:17 GMT', 'mdy', '2026-11-28T16:01:17Z'],
    // en_US %X: 12-hour clock.
    ['03/14/2025', '12:05:03 PM EDT', 'mdy', '2025-03-14T12:05:03-04:00'],
    ['03/15/2025', '12:00:02 AM EDT', 'mdy', '2025-03-15T00:00:02-04:00'],
    ['03/15/2025', '11:59:59 pm', 'mdy', '2025-03-15T23:59:59'],
    ['03/15/2025', '2:03:41 PM +0530', 'mdy', '2025-03-15T14:03:41+05:30'],
    // Zones that name no single offset stay wall time.
    ['11/28/26', '14:03:41 CST', 'mdy', '2026-11-28T14:03:41'],
    ['11/28/26', '14:03:41 IST', 'mdy', '2026-11-28T14:03:41'],
    // Other %x layouts.
    ['28/11/26', '14:03:41', 'dmy', '2026-11-28T14:03:41'],
    ['28.11.2026', '14:03:41 CET', 'mdy', '2026-11-28T14:03:41+01:00'],
    ['2026-11-28', '14:03:41', 'mdy', '2026-11-28T14:03:41'],
    ['2026年11月28日', '14時03分41秒 JST', 'mdy', '2026-11-28T14:03:41+09:00'],
    // FreeIPMI %b-%d-%Y.
    ['Nov-28-2026', '15:58:15', 'mdy', '2026-11-28T15:58:15'],
    // Invalid.
    ['13/45/26', '14:03:41', 'mdy', null],
    ['02/30/2024', '14:03:41', 'mdy', null],
    ['11/28/26', '25:00:00', 'mdy', null],
    ['11/28/26', '13:00:00 PM', 'mdy', null],
    ['11/28/26', '14:03:41 not a zone', 'mdy', null],
  ];
  for (const [date, time, order, iso] of table) {
    test(`${date} ${time} (${order}) -> ${String(iso)}`, () => {
      const d = parseDate(date, order);
      const c = parseClock(time);
      assert.equal(d && c ? toIso(d, c) : null, iso);
    });
  }

  test('date order hints', () => {
    assert.equal(dateOrderHint('28/11/26'), 'dmy');
    assert.equal(dateOrderHint('11/28/26'), 'mdy');
    assert.equal(dateOrderHint('01/02/26'), null);
  });

  test('zone offsets', () => {
    assert.equal(zoneOffset('UTC'), 'Z');
    assert.equal(zoneOffset('+00:00'), 'Z');
    assert.equal(zoneOffset('UTC+2'), '+02:00');
    assert.equal(zoneOffset('-0330'), '-03:30');
    assert.equal(zoneOffset('CST'), null);
    assert.equal(zoneOffset('+99'), null);
  });
});

describe('numbers and units', () => {
  test('readings', () => {
    assert.equal(parseNumber('45.000'), 45);
    assert.equal(parseNumber('-9.000'), -9);
    assert.equal(parseNumber('12,960'), 12.96);
    assert.equal(parseNumber('na'), null);
    assert.equal(parseNumber('N/A'), null);
    assert.equal(parseNumber('0x1'), null);
    assert.equal(parseNumber('1,234,5'), null);
    assert.deepEqual(parseValueWithUnit('12,96 Volts'), { value: 12.96, unit: 'Volts' });
    assert.deepEqual(parseValueWithUnit('45 degrees C'), { value: 45, unit: 'degrees C' });
    assert.equal(parseValueWithUnit('Presence detected'), null);
    assert.equal(parseHex('1a'), 26);
    assert.equal(parseHex('0Bh'), 11);
  });

  test('units', () => {
    assert.equal(normalizeUnit('degrees C'), 'C');
    assert.equal(normalizeUnit('Volts'), 'V');
    assert.equal(normalizeUnit('percent'), '%');
    assert.equal(normalizeUnit('discrete'), null);
    assert.equal(normalizeUnit('N/A'), null);
    assert.equal(normalizeUnit('CFM'), 'CFM');
  });
});

describe('lines', () => {
  test('CRLF, lone CR, BOM, trailing blanks', () => {
    assert.deepEqual(splitLines('\ufeffa  \r\nb\rc\n'), [
      { no: 1, text: 'a' },
      { no: 2, text: 'b' },
      { no: 3, text: 'c' },
    ]);
  });

  test('host prefixes', () => {
    assert.deepEqual(splitHostPrefix('127.0.0.1:9001: 2,CPU Temp'), {
      host: '127.0.0.1:9001',
      body: '2,CPU Temp',
    });
    assert.deepEqual(splitHostPrefix('node01: ID,Name'), { host: 'node01', body: 'ID,Name' });
    assert.deepEqual(splitHostPrefix('[fe80::1]:623: 1 | x'), {
      host: '[fe80::1]:623',
      body: '1 | x',
    });
    // A CSV row whose event text holds ": " is not prefixed.
    assert.equal(
      splitHostPrefix('24,Nov-28-2026,15:58:20,Pwr,OS Boot,C: boot completed').host,
      null,
    );
    assert.equal(splitHostPrefix('12: not a host').host, null);
    assert.equal(splitHostPrefix('    Instantaneous power reading:   280 Watts').host, null);
    // A blank line of a host's output: FreeIPMI's prefix with the trailing blank trimmed.
    assert.deepEqual(splitHostPrefix('127.0.0.1:9001:'), { host: '127.0.0.1:9001', body: '' });
    assert.equal(splitHostPrefix('Additional Device Support :').host, null);
  });

  test('tool chatter and tool errors', () => {
    assert.equal(classifyLine('SEL has no entries'), 'benign');
    assert.equal(classifyLine('ipmi-sensors: connection timeout'), 'tool-error');
    assert.equal(classifyLine('Error: Unable to establish IPMI v2 / RMCP+ session'), 'tool-error');
    assert.equal(classifyLine('bmc-device: connection timeout'), 'tool-error');
    assert.equal(classifyLine('Error sending Chassis Status command: Timeout'), 'tool-error');
    assert.equal(classifyLine(' Error Detect/Cor      : ECC'), 'content');
    assert.equal(classifyLine('DCMI request failed because: Invalid command (c1)'), 'tool-error');
    assert.equal(
      classifyLine('Get Device ID command failed: 0xff Unspecified error'),
      'tool-error',
    );
    assert.equal(
      classifyLine('   1 | 11/28/26 | 14:03:41 UTC | Memory #0x01 | Correctable ECC | Asserted'),
      'content',
    );
  });
});

describe('components', () => {
  const table: [string, string | null][] = [
    ['Correctable ECC (@DIMMA1(CPU1))', 'DIMM A1 (CPU 1)'],
    ['P2-DIMMB2 Temp', 'DIMM B2 (CPU 2)'],
    ['DIMM_C3', 'DIMM C3'],
    ['DIMM 12', 'DIMM 12'],
    ['CPU 1 DIMM 2', 'DIMM 2 (CPU 1)'],
    ['04-P1 DIMM 1-6', 'DIMM 1-6 (CPU 1)'],
    ['dimm0_temp', 'DIMM 0'],
    ['PS1 Status', 'PSU 1'],
    ['PSU0_PIN', 'PSU 0'],
    ['Power Supply 2', 'PSU 2'],
    ['FAN1', 'Fan 1'],
    ['FANA', 'Fan A'],
    ['Fan1A', 'Fan 1A'],
    ['System Fan 3', 'Fan 3'],
    ['FAN5_R_Speed', 'Fan 5'],
    ['Fan Redundancy', null],
    ['Drive 4', 'Drive 4'],
    ['HDD0 Status', 'Drive 0'],
    ['GPU0_Temp', 'GPU 0'],
    ['CPU1 Temp', 'CPU 1'],
    ['P1 Therm Margin', 'CPU 1'],
    ['P1V8_AUX', null],
    ['Inlet Temp', null],
    ['FAN area intrusion', null],
    ['Power Supply input lost (AC/DC)', null],
  ];
  for (const [text, name] of table) {
    test(`${text} -> ${String(name)}`, () => assert.equal(componentIn(text)?.name ?? null, name));
  }
});
