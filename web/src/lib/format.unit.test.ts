import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ago, label, localTime, sensorValue, unitLabel, utcTime } from './format';

test('times: local in the given zone, UTC for the tooltip; bad input passes through', () => {
  const iso = '2026-11-29T13:03:07.000Z';
  assert.equal(localTime(iso, 'Europe/Berlin'), '2026-11-29 14:03:07');
  assert.equal(localTime(iso, 'UTC'), '2026-11-29 13:03:07');
  assert.equal(utcTime(iso), '2026-11-29 13:03:07 UTC');
  assert.equal(localTime('nope'), 'nope');
});

test('ago: seconds, minutes, hours, days; never; clock skew', () => {
  const now = Date.parse('2026-11-29T12:00:00Z');
  const at = (s: number) => new Date(now - s * 1000).toISOString();
  assert.equal(ago(at(12), now), '12 s ago');
  assert.equal(ago(at(300), now), '5 min ago');
  assert.equal(ago(at(3 * 3600), now), '3 h ago');
  assert.equal(ago(at(2 * 86_400), now), '2 d ago');
  assert.equal(ago(null, now), 'never');
  assert.equal(ago(at(-60), now), 'in the future');
});

test('sensor values with their unit; n/a when absent', () => {
  assert.equal(sensorValue(3450, 'RPM'), '3,450 RPM');
  assert.equal(sensorValue(41.5, 'C'), '41.5 °C');
  assert.equal(sensorValue(12.056, 'Volts'), '12.06 V');
  assert.equal(sensorValue(null, 'C'), 'n/a');
  assert.equal(sensorValue(Number.NaN, 'C'), 'n/a');
  assert.equal(unitLabel('degrees_c'), '°C');
  assert.equal(unitLabel('furlongs'), 'furlongs');
  assert.equal(label('POWER_SUPPLY'), 'Power supply');
});
