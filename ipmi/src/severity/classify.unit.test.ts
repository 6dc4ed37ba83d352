import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EVENT_TYPES } from '../tables/event-types.js';
import { SENSOR_TYPES } from '../tables/sensor-types.js';
import type { Severity } from '../types.js';
import { classifySelEntry, classifySensorState, type SelEntryLike } from './classify.js';
import { parseSeverityOverrides } from './overrides.js';
import { SEVERITY_RULES } from './rules.js';

/**
 * SEL entries as vendors' BMCs log them (type as ipmitool or FreeIPMI prints it, the event
 * text, the direction), with the severity an operator expects (issue 4, item 1).
 */
const CASES: readonly [string, SelEntryLike, Severity, string][] = [
  // Thresholds: assertion by level, deassertion is recovery.
  [
    'Dell inlet temp UNC',
    {
      sensorType: 'Temperature',
      sensorName: 'Inlet Temp',
      event: 'Upper Non-critical going high',
      direction: 'Asserted',
    },
    'warning',
    'threshold.non-critical',
  ],
  [
    'Supermicro CPU temp UCR',
    {
      sensorType: 'Temperature',
      sensorName: 'CPU2 Temp',
      event: 'Upper Critical going high',
      direction: 'Asserted',
    },
    'critical',
    'threshold.critical',
  ],
  [
    'Supermicro fan LNR',
    {
      sensorType: 'Fan',
      sensorName: 'FAN3',
      event: 'Lower Non-recoverable going low ',
      direction: 'Asserted',
    },
    'critical',
    'threshold.non-recoverable',
  ],
  [
    'FreeIPMI fan LCR deasserted',
    {
      sensorType: 'Fan',
      sensorName: 'FAN1',
      event: 'Lower Critical - going low',
      direction: 'Deassertion Event',
    },
    'info',
    'threshold.recovery',
  ],
  [
    'lower threshold going high',
    {
      sensorType: 'Voltage',
      sensorName: '12V',
      event: 'Lower Critical going high',
      direction: 'Asserted',
    },
    'info',
    'threshold.lower-going-high',
  ],
  // Counters modelled as threshold sensors.
  [
    'Lenovo ECC counter at UCR',
    {
      sensorType: 'Other',
      sensorName: 'Mem ECC Count',
      event: 'Upper Critical going high',
      direction: 'Asserted',
    },
    'warning',
    'counter.correctable',
  ],
  [
    'uncorrectable counter',
    {
      sensorType: 'Memory',
      sensorName: 'Uncorr ECC Cnt',
      event: 'Upper Non-critical going high',
      direction: 'Asserted',
    },
    'critical',
    'counter.uncorrectable',
  ],
  [
    'temperature named ECC is not a counter',
    {
      sensorType: 'Temperature',
      sensorName: 'DIMM ECC Temp',
      event: 'Upper Critical going high',
      direction: 'Asserted',
    },
    'critical',
    'threshold.critical',
  ],
  // Presence: a deasserted presence on PSU / drive / fan is a removal.
  [
    'PSU pulled',
    {
      sensorType: 'Power Supply',
      sensorName: 'PS1 Status',
      event: 'Presence detected',
      direction: 'Deasserted',
    },
    'warning',
    'power-supply.removed',
  ],
  [
    'PSU inserted',
    {
      sensorType: 'Power Supply',
      sensorName: 'PS1 Status',
      event: 'Presence detected',
      direction: 'Asserted',
    },
    'info',
    'power-supply.informational',
  ],
  [
    'drive pulled',
    {
      sensorType: 'Drive Slot / Bay',
      sensorName: 'Drive 4',
      event: 'Drive Present',
      direction: 'Deasserted',
    },
    'warning',
    'drive.removed',
  ],
  [
    'HPE fan absent (generic 08h)',
    { sensorType: 'Fan', sensorName: 'Fan 3', event: 'Device Absent', direction: 'Asserted' },
    'warning',
    'presence.hot-swap-absent',
  ],
  [
    'entity presence of a PSU removed',
    {
      sensorType: 'Entity Presence',
      sensorName: 'PS2 Presence',
      event: 'Entity Present',
      direction: 'Deasserted',
    },
    'warning',
    'presence.hot-swap-removed',
  ],
  [
    'entity absent on a riser is info',
    {
      sensorType: 'Entity Presence',
      sensorName: 'Riser 2',
      event: 'Absent',
      direction: 'Asserted',
    },
    'info',
    'entity.presence',
  ],
  // Failure detected: assertion critical, deassertion recovery.
  [
    'PSU failure',
    {
      sensorType: 'Power Supply',
      sensorName: 'PS2 Status',
      event: 'Failure detected',
      direction: 'Asserted',
    },
    'critical',
    'power-supply.failure',
  ],
  [
    'PSU failure cleared',
    {
      sensorType: 'Power Supply',
      sensorName: 'PS2 Status',
      event: 'Power Supply Failure detected',
      direction: 'Deassertion Event',
    },
    'info',
    'deasserted.recovery',
  ],
  // Memory and processor.
  [
    'correctable ECC (Supermicro decoding)',
    { sensorType: 'Memory', event: 'Correctable ECC (@DIMMA1(CPU1))', direction: 'Asserted' },
    'warning',
    'memory.correctable-ecc',
  ],
  [
    'uncorrectable ECC (FreeIPMI)',
    { sensorType: 'Memory', event: 'Uncorrectable memory error', direction: 'Assertion Event' },
    'critical',
    'memory.uncorrectable-ecc',
  ],
  [
    'IERR',
    { sensorType: 'Processor', event: 'IERR', direction: 'Asserted' },
    'critical',
    'processor.fatal',
  ],
  [
    'thermal trip',
    { sensorType: 'Processor', event: 'Thermal Trip', direction: 'Asserted' },
    'critical',
    'processor.fatal',
  ],
  [
    'machine check (ipmitool)',
    {
      sensorType: 'Processor',
      event: 'Uncorrectable machine check exception',
      direction: 'Asserted',
    },
    'critical',
    'processor.fatal',
  ],
  [
    'machine check (FreeIPMI)',
    { sensorType: 'Processor', event: 'Machine Check Exception', direction: 'Assertion Event' },
    'critical',
    'processor.fatal',
  ],
  [
    'correctable machine check',
    { sensorType: 'Processor', event: 'Correctable machine check error', direction: 'Asserted' },
    'warning',
    'processor.degraded',
  ],
  // Power.
  [
    'PSU AC lost (ipmitool)',
    {
      sensorType: 'Power Supply',
      sensorName: 'PS2 Status',
      event: 'Power Supply AC lost',
      direction: 'Asserted',
    },
    'warning',
    'power-supply.input-lost',
  ],
  [
    'PSU AC lost (FreeIPMI)',
    {
      sensorType: 'Power Supply',
      sensorName: 'PS2 Status',
      event: 'Power Supply input lost (AC/DC)',
      direction: 'Assertion Event',
    },
    'warning',
    'power-supply.input-lost',
  ],
  [
    'PSU redundancy lost',
    {
      sensorType: 'Power Supply',
      sensorName: 'PS Redundancy',
      event: 'Redundancy Lost',
      direction: 'Asserted',
    },
    'warning',
    'redundancy.lost',
  ],
  [
    'insufficient resources',
    {
      sensorType: 'Power Supply',
      sensorName: 'PS Redundancy',
      event: 'Non-Redundant: Insufficient Resources',
      direction: 'Asserted',
    },
    'critical',
    'redundancy.insufficient',
  ],
  [
    'redundancy regained',
    {
      sensorType: 'Fan',
      sensorName: 'Fan Redundancy',
      event: 'Fully Redundant',
      direction: 'Asserted',
    },
    'info',
    'redundancy.regained',
  ],
  // Informational by semantics.
  [
    'SEL cleared',
    {
      sensorType: 'Event Logging Disabled',
      event: 'Log area reset/cleared',
      direction: 'Asserted',
    },
    'info',
    'sel.cleared',
  ],
  [
    'SEL cleared (FreeIPMI)',
    {
      sensorType: 'Event Logging Disabled',
      event: 'Log Area Reset/Cleared',
      direction: 'Assertion Event',
    },
    'info',
    'sel.cleared',
  ],
  [
    'Timestamp Clock Sync',
    { sensorType: 'System Event', event: 'Timestamp Clock Sync', direction: 'Asserted' },
    'info',
    'system-event.informational',
  ],
  [
    'Timestamp Clock Synch (FreeIPMI)',
    { sensorType: 'System Event', event: 'Timestamp Clock Synch', direction: 'Assertion Event' },
    'info',
    'system-event.informational',
  ],
  [
    'OS boot',
    { sensorType: 'OS Boot', event: 'C: boot completed', direction: 'Asserted' },
    'info',
    'os-boot.completed',
  ],
  [
    'system event with an OEM text is not critical',
    { sensorType: 'System Event', event: 'OEM 0x5a', direction: 'Asserted' },
    'info',
    'system-event.informational',
  ],
  [
    'SEL full',
    { sensorType: 'Event Logging Disabled', event: 'Log full', direction: 'Asserted' },
    'warning',
    'sel.logging-stopped',
  ],
  // Critical interrupts.
  [
    'bus correctable error is not critical',
    { sensorType: 'Critical Interrupt', event: 'Bus Correctable error', direction: 'Asserted' },
    'warning',
    'critical-interrupt.correctable',
  ],
  [
    'PCI SERR',
    { sensorType: 'Critical Interrupt', event: 'PCI SERR', direction: 'Asserted' },
    'critical',
    'critical-interrupt.fatal',
  ],
  // Watchdog, OS stop.
  [
    'watchdog hard reset',
    { sensorType: 'Watchdog2', event: 'Hard reset', direction: 'Asserted' },
    'critical',
    'watchdog.action',
  ],
  [
    'watchdog 1 OS reset (FreeIPMI)',
    { sensorType: 'Watchdog 1', event: 'OS Watchdog Reset', direction: 'Assertion Event' },
    'critical',
    'watchdog.action',
  ],
  [
    'kernel panic',
    { sensorType: 'OS Critical Stop', event: 'Run-time critical stop', direction: 'Asserted' },
    'critical',
    'os-stop.crash',
  ],
  // Unresolved and OEM.
  ['OEM record', { sensorType: 'oem', event: 'OEM record c1', oem: true }, 'info', 'oem.record'],
  [
    'ipmitool printed no text',
    { sensorType: 'Unknown', event: '', direction: 'Asserted' },
    'info',
    'unresolved.empty-text',
  ],
  [
    'unknown text',
    { sensorType: 'Module / Board', event: 'Some vendor string', direction: 'Asserted' },
    'warning',
    'unresolved.default',
  ],
  [
    'unknown text deasserted',
    { sensorType: 'Module / Board', event: 'Some vendor string', direction: 'Deasserted' },
    'info',
    'unresolved.deasserted',
  ],
  [
    'unknown type, text tells it',
    { sensorType: 'Unknown', event: 'Uncorrectable ECC', direction: 'Asserted' },
    'critical',
    'memory.uncorrectable-ecc',
  ],
];

describe('classifySelEntry', () => {
  for (const [name, entry, severity, ruleId] of CASES) {
    test(name, () => {
      const c = classifySelEntry(entry);
      assert.equal(c.severity, severity, c.reason);
      assert.equal(c.ruleId, ruleId);
    });
  }

  test('raw codes (Avro vocabulary) decide over the text', () => {
    // SelEntryRecorded: PSU (08h), sensor-specific (6Fh), offset 00h presence, deassertion.
    const c = classifySelEntry({
      sensorType: 'POWER_SUPPLY',
      sensorTypeCode: 0x08,
      eventReadingTypeCode: 0x6f,
      eventOffset: 0x00,
      eventDirection: 'DEASSERTION',
      description: 'whatever the driver printed',
      sensorName: 'PS1 Status',
    });
    assert.equal(c.severity, 'warning');
    assert.equal(c.ruleId, 'power-supply.removed');
    assert.equal(c.state, 'power_supply.presence_detected');
    assert.equal(c.component, 'PSU 1');
  });

  test('threshold by codes: 01h offset 09h is UCR going high', () => {
    const c = classifySelEntry({
      sensorTypeCode: 0x01,
      eventReadingTypeCode: 0x01,
      eventOffset: 0x09,
      eventDirection: 'ASSERTION',
    });
    assert.equal(c.severity, 'critical');
    assert.equal(c.state, 'threshold.ucr_going_high');
    assert.equal(c.sensorType, 'temperature');
  });

  test('ipmitool text shared by firmware hang and progress is ambiguous', () => {
    const c = classifySelEntry({
      sensorType: 'System Firmwares',
      event: 'Memory initialization',
      direction: 'Asserted',
    });
    assert.equal(c.ruleId, 'ambiguous');
    assert.equal(c.severity, 'warning');
    assert.match(c.reason, /system_firmware_progress\.hang .*system_firmware_progress\.progress/);
  });

  test('direction not printed is taken as an assertion', () => {
    const c = classifySelEntry({ sensorType: 'Memory', event: 'Correctable memory error' });
    assert.equal(c.severity, 'warning');
  });

  test('component from the event text, then the sensor name', () => {
    assert.equal(
      classifySelEntry({ sensorType: 'Memory', event: 'Correctable ECC (@DIMMF2(CPU2))' })
        .component,
      'DIMM F2 (CPU 2)',
    );
    assert.equal(
      classifySelEntry({
        sensorType: 'Memory',
        event: 'Correctable ECC',
        eventData: 'CPU 1 DIMM 2',
      }).component,
      'DIMM 2 (CPU 1)',
    );
    assert.equal(
      classifySelEntry({
        sensorType: 'Fan',
        sensorName: 'Fan1A',
        event: 'Lower Critical going low',
      }).component,
      'Fan 1A',
    );
    assert.equal(
      classifySelEntry({
        sensorType: 'Temperature',
        sensorName: 'Inlet Temp',
        event: 'Upper Critical going high',
      }).component,
      null,
    );
  });

  test('overrides are tried first, in order', () => {
    const overrides = parseSeverityOverrides(`
rules:
  - id: lab-lids-off
    when:
      sensorType: physical_security
    severity: info
    reason: Lab racks have no lids.
  - id: single-feed
    when:
      state: [power_supply.input_lost]
      direction: asserted
    severity: critical
    reason: One feed per rack here.
`);
    const intrusion = classifySelEntry(
      { sensorType: 'Physical Security', event: 'General Chassis intrusion' },
      overrides,
    );
    assert.equal(intrusion.severity, 'info');
    assert.equal(intrusion.ruleId, 'override:lab-lids-off');
    const ac = classifySelEntry(
      { sensorType: 'Power Supply', event: 'Power Supply AC lost', direction: 'Asserted' },
      overrides,
    );
    assert.equal(ac.severity, 'critical');
    const back = classifySelEntry(
      { sensorType: 'Power Supply', event: 'Power Supply AC lost', direction: 'Deasserted' },
      overrides,
    );
    assert.equal(back.severity, 'info', 'the override matches assertions only');
  });

  test('every state of every IPMI table, in both directions, is decided by a rule of its own', () => {
    const states: { typeCode: number | null; eventType: number; offset: number; key: string }[] =
      [];
    for (const t of SENSOR_TYPES)
      for (const o of t.offsets)
        states.push({
          typeCode: t.code,
          eventType: 0x6f,
          offset: o.offset,
          key: `${t.slug}.${o.key}`,
        });
    for (const t of EVENT_TYPES)
      for (const o of t.offsets)
        states.push({
          typeCode: null,
          eventType: t.code,
          offset: o.offset,
          key: `${t.slug}.${o.key}`,
        });
    for (const s of states) {
      for (const direction of ['asserted', 'deasserted']) {
        const c = classifySelEntry({
          sensorTypeCode: s.typeCode,
          eventTypeCode: s.eventType,
          eventOffset: s.offset,
          direction,
        });
        assert.equal(c.state, s.key);
        assert.ok(
          !c.ruleId.startsWith('unresolved.'),
          `${s.key} ${direction} fell through to ${c.ruleId}`,
        );
      }
    }
  });

  test('rule ids are unique and every rule is reachable in the table order', () => {
    const ids = SEVERITY_RULES.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(SEVERITY_RULES.at(-1)?.id, 'unresolved.default');
    assert.deepEqual(SEVERITY_RULES.at(-1)?.when, {});
  });
});

describe('classifySensorState', () => {
  const table: [Parameters<typeof classifySensorState>[0], Severity | null][] = [
    ['ok', 'info'],
    ['OK', 'info'],
    ['warning', 'warning'],
    ['LNC', 'warning'],
    ['UNC', 'warning'],
    ['critical', 'critical'],
    ['LCR', 'critical'],
    ['UCR', 'critical'],
    ['LNR', 'critical'],
    ['UNR', 'critical'],
    ['unknown', null],
    ['disabled', null],
  ];
  for (const [state, severity] of table) {
    test(`${state} -> ${String(severity)}`, () => {
      assert.equal(classifySensorState(state)?.severity ?? null, severity);
    });
  }
});
