/**
 * Fan-out planning and output splitting, over output FreeIPMI 1.6.10 printed with
 * `-h 127.0.0.1:9502,127.0.0.1:9501,... --always-prefix` (lines of hosts interleave).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fanoutGroupKey, planFanout, splitFanoutOutput, type FanoutItem } from './fanout.js';
import type { BmcTarget } from './types.js';

const FRU_STDOUT = [
  '127.0.0.1:9501: FRU Inventory Device: Default FRU Device (ID 00h)',
  '127.0.0.1:9502: FRU Inventory Device: Default FRU Device (ID 00h)',
  '127.0.0.1:9501: ',
  '127.0.0.1:9501:   FRU Chassis Type: Rack Mount Chassis',
  '127.0.0.1:9502: ',
  '127.0.0.1:9502:   FRU Chassis Type: Rack Mount Chassis',
  '127.0.0.1:9501:   FRU Chassis Serial Number: CHS0501',
  '127.0.0.1:9502:   FRU Chassis Serial Number: CHS0502',
  '',
].join('\n');

const SENSORS_STDOUT = [
  '127.0.0.1:9501: ID,Name,Type,State,Reading,Units,Lower NR,Lower C,Lower NC,Upper NC,Upper C,Upper NR,Event',
  "127.0.0.1:9501: 2,CPU Temp,Temperature,Critical,95.00,C,N/A,N/A,N/A,80.00,90.00,100.00,'At or Above (>=) Upper Critical Threshold'",
  '127.0.0.1:9502: ID,Name,Type,State,Reading,Units,Lower NR,Lower C,Lower NC,Upper NC,Upper C,Upper NR,Event',
  "127.0.0.1:9502: 2,CPU Temp,Temperature,Nominal,45.00,C,N/A,N/A,N/A,80.00,90.00,100.00,'OK'",
  '',
].join('\n');

describe('splitFanoutOutput', () => {
  test('interleaved lines go back to their host, blank lines kept', () => {
    const { parts } = splitFanoutOutput(FRU_STDOUT, '', ['127.0.0.1:9501', '127.0.0.1:9502']);
    assert.equal(
      parts.get('127.0.0.1:9501')?.stdout,
      'FRU Inventory Device: Default FRU Device (ID 00h)\n\n  FRU Chassis Type: Rack Mount Chassis\n  FRU Chassis Serial Number: CHS0501\n',
    );
    assert.equal(
      parts.get('127.0.0.1:9502')?.stdout,
      'FRU Inventory Device: Default FRU Device (ID 00h)\n\n  FRU Chassis Type: Rack Mount Chassis\n  FRU Chassis Serial Number: CHS0502\n',
    );
  });

  test('a dead host: its error line on stderr, nothing on stdout', () => {
    const { parts, unattributedStderr } = splitFanoutOutput(
      SENSORS_STDOUT,
      '127.0.0.1:9599: ipmi-sensors: connection timeout\n',
      ['127.0.0.1:9501', '127.0.0.1:9502', '127.0.0.1:9599'],
    );
    assert.equal(parts.get('127.0.0.1:9599')?.stderr, 'ipmi-sensors: connection timeout\n');
    assert.equal(parts.get('127.0.0.1:9599')?.stdout, '');
    assert.equal(parts.get('127.0.0.1:9501')?.stderr, '');
    assert.match(
      parts.get('127.0.0.1:9502')?.stdout ?? '',
      /^ID,Name.*\n2,CPU Temp,Temperature,Nominal/,
    );
    assert.equal(unattributedStderr, '');
  });

  test('the longest host prefix wins (port 623 vs 6230)', () => {
    const { parts } = splitFanoutOutput('10.0.0.1:6230: a\n10.0.0.1:623: b\n', '', [
      '10.0.0.1:623',
      '10.0.0.1:6230',
    ]);
    assert.equal(parts.get('10.0.0.1:623')?.stdout, 'b\n');
    assert.equal(parts.get('10.0.0.1:6230')?.stdout, 'a\n');
  });

  test('process-wide errors are unattributed', () => {
    const out = splitFanoutOutput('', 'Config File Error: configuration file does not exist\n', [
      'h:1',
      'h:2',
    ]);
    assert.equal(out.unattributedStderr, 'Config File Error: configuration file does not exist\n');
    assert.equal(out.parts.get('h:1')?.stderr, '');
  });

  test('a host with no output at all (an empty SEL prints no header)', () => {
    const { parts } = splitFanoutOutput('h:1: ID,Date\nh:1: 1,Nov-28-2026\n', '', ['h:1', 'h:2']);
    assert.deepEqual(parts.get('h:2'), { stdout: '', stderr: '' });
  });

  test('a line that only names a host with nothing after the colon', () => {
    const { parts } = splitFanoutOutput('h:1:\n', '', ['h:1']);
    assert.equal(parts.get('h:1')?.stdout, '\n');
  });
});

function target(port: number, over: Partial<BmcTarget> = {}): BmcTarget {
  return {
    host: '127.0.0.1',
    port,
    username: 'admin',
    password: 'pw-one',
    timeoutMs: 3000,
    sdrCacheDir: '/tmp/sdr',
    workaroundFlags: ['opensesspriv'],
    ...over,
  };
}

describe('planFanout', () => {
  test('same credentials and options share a process; others do not', () => {
    const items: FanoutItem[] = [
      { target: target(1) },
      { target: target(2) },
      { target: target(3, { password: 'pw-two' }) },
      { target: target(4, { privilege: 'USER' }) },
      { target: target(5) },
      { target: target(6, { timeoutMs: 9000 }) },
    ];
    assert.deepEqual(planFanout('sensors', items, 128), [[0, 1, 4], [2], [3], [5]]);
  });

  test('SEL ranges are a process option: hosts group by fromRecordId', () => {
    const items: FanoutItem[] = [
      { target: target(1), sel: { fromRecordId: 10 } },
      { target: target(2), sel: { fromRecordId: 10 } },
      { target: target(3) },
      { target: target(4), sel: { fromRecordId: 3 } },
    ];
    assert.deepEqual(planFanout('sel', items, 128), [[0, 1], [2], [3]]);
  });

  test('chunks respect maxHostsPerProcess', () => {
    const items = Array.from({ length: 5 }, (_, i) => ({ target: target(i + 1) }));
    assert.deepEqual(planFanout('sensors', items, 2), [[0, 1], [2, 3], [4]]);
  });

  test('the same host twice never shares a process (its output could not be split)', () => {
    const items = [{ target: target(1) }, { target: target(1) }, { target: target(2) }];
    assert.deepEqual(planFanout('sensors', items, 128), [[0, 2], [1]]);
  });

  test('group keys are hashes: no password in them', () => {
    const key = fanoutGroupKey('sensors', { target: target(1, { password: 'very-secret' }) });
    assert.match(key, /^[0-9a-f]{64}$/);
  });
});
