import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EVENT_TYPES, THRESHOLD_OFFSETS } from './event-types.js';
import { resolveByCodes, resolveByText } from './resolve.js';
import {
  SENSOR_TYPES,
  SENSOR_TYPE_KEYS,
  sensorTypeByName,
  sensorTypeKeyOfCode,
  splitTypePrefix,
} from './sensor-types.js';

describe('IPMI tables', () => {
  test('sensor type codes and slugs are unique, keys are Avro symbols', () => {
    const codes = SENSOR_TYPES.map((t) => t.code);
    assert.equal(new Set(codes).size, codes.length);
    const slugs = [...SENSOR_TYPES.map((t) => t.slug), ...EVENT_TYPES.map((t) => t.slug)];
    assert.equal(new Set(slugs).size, slugs.length);
    for (const t of SENSOR_TYPES)
      assert.ok((SENSOR_TYPE_KEYS as readonly string[]).includes(t.key));
    // Table 42-3 runs from 01h to 2Ch.
    assert.deepEqual(
      codes,
      Array.from({ length: 0x2c }, (_, i) => i + 1),
    );
  });

  test('offsets are unique per table and resolve back by code and by every printed text', () => {
    for (const t of SENSOR_TYPES) {
      const offsets = t.offsets.map((o) => o.offset);
      assert.equal(new Set(offsets).size, offsets.length, t.name);
      for (const o of t.offsets) {
        assert.equal(resolveByCodes(t.code, 0x6f, o.offset)?.stateKey, `${t.slug}.${o.key}`);
        for (const text of [o.text, ...o.aliases]) {
          const r = resolveByText(text, t);
          assert.ok(
            r.candidates.some((c) => c.stateKey === `${t.slug}.${o.key}`),
            `${t.name}: "${text}"`,
          );
        }
      }
    }
    for (const t of EVENT_TYPES) {
      for (const o of t.offsets) {
        assert.equal(resolveByCodes(null, t.code, o.offset)?.stateKey, `${t.slug}.${o.key}`);
        for (const text of [o.text, ...o.aliases]) {
          assert.equal(resolveByText(text, null).state?.stateKey, `${t.slug}.${o.key}`, text);
        }
      }
    }
  });

  test('threshold offsets: even going low, odd going high; 00h-05h lower, 06h-0Bh upper', () => {
    for (const t of THRESHOLD_OFFSETS) {
      assert.equal(t.going, t.offset % 2 === 0 ? 'low' : 'high');
      assert.equal(t.threshold.startsWith('L'), t.offset < 6);
    }
    // ipmitool pads "going low" with a space; FreeIPMI writes " - ".
    assert.equal(resolveByText('Lower Critical going low ', null).state?.threshold, 'LCR');
    assert.equal(resolveByText('Upper Non-recoverable - going high', null).state?.threshold, 'UNR');
  });

  test('codes outside table 42-3', () => {
    assert.equal(sensorTypeKeyOfCode(0xc0), 'oem');
    assert.equal(sensorTypeKeyOfCode(0x2d), 'other');
  });

  test('type names as the tools print them', () => {
    assert.equal(sensorTypeByName('Drive Slot / Bay')?.key, 'drive_slot');
    assert.equal(sensorTypeByName('Drive Slot')?.key, 'drive_slot');
    assert.equal(sensorTypeByName('System Firmwares')?.key, 'system_firmware_progress');
    assert.equal(sensorTypeByName('Other Units Based Sensor')?.key, 'other_units');
    assert.equal(sensorTypeByName('Watchdog2')?.def?.code, 0x23);
    assert.equal(sensorTypeByName('Watchdog 1')?.def?.code, 0x11);
    assert.equal(sensorTypeByName('OEM Reserved')?.key, 'oem');
    assert.equal(splitTypePrefix('Other FRU #0x12')?.type.key, 'other_fru');
    assert.equal(splitTypePrefix('Other #0x0a')?.type.key, 'other_units');
    assert.deepEqual(splitTypePrefix('Power Supply PS1 Status')?.rest, 'PS1 Status');
    assert.equal(splitTypePrefix('Memory')?.rest, '');
    assert.equal(splitTypePrefix('Memoryfoo'), undefined);
  });

  test('the same text means different states under different types', () => {
    const ps = SENSOR_TYPES.find((t) => t.code === 0x08) ?? null;
    const cpu = SENSOR_TYPES.find((t) => t.code === 0x07) ?? null;
    assert.equal(
      resolveByText('Presence detected', ps).state?.stateKey,
      'power_supply.presence_detected',
    );
    assert.equal(
      resolveByText('Presence detected', cpu).state?.stateKey,
      'processor.presence_detected',
    );
    assert.equal(resolveByText('Presence detected', null).state, null, 'ambiguous without a type');
  });
});
