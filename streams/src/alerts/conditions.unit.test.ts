import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleEvents } from '@ipmi-monitor/schemas';
import { observe, selCondition } from './conditions.js';

test('a low fan reading names the lower threshold it crossed', () => {
  const [o] = observe({
    type: 'SensorReadingRecorded',
    value: {
      ...sampleEvents.SensorReadingRecorded,
      sensorId: 'FAN3#0x43',
      sensorName: 'FAN3',
      sensorType: 'FAN',
      value: 300,
      unit: 'RPM',
      state: 'CRITICAL',
      crossedThreshold: 'LCR',
      thresholds: { lnr: 200, lcr: 400, lnc: 600, unc: null, ucr: null, unr: null },
    },
  });
  assert.equal(o?.kind, 'present');
  if (o?.kind === 'present') {
    assert.equal(o.threshold, 400);
    assert.equal(o.summary, 'FAN3 300 RPM below LCR 400 RPM');
  }
});

test('an OK reading clears both sensor conditions of that sensor', () => {
  const [o] = observe({
    type: 'SensorReadingRecorded',
    value: { ...sampleEvents.SensorReadingRecorded, state: 'OK' },
  });
  assert.equal(o?.kind, 'clear');
  if (o?.kind === 'clear') assert.deepEqual(o.conditions, ['SENSOR_THRESHOLD', 'SENSOR_STATE']);
});

test('SEL conditions follow the sensor type and offset', () => {
  assert.equal(selCondition({ sensorType: 'MEMORY', eventOffset: 0 }), 'SEL_MEMORY_ECC');
  assert.equal(
    selCondition({ sensorType: 'MEMORY', eventOffset: 1 }),
    'SEL_MEMORY_UNCORRECTABLE_ECC',
  );
  assert.equal(selCondition({ sensorType: 'POWER_SUPPLY', eventOffset: 3 }), 'SEL_PSU_AC_LOST');
  assert.equal(selCondition({ sensorType: 'FAN', eventOffset: 0 }), 'SEL_FAN');
  assert.equal(selCondition({ sensorType: 'TEMPERATURE', eventOffset: 9 }), 'SEL_TEMPERATURE');
  assert.equal(selCondition({ sensorType: 'PROCESSOR', eventOffset: 0 }), 'SEL_PROCESSOR');
  assert.equal(selCondition({ sensorType: 'WATCHDOG', eventOffset: 1 }), 'SEL_WATCHDOG');
});

test('chassis bits that were not read say nothing; false ones clear', () => {
  const obs = observe({
    type: 'ChassisPowerObserved',
    value: {
      ...sampleEvents.ChassisPowerObserved,
      powerFault: null,
      powerOverload: null,
      coolingFault: false,
      driveFault: null,
    },
  });
  assert.deepEqual(
    obs.map((o) => [o.kind, o.kind === 'clear' ? o.conditions : o.key.condition]),
    [['clear', ['CHASSIS_COOLING_FAULT']]],
  );
});

test('events that are not about conditions yield no observations', () => {
  assert.deepEqual(observe({ type: 'PollCompleted', value: sampleEvents.PollCompleted }), []);
  assert.deepEqual(observe({ type: 'SelCleared', value: sampleEvents.SelCleared }), []);
});
