/**
 * Get Chassis Status (IPMI v2.0 section 28.2).
 *
 * `ipmitool chassis status` (ipmi_chassis.c `ipmi_chassis_status`), 1.8.11 to 1.8.19:
 *
 *   System Power         : on
 *   Power Overload       : false
 *   Power Interlock      : inactive
 *   Main Power Fault     : false
 *   Power Control Fault  : false
 *   Power Restore Policy : always-off            (previous, always-on, unknown)
 *   Last Power Event     : ac-failed command     (empty when no bit is set)
 *   Chassis Intrusion    : inactive
 *   Front-Panel Lockout  : inactive
 *   Drive Fault          : false
 *   Cooling/Fan Fault    : false
 *   Sleep Button Disable : allowed               (front panel lines, when the BMC sends byte 4)
 *
 * `ipmi-chassis --get-chassis-status` (FreeIPMI) prints the same bits with other labels
 * (`Interlock`, `Power fault`, `Cooling/fan fault`) and other words: the restore policy is
 * `Always off`, `Restore`, `Always on` or `unknown`, the last power event one phrase
 * (`ac failed`, `power on via ipmi command`, ... or `unknown` when no bit is set). Both come
 * out in ipmitool's words.
 */
import type { Line } from '../text/lines.js';
import type { ParseResult, ParsedChassisStatus } from '../types.js';
import {
  labelMap,
  labelSet,
  parseKeyValue,
  readFlag,
  readText,
  type KeyValueSpec,
} from './key-value.js';

type Fields = Omit<ParsedChassisStatus, 'kind' | 'line' | 'host'>;

const POLICIES: Readonly<Record<string, string>> = {
  'always-off': 'always-off',
  'always off': 'always-off',
  previous: 'previous',
  restore: 'previous',
  'always-on': 'always-on',
  'always on': 'always-on',
};

function restorePolicy(text: string): string | null {
  const t = readText(text);
  if (t === null) return null;
  return POLICIES[t.toLowerCase()] ?? t;
}

/** FreeIPMI's phrases for the bits ipmitool names ac-failed, overload, interlock, fault, command. */
const POWER_EVENTS: Readonly<Record<string, string>> = {
  'ac failed': 'ac-failed',
  'power down due to power overload': 'overload',
  'power down due to activation of interlock switch': 'interlock',
  'power down due to power fault': 'fault',
  'power on via ipmi command': 'command',
};

function lastPowerEvent(text: string): string | null {
  const t = readText(text);
  if (t === null) return null;
  return POWER_EVENTS[t.toLowerCase().replace(/\s+/g, ' ')] ?? t.replace(/\s+/g, ' ');
}

const SPEC: KeyValueSpec<Fields, ParsedChassisStatus> = {
  what: 'chassis status',
  labels: labelMap<keyof Fields>([
    ['powerOn', 'System Power'],
    ['powerOverload', 'Power Overload'],
    ['powerInterlock', 'Power Interlock', 'Interlock'],
    ['powerFault', 'Main Power Fault', 'Power fault'],
    ['powerControlFault', 'Power Control Fault'],
    ['powerRestorePolicy', 'Power Restore Policy'],
    ['lastPowerEvent', 'Last Power Event'],
    ['chassisIntrusion', 'Chassis Intrusion'],
    ['frontPanelLockout', 'Front-Panel Lockout', 'Front panel lockout'],
    ['driveFault', 'Drive Fault'],
    ['coolingFault', 'Cooling/Fan Fault'],
  ]),
  read: {
    powerOn: readFlag,
    powerOverload: readFlag,
    powerInterlock: readFlag,
    powerFault: readFlag,
    powerControlFault: readFlag,
    powerRestorePolicy: restorePolicy,
    lastPowerEvent,
    chassisIntrusion: readFlag,
    frontPanelLockout: readFlag,
    driveFault: readFlag,
    coolingFault: readFlag,
  },
  ignored: labelSet([
    'Front Panel Control',
    'Sleep Button Disable',
    'Diag Button Disable',
    'Reset Button Disable',
    'Power Button Disable',
    'Sleep Button Disabled',
    'Diag Button Disabled',
    'Reset Button Disabled',
    'Power Button Disabled',
    'Chassis Identify state',
    'Power off button',
    'Reset button',
    'Diagnostic Interrupt button',
    'Standby button',
    'Power off button disable',
    'Reset button disable',
    'Diagnostic interrupt button disable',
    'Standby button disable',
  ]),
  build: (c, v) => ({
    kind: 'chassis-status',
    line: c.line.no,
    host: c.host,
    powerOn: v.powerOn ?? null,
    powerOverload: v.powerOverload ?? null,
    powerInterlock: v.powerInterlock ?? null,
    powerFault: v.powerFault ?? null,
    powerControlFault: v.powerControlFault ?? null,
    powerRestorePolicy: v.powerRestorePolicy ?? null,
    lastPowerEvent: v.lastPowerEvent ?? null,
    chassisIntrusion: v.chassisIntrusion ?? null,
    frontPanelLockout: v.frontPanelLockout ?? null,
    driveFault: v.driveFault ?? null,
    coolingFault: v.coolingFault ?? null,
  }),
};

export function parseChassisStatus(lines: readonly Line[]): ParseResult<ParsedChassisStatus> {
  return parseKeyValue(lines, SPEC);
}
