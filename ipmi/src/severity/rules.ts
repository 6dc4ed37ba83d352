/**
 * THE severity table: how a SEL entry's IPMI meaning maps to critical / warning / info.
 *
 * Rules match on what the entry means — sensor type (IPMI v2.0 table 42-3), the state it
 * resolved to (a sensor-specific offset of table 42-3, a generic offset of table 42-2, or a
 * threshold), the direction (assertion / deassertion, SEL record byte 13 bit 7) and the
 * threshold crossed — not on keywords. Text and name patterns appear only where the IPMI
 * record itself carries no meaning: OEM records, and counters that vendors model as threshold
 * sensors (the name is the only thing that says what is counted).
 *
 * The first matching rule wins. Operator overrides (overrides.ts) are tried before this table.
 * An entry whose direction the tool did not print is matched as an assertion. docs/severity.md
 * is generated from this table (`npm run gen --workspace @ipmi-monitor/ipmi`).
 */
import type { ThresholdName } from '../tables/event-types.js';
import type { SensorTypeKey } from '../tables/sensor-types.js';
import type { ComponentKind } from '../text/component.js';
import type { Direction, Severity } from '../types.js';

export interface RuleMatch {
  /** Normalised sensor types (the Avro SensorType symbols in lower case). */
  readonly sensorType?: readonly SensorTypeKey[];
  /** Resolved states, e.g. `memory.correctable_ecc`, or whole tables, e.g. `physical_security.*`. */
  readonly state?: readonly string[];
  /** Threshold events only: which threshold. */
  readonly threshold?: readonly ThresholdName[];
  /** Threshold events only: which way the reading went through the threshold. */
  readonly going?: 'low' | 'high';
  readonly direction?: Direction;
  /** Kind of physical part the entry names (from the sensor name or event text). */
  readonly component?: readonly ComponentKind[];
  /** Case-insensitive regular expression on the sensor name. */
  readonly sensorName?: string;
  /** Case-insensitive substrings of the event text (for texts no IPMI table resolves). */
  readonly eventText?: readonly string[];
  /** true: only entries resolved to a table state; false: only entries that were not. */
  readonly resolved?: boolean;
  /** true: only entries whose event text is empty (the tool could not decode the offset). */
  readonly noText?: boolean;
  /** OEM records (record types C0h-FFh) and OEM-defined events. */
  readonly oem?: boolean;
}

export interface SeverityRule {
  /** Stable id, quoted in every classification's reason and in docs/severity.md. */
  readonly id: string;
  readonly when: RuleMatch;
  readonly severity: Severity;
  /** Why, in the words an operator would use. */
  readonly reason: string;
}

function rule(id: string, when: RuleMatch, severity: Severity, reason: string): SeverityRule {
  return { id, when, severity, reason };
}

const LOWER: readonly ThresholdName[] = ['LNC', 'LCR', 'LNR'];
const UPPER: readonly ThresholdName[] = ['UNC', 'UCR', 'UNR'];
/** Parts whose removal is a problem (issue 4: a pulled PSU, drive or fan is not "info"). */
const HOT_SWAP: readonly ComponentKind[] = ['psu', 'fan', 'drive'];
/** Sensor types vendors use for error counters modelled as threshold sensors. */
const COUNTER_TYPES: readonly SensorTypeKey[] = [
  'memory',
  'other_units',
  'critical_interrupt',
  'processor',
  'chip_set',
  'event_logging_disabled',
  'oem',
  'other',
  'unknown',
];

export const SEVERITY_RULES: readonly SeverityRule[] = [
  // --- OEM records -------------------------------------------------------------------
  rule(
    'oem.record',
    { oem: true },
    'info',
    'OEM record (record type C0h-FFh): vendor-defined bytes the IPMI tables cannot interpret; add an override for codes your vendor documents',
  ),

  // --- Counters modelled as threshold sensors -----------------------------------------
  // Some BMCs count ECC or bus errors in a threshold sensor: crossing its "critical"
  // threshold means N errors were counted, not that anything is critical. Judge by what
  // is counted. Uncorrectable first: "uncorrectable" contains "correctable".
  rule(
    'counter.uncorrectable',
    {
      state: ['threshold.*'],
      direction: 'asserted',
      sensorType: COUNTER_TYPES,
      sensorName: '(uncorr|\\bue\\b|multi.?bit|\\bmbe\\b|fatal)',
    },
    'critical',
    'a counter of uncorrectable errors passed its limit: judged by what it counts, not by the threshold level',
  ),
  rule(
    'counter.correctable',
    {
      state: ['threshold.*'],
      direction: 'asserted',
      sensorType: COUNTER_TYPES,
      sensorName:
        '(correctable|corr\\.?\\s*err|\\bce\\b|single.?bit|\\bsbe\\b|ecc|err(or)?s?\\s*(count|cnt))',
    },
    'warning',
    'a counter of correctable errors passed its limit: the errors were corrected, judged as correctable ECC whatever threshold the vendor put on the counter',
  ),

  // --- Thresholds (event/reading type 01h) ---------------------------------------------
  rule(
    'threshold.recovery',
    { state: ['threshold.*'], direction: 'deasserted' },
    'info',
    'threshold event deasserted: the reading is back on the safe side of the threshold (recovery)',
  ),
  rule(
    'threshold.lower-going-high',
    { state: ['threshold.*'], threshold: LOWER, going: 'high' },
    'info',
    'the reading rose back through a lower threshold (IPMI "going high" on a lower threshold marks the return toward normal)',
  ),
  rule(
    'threshold.upper-going-low',
    { state: ['threshold.*'], threshold: UPPER, going: 'low' },
    'info',
    'the reading fell back through an upper threshold (IPMI "going low" on an upper threshold marks the return toward normal)',
  ),
  rule(
    'threshold.non-recoverable',
    { state: ['threshold.*'], threshold: ['LNR', 'UNR'] },
    'critical',
    'non-recoverable threshold crossed: the hardware may already be damaged or shutting down',
  ),
  rule(
    'threshold.critical',
    { state: ['threshold.*'], threshold: ['LCR', 'UCR'] },
    'critical',
    'critical threshold crossed: outside the safe operating range, act now',
  ),
  rule(
    'threshold.non-critical',
    { state: ['threshold.*'], threshold: ['LNC', 'UNC'] },
    'warning',
    'non-critical threshold crossed: approaching a limit',
  ),

  // --- Deassertion of a "good" state: something went away ------------------------------
  rule(
    'power-supply.removed',
    { state: ['power_supply.presence_detected'], direction: 'deasserted' },
    'warning',
    'power supply removed or no longer detected (Presence detected deasserted)',
  ),
  rule(
    'drive.removed',
    { state: ['drive_slot.drive_presence'], direction: 'deasserted' },
    'warning',
    'drive removed or no longer detected (Drive Presence deasserted)',
  ),
  rule(
    'memory.removed',
    { state: ['memory.presence_detected'], direction: 'deasserted' },
    'warning',
    'memory module no longer detected (Presence detected deasserted)',
  ),
  rule(
    'processor.removed',
    { state: ['processor.presence_detected'], direction: 'deasserted' },
    'warning',
    'processor no longer detected (Presence detected deasserted)',
  ),
  rule(
    'battery.removed',
    { state: ['battery.presence_detected'], direction: 'deasserted' },
    'warning',
    'battery removed or no longer detected',
  ),
  rule(
    'presence.hot-swap-removed',
    {
      state: ['presence.device_present', 'entity_presence.present'],
      direction: 'deasserted',
      component: HOT_SWAP,
    },
    'warning',
    'a power supply, fan or drive is no longer present (removed)',
  ),
  rule(
    'presence.hot-swap-absent',
    {
      state: ['presence.device_absent', 'entity_presence.absent'],
      direction: 'asserted',
      component: HOT_SWAP,
    },
    'warning',
    'a power supply, fan or drive is absent (removed)',
  ),
  rule(
    'presence.fan-absent',
    { state: ['presence.device_absent'], direction: 'asserted', sensorType: ['fan'] },
    'warning',
    'fan absent (removed)',
  ),
  rule(
    'presence.fan-removed',
    { state: ['presence.device_present'], direction: 'deasserted', sensorType: ['fan'] },
    'warning',
    'fan no longer present (removed)',
  ),
  rule(
    'cable.disconnected',
    { state: ['cable_interconnect.connected'], direction: 'deasserted' },
    'warning',
    'cable or interconnect disconnected',
  ),
  rule(
    'redundancy.no-longer-full',
    { state: ['redundancy.fully_redundant'], direction: 'deasserted' },
    'warning',
    'no longer fully redundant',
  ),
  rule(
    'lan.heartbeat-stopped',
    { state: ['lan.heartbeat'], direction: 'deasserted' },
    'warning',
    'LAN heartbeat stopped',
  ),
  rule(
    'enabled.hot-swap-disabled',
    { state: ['enabled.device_enabled'], direction: 'deasserted', component: HOT_SWAP },
    'warning',
    'a power supply, fan or drive is no longer enabled',
  ),

  // --- Any other deassertion: the condition went away ----------------------------------
  rule(
    'deasserted.recovery',
    { direction: 'deasserted', resolved: true },
    'info',
    'condition deasserted: the state the sensor reported has cleared (a deasserted "Failure detected" is a recovery)',
  ),

  // --- Memory (0Ch) --------------------------------------------------------------------
  rule(
    'memory.correctable-ecc',
    { state: ['memory.correctable_ecc'] },
    'warning',
    'correctable ECC: the data was corrected, but the DIMM is degrading; repeated errors predict failure',
  ),
  rule(
    'memory.uncorrectable-ecc',
    { state: ['memory.uncorrectable_ecc', 'memory.parity'] },
    'critical',
    'uncorrectable memory error: data was lost; the host may have crashed or will',
  ),
  rule(
    'memory.critical-overtemperature',
    { state: ['memory.critical_overtemperature'] },
    'critical',
    'memory critical over-temperature',
  ),
  rule(
    'memory.degraded',
    {
      state: [
        'memory.scrub_failed',
        'memory.device_disabled',
        'memory.correctable_ecc_logging_limit',
        'memory.configuration_error',
        'memory.throttled',
      ],
    },
    'warning',
    'memory degraded: scrub failure, DIMM disabled (capacity lost), correctable-error logging limit reached, configuration error or throttling',
  ),
  rule(
    'memory.informational',
    { state: ['memory.presence_detected', 'memory.spare'] },
    'info',
    'memory present / spare state',
  ),

  // --- Processor (07h) -----------------------------------------------------------------
  rule(
    'processor.fatal',
    {
      state: [
        'processor.ierr',
        'processor.thermal_trip',
        'processor.frb1_bist_failure',
        'processor.frb2_post_hang',
        'processor.frb3_startup_failure',
        'processor.configuration_error',
        'processor.smbios_uncorrectable_cpu_complex_error',
        'processor.uncorrectable_machine_check',
      ],
    },
    'critical',
    'processor failure: IERR, thermal trip, FRB/BIST failure, configuration error or uncorrectable machine check',
  ),
  rule(
    'processor.degraded',
    {
      state: ['processor.correctable_machine_check', 'processor.throttled', 'processor.disabled'],
    },
    'warning',
    'processor degraded: correctable machine check, throttling, or processor disabled',
  ),
  rule(
    'processor.informational',
    { state: ['processor.presence_detected', 'processor.terminator_presence_detected'] },
    'info',
    'processor or terminator present',
  ),

  // --- Power supply (08h) and power unit (09h) -----------------------------------------
  rule(
    'power-supply.failure',
    { state: ['power_supply.failure_detected'] },
    'critical',
    'power supply failed',
  ),
  rule(
    'power-supply.input-lost',
    {
      state: [
        'power_supply.input_lost',
        'power_supply.input_lost_or_out_of_range',
        'power_supply.input_out_of_range',
      ],
    },
    'warning',
    'power supply input (AC/DC) lost or out of range: this supply carries no load; with redundancy the other takes over, without it the host is down',
  ),
  rule(
    'power-supply.degraded',
    { state: ['power_supply.predictive_failure', 'power_supply.configuration_error'] },
    'warning',
    'power supply predicted to fail, or a configuration error (vendor, rating or voltage mismatch)',
  ),
  rule(
    'power-supply.informational',
    { state: ['power_supply.presence_detected', 'power_supply.inactive'] },
    'info',
    'power supply present, or inactive in standby (cold-redundancy) mode',
  ),
  rule(
    'power-unit.failure',
    {
      state: ['power_unit.failure_detected', 'power_unit.power_down_240va', 'power_unit.ac_lost'],
    },
    'critical',
    'power unit failure, 240 VA protective power-down, or the whole power unit lost its input',
  ),
  rule(
    'power-unit.degraded',
    {
      state: [
        'power_unit.predictive_failure',
        'power_unit.soft_power_control_failure',
        'power_unit.interlock_power_down',
      ],
    },
    'warning',
    'power unit predicted to fail, soft-power control failed, or an interlock powered the system down',
  ),
  rule(
    'power-unit.informational',
    { state: ['power_unit.power_off', 'power_unit.power_cycle'] },
    'info',
    'host powered off or power-cycled',
  ),

  // --- Drive slot (0Dh) ----------------------------------------------------------------
  rule(
    'drive.failed',
    {
      state: [
        'drive_slot.drive_fault',
        'drive_slot.in_failed_array',
        'drive_slot.in_critical_array',
      ],
    },
    'critical',
    'drive fault, or the drive is in a failed or critical (no redundancy left) array',
  ),
  rule(
    'drive.degraded',
    { state: ['drive_slot.predictive_failure', 'drive_slot.rebuild_aborted'] },
    'warning',
    'drive predicted to fail, or an array rebuild was aborted',
  ),
  rule(
    'drive.informational',
    {
      state: [
        'drive_slot.drive_presence',
        'drive_slot.hot_spare',
        'drive_slot.parity_check_in_progress',
        'drive_slot.rebuild_in_progress',
      ],
    },
    'info',
    'drive present, hot spare, consistency check or rebuild in progress',
  ),

  // --- Critical interrupt (13h) ----------------------------------------------------------
  rule(
    'critical-interrupt.fatal',
    {
      state: [
        'critical_interrupt.bus_timeout',
        'critical_interrupt.io_channel_check_nmi',
        'critical_interrupt.pci_perr',
        'critical_interrupt.pci_serr',
        'critical_interrupt.bus_uncorrectable_error',
        'critical_interrupt.fatal_nmi',
        'critical_interrupt.bus_fatal_error',
      ],
    },
    'critical',
    'uncorrectable bus error or fatal NMI (PCI PERR/SERR, IOCHK, bus timeout or fatal error)',
  ),
  rule(
    'critical-interrupt.correctable',
    {
      state: [
        'critical_interrupt.bus_correctable_error',
        'critical_interrupt.bus_degraded',
        'critical_interrupt.front_panel_nmi',
        'critical_interrupt.software_nmi',
        'critical_interrupt.eisa_failsafe_timeout',
      ],
    },
    'warning',
    'corrected or degraded bus, or a diagnostic/software NMI: not critical by itself despite the sensor type name',
  ),

  // --- Event logging (10h) -------------------------------------------------------------
  rule(
    'sel.cleared',
    { state: ['event_logging_disabled.log_cleared'] },
    'info',
    'SEL cleared (Log area reset/cleared): an operator or software cleared the log; record ids restart',
  ),
  rule(
    'sel.almost-full',
    { state: ['event_logging_disabled.sel_almost_full'] },
    'info',
    'SEL almost full: clear it (after archiving) before events are dropped',
  ),
  rule(
    'sel.logging-stopped',
    {
      state: [
        'event_logging_disabled.sel_full',
        'event_logging_disabled.all_logging_disabled',
        'event_logging_disabled.event_type_logging_disabled',
        'event_logging_disabled.correctable_memory_logging_disabled',
        'event_logging_disabled.correctable_machine_check_logging_disabled',
      ],
    },
    'warning',
    'events are no longer logged: SEL full, logging disabled, or a storm of correctable errors made the BMC stop logging them',
  ),

  // --- Watchdogs (11h, 23h) ------------------------------------------------------------
  rule(
    'watchdog.action',
    {
      state: [
        'watchdog1.bios_reset',
        'watchdog1.os_reset',
        'watchdog1.os_shutdown',
        'watchdog1.os_power_down',
        'watchdog1.os_power_cycle',
        'watchdog2.hard_reset',
        'watchdog2.power_down',
        'watchdog2.power_cycle',
      ],
    },
    'critical',
    'the watchdog reset, powered down or power-cycled the host: the BIOS or OS hung',
  ),
  rule(
    'watchdog.expired',
    {
      state: [
        'watchdog1.os_nmi',
        'watchdog1.os_expired',
        'watchdog1.os_pretimeout',
        'watchdog2.timer_expired',
        'watchdog2.timer_interrupt',
      ],
    },
    'warning',
    'watchdog timer expired or pre-timeout interrupt, without a reset',
  ),

  // --- Firmware, boot and OS (0Fh, 1Dh, 1Eh, 1Fh, 20h) ----------------------------------
  rule(
    'firmware.error',
    { state: ['system_firmware_progress.error', 'system_firmware_progress.hang'] },
    'critical',
    'system firmware (POST) error or hang',
  ),
  rule(
    'firmware.progress',
    { state: ['system_firmware_progress.progress'] },
    'info',
    'system firmware (POST) progress',
  ),
  rule('boot.initiated', { state: ['system_boot.*'] }, 'info', 'system boot or restart initiated'),
  rule(
    'boot.error',
    { state: ['boot_error.*'] },
    'warning',
    'boot error: no bootable media, PXE server not found, invalid boot sector',
  ),
  rule(
    'os-boot.installation-failed',
    { state: ['os_boot.installation_aborted', 'os_boot.installation_failed'] },
    'warning',
    'OS installation aborted or failed',
  ),
  rule('os-boot.completed', { state: ['os_boot.*'] }, 'info', 'OS boot or installation progress'),
  rule(
    'os-stop.crash',
    { state: ['os_critical_stop.stop_during_load', 'os_critical_stop.runtime_critical_stop'] },
    'critical',
    'the OS crashed (kernel panic, bug check) during load or at run time',
  ),
  rule(
    'os-stop.agent',
    { state: ['os_critical_stop.agent_not_responding', 'os_critical_stop.pef_soft_shutdown'] },
    'warning',
    'OS agent not responding, or the BMC (PEF) shut the OS down',
  ),
  rule(
    'os-stop.graceful',
    { state: ['os_critical_stop.graceful_stop', 'os_critical_stop.graceful_shutdown'] },
    'info',
    'OS stopped or shut down gracefully',
  ),

  // --- System event (12h): informational unless it reports a failure ----------------------
  rule(
    'system-event.hardware-failure',
    { state: ['system_event.undetermined_hardware_failure'] },
    'warning',
    'the BMC reports an undetermined hardware failure; look for the entries around it',
  ),
  rule(
    'system-event.informational',
    { sensorType: ['system_event'] },
    'info',
    'System Event sensor type (reconfiguration, OEM boot event, PEF action, Timestamp Clock Sync): not critical by itself',
  ),

  // --- Security (05h, 06h, 2Ah) --------------------------------------------------------
  rule(
    'security.intrusion',
    { state: ['physical_security.*', 'platform_security.*'] },
    'warning',
    'chassis intrusion or a password / front-panel security violation',
  ),
  rule(
    'session.bad-credentials',
    { state: ['session_audit.invalid_credentials', 'session_audit.invalid_password_disable'] },
    'warning',
    'failed BMC login, or a user disabled after repeated bad passwords',
  ),
  rule('session.audit', { state: ['session_audit.*'] }, 'info', 'BMC session opened or closed'),

  // --- Other sensor-specific types ------------------------------------------------------
  rule(
    'chip-set.thermal-trip',
    { state: ['chip_set.thermal_trip'] },
    'critical',
    'chipset thermal trip',
  ),
  rule(
    'chip-set.power-control',
    { state: ['chip_set.soft_power_control_failure'] },
    'warning',
    'chipset soft-power control failure',
  ),
  rule(
    'button.latch-open',
    { state: ['button_switch.fru_latch_open'] },
    'warning',
    'FRU latch opened',
  ),
  rule('button.pressed', { state: ['button_switch.*'] }, 'info', 'front-panel button pressed'),
  rule(
    'cable.configuration-error',
    { state: ['cable_interconnect.configuration_error'] },
    'warning',
    'incorrect cable or interconnection',
  ),
  rule('cable.connected', { state: ['cable_interconnect.connected'] }, 'info', 'cable connected'),
  rule(
    'slot.problem',
    { state: ['slot_connector.fault', 'slot_connector.disabled'] },
    'warning',
    'slot or connector fault, or slot disabled',
  ),
  rule(
    'slot.informational',
    { state: ['slot_connector.*'] },
    'info',
    'slot / connector status change',
  ),
  rule(
    'acpi.state',
    { state: ['system_acpi_power_state.*', 'acpi_device_state.*'] },
    'info',
    'ACPI power state change',
  ),
  rule(
    'platform-alert',
    { state: ['platform_alert.*'] },
    'info',
    'the BMC sent an alert (page, LAN alert, PET, SNMP trap)',
  ),
  rule('entity.disabled', { state: ['entity_presence.disabled'] }, 'warning', 'entity disabled'),
  rule('entity.presence', { state: ['entity_presence.*'] }, 'info', 'entity present or absent'),
  rule('lan.heartbeat-lost', { state: ['lan.heartbeat_lost'] }, 'warning', 'LAN heartbeat lost'),
  rule('lan.heartbeat', { state: ['lan.heartbeat'] }, 'info', 'LAN heartbeat'),
  rule(
    'bmc.fru-failure',
    { state: ['management_subsystem_health.fru_failure'] },
    'critical',
    'the management subsystem reports a FRU failure',
  ),
  rule(
    'bmc.degraded',
    { state: ['management_subsystem_health.*'] },
    'warning',
    'management subsystem degraded: sensor or controller access lost, controller off-line, or sensor failure; readings may be missing',
  ),
  rule(
    'battery.problem',
    { state: ['battery.low', 'battery.failed'] },
    'warning',
    'battery low or failed (CMOS / RAID cache battery): replace it',
  ),
  rule('battery.present', { state: ['battery.presence_detected'] }, 'info', 'battery present'),
  rule(
    'version.incompatible',
    {
      state: [
        'version_change.hardware_incompatibility',
        'version_change.firmware_incompatibility',
        'version_change.invalid_hardware_version',
        'version_change.invalid_firmware_version',
      ],
    },
    'warning',
    'hardware or firmware incompatibility, or an unsupported version',
  ),
  rule('version.changed', { state: ['version_change.*'] }, 'info', 'hardware or firmware changed'),
  rule(
    'fru.communication-lost',
    { state: ['fru_state.communication_lost'] },
    'warning',
    'FRU communication lost',
  ),
  rule('fru.state', { state: ['fru_state.*'] }, 'info', 'FRU state change'),

  // --- Generic discrete types (table 42-2) -----------------------------------------------
  rule(
    'redundancy.insufficient',
    { state: ['redundancy.non_redundant_insufficient'] },
    'critical',
    'not enough resources left to run (e.g. too few power supplies or fans for the load)',
  ),
  rule(
    'redundancy.lost',
    {
      state: [
        'redundancy.redundancy_lost',
        'redundancy.redundancy_degraded',
        'redundancy.non_redundant_sufficient_from_redundant',
        'redundancy.non_redundant_sufficient_from_insufficient',
        'redundancy.redundancy_degraded_from_fully_redundant',
        'redundancy.redundancy_degraded_from_non_redundant',
      ],
    },
    'warning',
    'redundancy lost or degraded: still running, but one more failure takes the function down',
  ),
  rule('redundancy.regained', { state: ['redundancy.fully_redundant'] }, 'info', 'fully redundant'),
  rule(
    'severity.non-recoverable',
    {
      state: [
        'severity.to_non_recoverable_from_less_severe',
        'severity.to_non_recoverable',
        'severity.to_critical_from_less_severe',
        'severity.to_critical_from_non_recoverable',
      ],
    },
    'critical',
    'the sensor reports a transition to critical or non-recoverable',
  ),
  rule(
    'severity.non-critical',
    { state: ['severity.to_non_critical_from_ok', 'severity.to_non_critical_from_more_severe'] },
    'warning',
    'the sensor reports a transition to non-critical',
  ),
  rule(
    'severity.ok',
    { state: ['severity.*'] },
    'info',
    'the sensor reports OK, monitor or informational',
  ),
  rule(
    'predictive-failure',
    { state: ['predictive_failure.asserted'] },
    'warning',
    'predictive failure asserted',
  ),
  rule('limit.exceeded', { state: ['limit.exceeded'] }, 'warning', 'limit exceeded'),
  rule('performance.lags', { state: ['performance.lags'] }, 'warning', 'performance lags'),
  rule(
    'availability.degraded',
    { state: ['availability.degraded', 'availability.install_error', 'availability.off_line'] },
    'warning',
    'device degraded, off-line, or an install error',
  ),
  rule(
    'enabled.hot-swap-disabled-asserted',
    { state: ['enabled.device_disabled'], component: HOT_SWAP },
    'warning',
    'a power supply, fan or drive was disabled',
  ),
  rule(
    'generic.informational',
    {
      state: [
        'usage.*',
        'digital.*',
        'predictive_failure.*',
        'limit.*',
        'performance.*',
        'presence.*',
        'enabled.*',
        'availability.*',
      ],
    },
    'info',
    'generic state change without a failure meaning by itself (usage, digital state, presence, enabled, availability)',
  ),

  // --- Entries no table resolves ----------------------------------------------------------
  rule(
    'firmware.ambiguous-text',
    { sensorType: ['system_firmware_progress'], resolved: false },
    'warning',
    'system firmware event whose text does not say whether it is an error, a hang or progress',
  ),
  rule(
    'oem.sensor-type',
    { sensorType: ['oem'] },
    'info',
    'OEM sensor type (C0h-FFh): vendor-defined; add an override for codes your vendor documents',
  ),
  rule(
    'post-memory-resize',
    { sensorType: ['post_memory_resize'] },
    'warning',
    'POST memory resize: the usable memory changed at boot (a DIMM may have been mapped out)',
  ),
  rule(
    'unresolved.empty-text',
    { noText: true, resolved: false },
    'info',
    'the tool printed no event text (it could not decode the offset); nothing to judge',
  ),
  rule(
    'unresolved.deasserted',
    { direction: 'deasserted', resolved: false },
    'info',
    'an event the IPMI tables do not resolve was deasserted: whatever it reported has cleared',
  ),
  rule(
    'unresolved.default',
    {},
    'warning',
    'event text not in the IPMI tables: shown as a warning so it is seen; add an override if it is noise',
  ),
];
