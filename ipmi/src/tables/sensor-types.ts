/**
 * IPMI sensor types and their sensor-specific event offsets: IPMI v2.0 rev 1.1, table 42-3
 * ("Sensor Type Codes"), used with event/reading type 6Fh (sensor-specific).
 *
 * Each type carries the names the tools print for it, because a SEL line is all a parser
 * sees: ipmitool's `sensor_type_desc` ("Drive Slot / Bay", "System Firmwares", "Watchdog2",
 * "Other" for 0Bh) and FreeIPMI's ("Drive Slot", "System Firmware Progress", "Watchdog 2",
 * "Other Units Based Sensor"). Each offset carries the spec text plus the strings ipmitool
 * (`sensor_specific_event_types` in ipmi_sel.h) and FreeIPMI (ipmi-sensor-and-event-code-
 * tables) print for it, so an event text can be resolved back to (type, offset) — the
 * semantics the severity rules are written against.
 *
 * `key` values are the lower-case symbols of the Avro SensorType enum
 * (schemas/avro/SelEntryRecorded.avsc); `slug` is per type code (Watchdog 1 and 2 share the
 * Avro symbol WATCHDOG but not their offsets) and prefixes state keys such as
 * `memory.correctable_ecc`.
 */

export const SENSOR_TYPE_KEYS = [
  'temperature',
  'voltage',
  'current',
  'fan',
  'power',
  'physical_security',
  'platform_security',
  'processor',
  'power_supply',
  'power_unit',
  'cooling_device',
  'other_units',
  'memory',
  'drive_slot',
  'post_memory_resize',
  'system_firmware_progress',
  'event_logging_disabled',
  'watchdog',
  'system_event',
  'critical_interrupt',
  'button_switch',
  'module_board',
  'microcontroller',
  'add_in_card',
  'chassis',
  'chip_set',
  'other_fru',
  'cable_interconnect',
  'terminator',
  'system_boot',
  'boot_error',
  'os_boot',
  'os_critical_stop',
  'slot_connector',
  'system_acpi_power_state',
  'platform_alert',
  'entity_presence',
  'monitor_asic',
  'lan',
  'management_subsystem_health',
  'battery',
  'session_audit',
  'version_change',
  'fru_state',
  'oem',
  'other',
  'unknown',
] as const;

/** Normalised sensor category: the Avro SensorType symbol in lower case. */
export type SensorTypeKey = (typeof SENSOR_TYPE_KEYS)[number];

export interface OffsetDef {
  /** Event offset (event data 1, bits 3-0; for some types the offset is 4 bits wide). */
  readonly offset: number;
  /** Stable key of the state within its table, e.g. `correctable_ecc`. */
  readonly key: string;
  /** The state as the spec names it. */
  readonly text: string;
  /** What ipmitool / FreeIPMI / vendors print for this state (matched case- and punctuation-insensitively). */
  readonly aliases: readonly string[];
}

export interface SensorTypeDef {
  readonly code: number;
  readonly key: SensorTypeKey;
  /** Prefix of this type's state keys; unique per code. */
  readonly slug: string;
  /** Name in table 42-3. */
  readonly name: string;
  /** Names the tools print for this type (ipmitool first, then FreeIPMI, then others). */
  readonly names: readonly string[];
  readonly offsets: readonly OffsetDef[];
}

function o(offset: number, key: string, text: string, ...aliases: string[]): OffsetDef {
  return { offset, key, text, aliases };
}

function t(
  code: number,
  key: SensorTypeKey,
  slug: string,
  name: string,
  names: readonly string[],
  offsets: readonly OffsetDef[] = [],
): SensorTypeDef {
  return { code, key, slug, name, names, offsets };
}

/** System Firmware Progress (0Fh) event data 2 texts: ipmitool prints these instead of the offset name. */
const POST_ERRORS = [
  'Unspecified',
  'No system memory installed',
  'No system memory is physically installed in the system',
  'No usable system memory',
  'No usable system memory, all installed memory has experienced an unrecoverable failure',
  'Unrecoverable IDE device failure',
  'Unrecoverable hard-disk/ATAPI/IDE device failure',
  'Unrecoverable system-board failure',
  'Unrecoverable diskette failure',
  'Unrecoverable diskette subsystem failure',
  'Unrecoverable hard-disk controller failure',
  'Unrecoverable PS/2 or USB keyboard failure',
  'Removable boot media not found',
  'Unrecoverable video controller failure',
  'No video device selected',
  'No video device detected',
  'BIOS corruption detected',
  'Firmware (BIOS) ROM corruption detected',
  'CPU voltage mismatch',
  'CPU voltage mismatch (processors that share same supply have mismatched voltage requirements)',
  'CPU speed mismatch failure',
  'CPU speed matching failure',
  'Unknown Error',
];

/**
 * Progress codes of System Firmware Progress offsets 01h (hang) and 02h (progress). ipmitool
 * prints the same text for both, so such a line is ambiguous; the classifier says so.
 */
export const POST_PROGRESS_TEXTS = [
  'Memory initialization',
  'Hard-disk initialization',
  'Secondary CPU Initialization',
  'Secondary processor(s) initialization',
  'User authentication',
  'User-initiated system setup',
  'USB resource configuration',
  'PCI resource configuration',
  'Option ROM initialization',
  'Video initialization',
  'Cache initialization',
  'SMBus initialization',
  'SM Bus initialization',
  'Keyboard controller initialization',
  'Management controller initialization',
  'Embedded controller/management controller initialization',
  'Docking station attachment',
  'Enabling docking station',
  'Docking station ejection',
  'Disabling docking station',
  'Calling operating system wake-up vector',
  'System boot initiated',
  'Motherboard initialization',
  'Floppy initialization',
  'Keyboard test',
  'Pointing device test',
  'Primary CPU initialization',
  'Primary processor initialization',
];

export const SENSOR_TYPES: readonly SensorTypeDef[] = [
  t(0x01, 'temperature', 'temperature', 'Temperature', ['Temperature']),
  t(0x02, 'voltage', 'voltage', 'Voltage', ['Voltage']),
  t(0x03, 'current', 'current', 'Current', ['Current']),
  t(0x04, 'fan', 'fan', 'Fan', ['Fan']),
  t(
    0x05,
    'physical_security',
    'physical_security',
    'Physical Security (Chassis Intrusion)',
    ['Physical Security', 'Physical_Security', 'Chassis Intrusion'],
    [
      o(0x00, 'general_chassis_intrusion', 'General Chassis Intrusion'),
      o(0x01, 'drive_bay_intrusion', 'Drive Bay intrusion'),
      o(0x02, 'io_card_area_intrusion', 'I/O Card area intrusion'),
      o(0x03, 'processor_area_intrusion', 'Processor area intrusion'),
      o(
        0x04,
        'lan_leash_lost',
        'LAN Leash Lost (system is unplugged from LAN)',
        'System unplugged from LAN',
        'LAN Leash Lost',
      ),
      o(0x05, 'unauthorized_dock', 'Unauthorized dock'),
      o(0x06, 'fan_area_intrusion', 'FAN area intrusion'),
    ],
  ),
  t(
    0x06,
    'platform_security',
    'platform_security',
    'Platform Security Violation Attempt',
    ['Platform Security', 'Platform Security Violation Attempt'],
    [
      o(
        0x00,
        'front_panel_lockout_violation',
        'Secure Mode (Front Panel Lockout) Violation attempt',
        'Front Panel Lockout violation attempted',
      ),
      o(0x01, 'preboot_user_password_violation', 'Pre-boot Password Violation - user password'),
      o(
        0x02,
        'preboot_setup_password_violation',
        'Pre-boot Password Violation attempt - setup password',
        'Pre-boot password violation - setup password',
      ),
      o(
        0x03,
        'preboot_network_password_violation',
        'Pre-boot Password Violation - network boot password',
      ),
      o(0x04, 'other_preboot_password_violation', 'Other pre-boot Password Violation'),
      o(0x05, 'out_of_band_password_violation', 'Out-of-band Access Password Violation'),
    ],
  ),
  t(
    0x07,
    'processor',
    'processor',
    'Processor',
    ['Processor'],
    [
      o(0x00, 'ierr', 'IERR'),
      o(0x01, 'thermal_trip', 'Thermal Trip'),
      o(0x02, 'frb1_bist_failure', 'FRB1/BIST failure'),
      o(0x03, 'frb2_post_hang', 'FRB2/Hang in POST failure'),
      o(
        0x04,
        'frb3_startup_failure',
        'FRB3/Processor Startup/Initialization failure',
        'FRB3/Processor startup/init failure',
      ),
      o(0x05, 'configuration_error', 'Configuration Error'),
      o(
        0x06,
        'smbios_uncorrectable_cpu_complex_error',
        "SM BIOS 'Uncorrectable CPU-complex Error'",
        'SM BIOS Uncorrectable CPU-complex Error',
      ),
      o(0x07, 'presence_detected', 'Processor Presence detected', 'Presence detected'),
      o(0x08, 'disabled', 'Processor disabled', 'Disabled'),
      o(0x09, 'terminator_presence_detected', 'Terminator Presence Detected'),
      o(0x0a, 'throttled', 'Processor Automatically Throttled', 'Throttled'),
      o(
        0x0b,
        'uncorrectable_machine_check',
        'Machine Check Exception (Uncorrectable)',
        'Uncorrectable machine check exception',
        'Machine Check Exception',
      ),
      o(0x0c, 'correctable_machine_check', 'Correctable Machine Check Error'),
    ],
  ),
  t(
    0x08,
    'power_supply',
    'power_supply',
    'Power Supply',
    ['Power Supply', 'Power_Supply'],
    [
      o(0x00, 'presence_detected', 'Presence detected'),
      o(0x01, 'failure_detected', 'Power Supply Failure detected', 'Failure detected'),
      o(0x02, 'predictive_failure', 'Predictive Failure'),
      o(
        0x03,
        'input_lost',
        'Power Supply input lost (AC/DC)',
        'Power Supply AC lost',
        'AC lost',
        'Power Supply input lost',
      ),
      o(
        0x04,
        'input_lost_or_out_of_range',
        'Power Supply input lost or out-of-range',
        'AC lost or out-of-range',
      ),
      o(
        0x05,
        'input_out_of_range',
        'Power Supply input out-of-range, but present',
        'AC out-of-range, but present',
      ),
      o(
        0x06,
        'configuration_error',
        'Configuration error',
        'Config Error',
        'Config Error: Vendor Mismatch',
        'Config Error: Revision Mismatch',
        'Config Error: Processor Missing',
        'Config Error: Power Supply Rating Mismatch',
        'Config Error: Voltage Rating Mismatch',
      ),
      o(0x07, 'inactive', 'Power Supply Inactive (in standby state)', 'Power Supply Inactive'),
    ],
  ),
  t(
    0x09,
    'power_unit',
    'power_unit',
    'Power Unit',
    ['Power Unit', 'Power_Unit'],
    [
      o(0x00, 'power_off', 'Power Off / Power Down', 'Power off/down'),
      o(0x01, 'power_cycle', 'Power Cycle'),
      o(0x02, 'power_down_240va', '240VA Power Down'),
      o(0x03, 'interlock_power_down', 'Interlock Power Down'),
      o(0x04, 'ac_lost', 'AC lost / Power input lost', 'AC lost'),
      o(0x05, 'soft_power_control_failure', 'Soft Power Control Failure'),
      o(0x06, 'failure_detected', 'Power Unit Failure detected', 'Failure detected'),
      o(0x07, 'predictive_failure', 'Predictive Failure'),
    ],
  ),
  t(0x0a, 'cooling_device', 'cooling_device', 'Cooling Device', ['Cooling Device']),
  t(0x0b, 'other_units', 'other_units', 'Other Units-based Sensor', [
    'Other',
    'Other Units Based Sensor',
    'Other Units-based Sensor',
  ]),
  t(
    0x0c,
    'memory',
    'memory',
    'Memory',
    ['Memory'],
    [
      o(
        0x00,
        'correctable_ecc',
        'Correctable ECC / other correctable memory error',
        'Correctable ECC',
        'Correctable memory error',
      ),
      o(
        0x01,
        'uncorrectable_ecc',
        'Uncorrectable ECC / other uncorrectable memory error',
        'Uncorrectable ECC',
        'Uncorrectable memory error',
      ),
      o(0x02, 'parity', 'Parity'),
      o(0x03, 'scrub_failed', 'Memory Scrub Failed (stuck bit)', 'Memory Scrub Failed'),
      o(0x04, 'device_disabled', 'Memory Device Disabled'),
      o(
        0x05,
        'correctable_ecc_logging_limit',
        'Correctable ECC / other correctable memory error logging limit reached',
        'Correctable ECC logging limit reached',
        'Correctable memory error logging limit reached',
      ),
      o(0x06, 'presence_detected', 'Presence detected'),
      o(0x07, 'configuration_error', 'Configuration error'),
      o(0x08, 'spare', 'Spare'),
      o(0x09, 'throttled', 'Memory Automatically Throttled', 'Throttled'),
      o(0x0a, 'critical_overtemperature', 'Critical Overtemperature'),
    ],
  ),
  t(
    0x0d,
    'drive_slot',
    'drive_slot',
    'Drive Slot (Bay)',
    ['Drive Slot / Bay', 'Drive Slot', 'Drive Bay'],
    [
      o(0x00, 'drive_presence', 'Drive Presence', 'Drive Present'),
      o(0x01, 'drive_fault', 'Drive Fault'),
      o(0x02, 'predictive_failure', 'Predictive Failure'),
      o(0x03, 'hot_spare', 'Hot Spare'),
      o(
        0x04,
        'parity_check_in_progress',
        'Consistency Check / Parity Check in progress',
        'Parity Check In Progress',
      ),
      o(0x05, 'in_critical_array', 'In Critical Array'),
      o(0x06, 'in_failed_array', 'In Failed Array'),
      o(0x07, 'rebuild_in_progress', 'Rebuild/Remap in progress', 'Rebuild In Progress'),
      o(
        0x08,
        'rebuild_aborted',
        'Rebuild/Remap Aborted (was not completed normally)',
        'Rebuild/Remap Aborted',
        'Rebuild Aborted',
      ),
    ],
  ),
  t(0x0e, 'post_memory_resize', 'post_memory_resize', 'POST Memory Resize', ['POST Memory Resize']),
  t(
    0x0f,
    'system_firmware_progress',
    'system_firmware_progress',
    'System Firmware Progress (formerly POST Error)',
    ['System Firmwares', 'System Firmware Progress', 'System Firmware'],
    [
      o(
        0x00,
        'error',
        'System Firmware Error (POST Error)',
        'System Firmware Error',
        ...POST_ERRORS,
      ),
      o(0x01, 'hang', 'System Firmware Hang', 'Unknown Hang', ...POST_PROGRESS_TEXTS),
      o(0x02, 'progress', 'System Firmware Progress', 'Unknown Progress', ...POST_PROGRESS_TEXTS),
    ],
  ),
  t(
    0x10,
    'event_logging_disabled',
    'event_logging_disabled',
    'Event Logging Disabled',
    ['Event Logging Disabled'],
    [
      o(0x00, 'correctable_memory_logging_disabled', 'Correctable Memory Error Logging Disabled'),
      o(
        0x01,
        'event_type_logging_disabled',
        "Event 'Type' Logging Disabled",
        'Event logging disabled',
        'Event Type Logging Disabled',
      ),
      o(0x02, 'log_cleared', 'Log Area Reset/Cleared'),
      o(0x03, 'all_logging_disabled', 'All Event Logging Disabled'),
      o(0x04, 'sel_full', 'SEL Full', 'Log full'),
      o(0x05, 'sel_almost_full', 'SEL Almost Full', 'Log almost full'),
      o(
        0x06,
        'correctable_machine_check_logging_disabled',
        'Correctable Machine Check Error Logging Disabled',
      ),
    ],
  ),
  t(
    0x11,
    'watchdog',
    'watchdog1',
    'Watchdog 1',
    ['Watchdog1', 'Watchdog 1', 'Watchdog_1'],
    [
      o(0x00, 'bios_reset', 'BIOS Watchdog Reset', 'BIOS Reset'),
      o(0x01, 'os_reset', 'OS Watchdog Reset', 'OS Reset'),
      o(0x02, 'os_shutdown', 'OS Watchdog Shut Down', 'OS Shut Down'),
      o(0x03, 'os_power_down', 'OS Watchdog Power Down', 'OS Power Down'),
      o(0x04, 'os_power_cycle', 'OS Watchdog Power Cycle', 'OS Power Cycle'),
      o(0x05, 'os_nmi', 'OS Watchdog NMI / Diagnostic Interrupt', 'OS NMI/Diag Interrupt'),
      o(0x06, 'os_expired', 'OS Watchdog Expired, status only', 'OS Expired'),
      o(
        0x07,
        'os_pretimeout',
        'OS Watchdog pre-timeout Interrupt, non-NMI',
        'OS pre-timeout Interrupt',
      ),
    ],
  ),
  t(
    0x12,
    'system_event',
    'system_event',
    'System Event',
    ['System Event'],
    [
      o(0x00, 'reconfigured', 'System Reconfigured'),
      o(0x01, 'oem_boot_event', 'OEM System Boot Event'),
      o(0x02, 'undetermined_hardware_failure', 'Undetermined system hardware failure'),
      o(0x03, 'auxiliary_log_entry', 'Entry added to Auxiliary Log'),
      o(0x04, 'pef_action', 'PEF Action'),
      o(0x05, 'timestamp_clock_sync', 'Timestamp Clock Synch', 'Timestamp Clock Sync'),
    ],
  ),
  t(
    0x13,
    'critical_interrupt',
    'critical_interrupt',
    'Critical Interrupt',
    ['Critical Interrupt'],
    [
      o(0x00, 'front_panel_nmi', 'Front Panel NMI / Diagnostic Interrupt', 'NMI/Diag Interrupt'),
      o(0x01, 'bus_timeout', 'Bus Timeout'),
      o(0x02, 'io_channel_check_nmi', 'I/O channel check NMI'),
      o(0x03, 'software_nmi', 'Software NMI'),
      o(0x04, 'pci_perr', 'PCI PERR'),
      o(0x05, 'pci_serr', 'PCI SERR'),
      o(0x06, 'eisa_failsafe_timeout', 'EISA Fail Safe Timeout', 'EISA failsafe timeout'),
      o(0x07, 'bus_correctable_error', 'Bus Correctable Error'),
      o(0x08, 'bus_uncorrectable_error', 'Bus Uncorrectable Error'),
      o(0x09, 'fatal_nmi', 'Fatal NMI (port 61h, bit 7)', 'Fatal NMI'),
      o(0x0a, 'bus_fatal_error', 'Bus Fatal Error'),
      o(0x0b, 'bus_degraded', 'Bus Degraded'),
    ],
  ),
  t(
    0x14,
    'button_switch',
    'button_switch',
    'Button / Switch',
    ['Button / Switch', 'Button/Switch', 'Button'],
    [
      o(0x00, 'power_button', 'Power Button pressed'),
      o(0x01, 'sleep_button', 'Sleep Button pressed'),
      o(0x02, 'reset_button', 'Reset Button pressed'),
      o(0x03, 'fru_latch_open', 'FRU latch open', 'FRU Latch'),
      o(0x04, 'fru_service_request', 'FRU service request button', 'FRU Service'),
    ],
  ),
  t(0x15, 'module_board', 'module_board', 'Module / Board', ['Module / Board', 'Module/Board']),
  t(0x16, 'microcontroller', 'microcontroller', 'Microcontroller / Coprocessor', [
    'Microcontroller / Coprocessor',
    'Microcontroller/Coprocessor',
    'Microcontroller',
  ]),
  t(0x17, 'add_in_card', 'add_in_card', 'Add-in Card', ['Add-in Card', 'Add In Card']),
  t(0x18, 'chassis', 'chassis', 'Chassis', ['Chassis']),
  t(
    0x19,
    'chip_set',
    'chip_set',
    'Chip Set',
    ['Chip Set', 'Chipset'],
    [
      o(0x00, 'soft_power_control_failure', 'Soft Power Control Failure'),
      o(0x01, 'thermal_trip', 'Thermal Trip'),
    ],
  ),
  t(0x1a, 'other_fru', 'other_fru', 'Other FRU', ['Other FRU', 'Other Fru']),
  t(
    0x1b,
    'cable_interconnect',
    'cable_interconnect',
    'Cable / Interconnect',
    ['Cable / Interconnect', 'Cable/Interconnect'],
    [
      o(0x00, 'connected', 'Cable/Interconnect is connected', 'Connected'),
      o(
        0x01,
        'configuration_error',
        'Configuration Error - Incorrect cable connected / Incorrect interconnection',
        'Config Error',
      ),
    ],
  ),
  t(0x1c, 'terminator', 'terminator', 'Terminator', ['Terminator']),
  t(
    0x1d,
    'system_boot',
    'system_boot',
    'System Boot / Restart Initiated',
    ['System Boot Initiated', 'System Boot/Restart Initiated'],
    [
      o(0x00, 'power_up', 'Initiated by power up'),
      o(0x01, 'hard_reset', 'Initiated by hard reset'),
      o(0x02, 'warm_reset', 'Initiated by warm reset'),
      o(0x03, 'pxe_boot_requested', 'User requested PXE boot'),
      o(0x04, 'diagnostic_boot', 'Automatic boot to diagnostic'),
      o(
        0x05,
        'os_hard_reset',
        'OS / run-time software initiated hard reset',
        'OS initiated hard reset',
      ),
      o(
        0x06,
        'os_warm_reset',
        'OS / run-time software initiated warm reset',
        'OS initiated warm reset',
      ),
      o(0x07, 'system_restart', 'System Restart'),
    ],
  ),
  t(
    0x1e,
    'boot_error',
    'boot_error',
    'Boot Error',
    ['Boot Error'],
    [
      o(0x00, 'no_bootable_media', 'No bootable media'),
      o(
        0x01,
        'non_bootable_diskette',
        'Non-bootable diskette left in drive',
        'Non-bootable disk in drive',
      ),
      o(0x02, 'pxe_server_not_found', 'PXE Server not found'),
      o(0x03, 'invalid_boot_sector', 'Invalid boot sector'),
      o(
        0x04,
        'boot_selection_timeout',
        'Timeout waiting for user selection of boot source',
        'Timeout waiting for selection',
      ),
    ],
  ),
  t(
    0x1f,
    'os_boot',
    'os_boot',
    'Base OS Boot / Installation Status',
    ['OS Boot', 'Base OS Boot/Installation Status'],
    [
      o(0x00, 'a_boot_completed', 'A: boot completed'),
      o(0x01, 'c_boot_completed', 'C: boot completed'),
      o(0x02, 'pxe_boot_completed', 'PXE boot completed'),
      o(0x03, 'diagnostic_boot_completed', 'Diagnostic boot completed'),
      o(0x04, 'cdrom_boot_completed', 'CD-ROM boot completed'),
      o(0x05, 'rom_boot_completed', 'ROM boot completed'),
      o(
        0x06,
        'boot_completed',
        'boot completed - boot device not specified',
        'boot completed - device not specified',
      ),
      o(
        0x07,
        'installation_started',
        'Base OS/Hypervisor Installation started',
        'Installation started',
      ),
      o(
        0x08,
        'installation_completed',
        'Base OS/Hypervisor Installation completed',
        'Installation completed',
      ),
      o(
        0x09,
        'installation_aborted',
        'Base OS/Hypervisor Installation aborted',
        'Installation aborted',
      ),
      o(
        0x0a,
        'installation_failed',
        'Base OS/Hypervisor Installation failed',
        'Installation failed',
      ),
    ],
  ),
  t(
    0x20,
    'os_critical_stop',
    'os_critical_stop',
    'OS Stop / Shutdown',
    ['OS Critical Stop', 'OS Stop/Shutdown'],
    [
      o(
        0x00,
        'stop_during_load',
        'Critical stop during OS load / initialization',
        'Error during system startup',
        'Stop during OS load/init',
      ),
      o(0x01, 'runtime_critical_stop', 'Run-time Critical Stop'),
      o(0x02, 'graceful_stop', 'OS Graceful Stop'),
      o(0x03, 'graceful_shutdown', 'OS Graceful Shutdown'),
      o(0x04, 'pef_soft_shutdown', 'Soft Shutdown initiated by PEF', 'PEF initiated soft shutdown'),
      o(0x05, 'agent_not_responding', 'Agent Not Responding'),
    ],
  ),
  t(
    0x21,
    'slot_connector',
    'slot_connector',
    'Slot / Connector',
    ['Slot / Connector', 'Slot/Connector'],
    [
      o(0x00, 'fault', 'Fault Status asserted', 'Fault Status'),
      o(0x01, 'identify', 'Identify Status asserted', 'Identify Status'),
      o(0x02, 'device_installed', 'Slot / Connector Device installed/attached', 'Device Installed'),
      o(
        0x03,
        'ready_for_installation',
        'Slot / Connector Ready for Device Installation',
        'Ready for Device Installation',
      ),
      o(
        0x04,
        'ready_for_removal',
        'Slot/Connector Ready for Device Removal',
        'Ready for Device Removal',
      ),
      o(0x05, 'power_off', 'Slot Power is Off'),
      o(
        0x06,
        'removal_request',
        'Slot / Connector Device Removal Request',
        'Device Removal Request',
      ),
      o(0x07, 'interlock', 'Interlock asserted', 'Interlock'),
      o(0x08, 'disabled', 'Slot is Disabled'),
      o(0x09, 'spare', 'Slot holds spare device', 'Spare Device'),
    ],
  ),
  t(
    0x22,
    'system_acpi_power_state',
    'system_acpi_power_state',
    'System ACPI Power State',
    ['System ACPI Power State'],
    [
      o(0x00, 's0_working', 'S0 / G0 "working"', 'S0/G0: working'),
      o(0x01, 's1_sleeping', 'S1 "sleeping with system h/w & processor context maintained"'),
      o(0x02, 's2_sleeping', 'S2 "sleeping, processor context lost"'),
      o(0x03, 's3_sleeping', 'S3 "sleeping, processor & h/w context lost, memory retained"'),
      o(0x04, 's4_suspend_to_disk', 'S4 "non-volatile sleep / suspend-to disk"'),
      o(0x05, 's5_soft_off', 'S5 / G2 "soft-off"', 'S5/G2: soft-off'),
      o(
        0x06,
        's4_s5_soft_off',
        'S4 / S5 soft-off, particular S4 / S5 state cannot be determined',
        'S4/S5: soft-off',
      ),
      o(0x07, 'g3_mechanical_off', 'G3 / Mechanical Off', 'G3: mechanical off'),
      o(0x08, 'sleeping', 'Sleeping in an S1, S2, or S3 states', 'Sleeping in S1/S2/S3 state'),
      o(0x09, 'g1_sleeping', 'G1 sleeping', 'G1: sleeping'),
      o(0x0a, 's5_override', 'S5 entered by override', 'S5: entered by override'),
      o(0x0b, 'legacy_on', 'Legacy ON state'),
      o(0x0c, 'legacy_off', 'Legacy OFF state'),
      o(0x0e, 'unknown', 'Unknown'),
    ],
  ),
  t(
    0x23,
    'watchdog',
    'watchdog2',
    'Watchdog 2',
    ['Watchdog2', 'Watchdog 2', 'Watchdog_2', 'Watchdog'],
    [
      o(0x00, 'timer_expired', 'Timer expired, status only', 'Timer expired'),
      o(0x01, 'hard_reset', 'Hard Reset'),
      o(0x02, 'power_down', 'Power Down'),
      o(0x03, 'power_cycle', 'Power Cycle'),
      o(0x08, 'timer_interrupt', 'Timer interrupt'),
    ],
  ),
  t(
    0x24,
    'platform_alert',
    'platform_alert',
    'Platform Alert',
    ['Platform Alert'],
    [
      o(0x00, 'page', 'platform generated page'),
      o(0x01, 'lan_alert', 'platform generated LAN alert'),
      o(0x02, 'pet', 'Platform Event Trap generated'),
      o(
        0x03,
        'snmp_trap',
        'platform generated SNMP trap, OEM format',
        'platform generated SNMP trap',
      ),
    ],
  ),
  t(
    0x25,
    'entity_presence',
    'entity_presence',
    'Entity Presence',
    ['Entity Presence'],
    [
      o(0x00, 'present', 'Entity Present', 'Present'),
      o(0x01, 'absent', 'Entity Absent', 'Absent'),
      o(0x02, 'disabled', 'Entity Disabled', 'Disabled'),
    ],
  ),
  t(0x26, 'monitor_asic', 'monitor_asic', 'Monitor ASIC / IC', [
    'Monitor ASIC / IC',
    'Monitor ASIC/IC',
  ]),
  t(
    0x27,
    'lan',
    'lan',
    'LAN',
    ['LAN'],
    [
      o(0x00, 'heartbeat_lost', 'LAN Heartbeat Lost', 'Heartbeat Lost'),
      o(0x01, 'heartbeat', 'LAN Heartbeat', 'Heartbeat'),
    ],
  ),
  t(
    0x28,
    'management_subsystem_health',
    'management_subsystem_health',
    'Management Subsystem Health',
    ['Management Subsys Health', 'Management Subsystem Health'],
    [
      o(0x00, 'sensor_access_degraded', 'sensor access degraded or unavailable'),
      o(0x01, 'controller_access_degraded', 'controller access degraded or unavailable'),
      o(0x02, 'controller_offline', 'management controller off-line'),
      o(0x03, 'controller_unavailable', 'management controller unavailable'),
      o(0x04, 'sensor_failure', 'Sensor failure'),
      o(0x05, 'fru_failure', 'FRU failure'),
    ],
  ),
  t(
    0x29,
    'battery',
    'battery',
    'Battery',
    ['Battery'],
    [
      o(0x00, 'low', 'battery low (predictive failure)', 'Low'),
      o(0x01, 'failed', 'battery failed', 'Failed'),
      o(0x02, 'presence_detected', 'battery presence detected', 'Presence Detected'),
    ],
  ),
  t(
    0x2a,
    'session_audit',
    'session_audit',
    'Session Audit',
    ['Session Audit'],
    [
      o(0x00, 'activated', 'Session Activated'),
      o(0x01, 'deactivated', 'Session Deactivated'),
      o(0x02, 'invalid_credentials', 'Invalid Username or Password'),
      o(0x03, 'invalid_password_disable', 'Invalid password disable'),
    ],
  ),
  t(
    0x2b,
    'version_change',
    'version_change',
    'Version Change',
    ['Version Change'],
    [
      o(
        0x00,
        'hardware_change',
        'Hardware change detected with associated Entity',
        'Hardware change detected',
      ),
      o(
        0x01,
        'firmware_change',
        'Firmware or software change detected with associated Entity',
        'Firmware or software change detected',
      ),
      o(
        0x02,
        'hardware_incompatibility',
        'Hardware incompatibility detected with associated Entity',
        'Hardware incompatibility detected',
      ),
      o(
        0x03,
        'firmware_incompatibility',
        'Firmware or software incompatibility detected with associated Entity',
        'Firmware or software incompatibility detected',
      ),
      o(
        0x04,
        'invalid_hardware_version',
        'Entity is of an invalid or unsupported hardware version',
        'Invalid or unsupported hardware version',
      ),
      o(
        0x05,
        'invalid_firmware_version',
        'Entity contains an invalid or unsupported firmware or software version',
        'Invalid or unsupported firmware or software version',
      ),
      o(
        0x06,
        'hardware_change_success',
        'Hardware Change detected with associated Entity was successful',
        'Hardware change success',
      ),
      o(
        0x07,
        'firmware_change_success',
        'Software or F/W Change detected with associated Entity was successful',
        'Firmware or software change success',
      ),
    ],
  ),
  t(
    0x2c,
    'fru_state',
    'fru_state',
    'FRU State',
    ['FRU State'],
    [
      o(0x00, 'not_installed', 'FRU Not Installed', 'Not Installed'),
      o(0x01, 'inactive', 'FRU Inactive', 'Inactive'),
      o(0x02, 'activation_requested', 'FRU Activation Requested', 'Activation Requested'),
      o(0x03, 'activation_in_progress', 'FRU Activation In Progress', 'Activation in Progress'),
      o(0x04, 'active', 'FRU Active', 'Active'),
      o(0x05, 'deactivation_requested', 'FRU Deactivation Requested', 'Deactivation Requested'),
      o(
        0x06,
        'deactivation_in_progress',
        'FRU Deactivation In Progress',
        'Deactivation in Progress',
      ),
      o(0x07, 'communication_lost', 'FRU Communication Lost', 'Communication lost'),
    ],
  ),
];

const byCode = new Map(SENSOR_TYPES.map((d) => [d.code, d]));
const bySlug = new Map(SENSOR_TYPES.map((d) => [d.slug, d]));

/** Lower-cases and drops everything but letters and digits: "Lower Non-critical - going low" = "Lower Non-critical going low ". */
export function normalizeText(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '');
}

/** The sensor type of a raw type code (table 42-3); C0h-FFh are OEM. */
export function sensorTypeByCode(code: number): SensorTypeDef | undefined {
  return byCode.get(code);
}

export function sensorTypeBySlug(slug: string): SensorTypeDef | undefined {
  return bySlug.get(slug);
}

/** Avro-style key of a raw type code: OEM for C0h-FFh, OTHER for a reserved code. */
export function sensorTypeKeyOfCode(code: number): SensorTypeKey {
  const def = byCode.get(code);
  if (def) return def.key;
  return code >= 0xc0 && code <= 0xff ? 'oem' : 'other';
}

interface NameEntry {
  readonly norm: string;
  readonly def: SensorTypeDef | null;
  readonly key: SensorTypeKey;
}

/** Every printed type name, longest first, for prefix matching of ipmitool's "<type> <sensor>" column. */
const NAME_ENTRIES: readonly NameEntry[] = [
  ...SENSOR_TYPES.flatMap((def) =>
    [def.name, ...def.names].map((n) => ({ norm: n.toLowerCase(), def, key: def.key })),
  ),
  // ipmitool prints "Unknown" for a type it has no name for (OEM C0h-FFh without an OEM
  // table, or a reserved code); FreeIPMI prints "OEM Reserved" for C0h-FFh.
  { norm: 'oem reserved', def: null, key: 'oem' as const },
  { norm: 'oem', def: null, key: 'oem' as const },
  { norm: 'unknown', def: null, key: 'unknown' as const },
  { norm: 'reserved', def: null, key: 'other' as const },
].sort((a, b) => b.norm.length - a.norm.length);

/** Entries by the first word of the name, longest name first within each list. */
const NAMES_BY_FIRST_WORD = new Map<string, NameEntry[]>();
for (const e of NAME_ENTRIES) {
  const w = /^[^ ]*/.exec(e.norm)?.[0] ?? '';
  NAMES_BY_FIRST_WORD.set(w, [...(NAMES_BY_FIRST_WORD.get(w) ?? []), e]);
}

const typeNameIndex = new Map<string, NameEntry>();
for (const e of NAME_ENTRIES) {
  if (!typeNameIndex.has(e.norm)) typeNameIndex.set(e.norm, e);
  const squashed = normalizeText(e.norm);
  if (!typeNameIndex.has(squashed)) typeNameIndex.set(squashed, e);
}

export interface TypeLookup {
  readonly key: SensorTypeKey;
  readonly def: SensorTypeDef | null;
}

/** Resolves a sensor type name as FreeIPMI or ipmitool print it ("Power Supply", "Drive Slot / Bay", "Watchdog 2"). */
export function sensorTypeByName(name: string): TypeLookup | undefined {
  const trimmed = name.trim().toLowerCase();
  const hit = typeNameIndex.get(trimmed) ?? typeNameIndex.get(normalizeText(trimmed));
  return hit ? { key: hit.key, def: hit.def } : undefined;
}

/**
 * Splits ipmitool's sensor column "<type name> <sensor name or #0xNN>" (ipmi_sel.c prints the
 * type from `sensor_type_desc`, then the SDR id string, or `#0x%02x` when no SDR matched and
 * the number is not 0). Longest type name wins ("Other FRU" before "Other").
 */
export function splitTypePrefix(column: string): { type: TypeLookup; rest: string } | undefined {
  const lower = column.toLowerCase();
  const firstWord = /^[^ ]*/.exec(lower)?.[0] ?? '';
  for (const e of NAMES_BY_FIRST_WORD.get(firstWord) ?? []) {
    if (!lower.startsWith(e.norm)) continue;
    const next = column.charAt(e.norm.length);
    if (next !== '' && next !== ' ') continue;
    return { type: { key: e.key, def: e.def }, rest: column.slice(e.norm.length).trim() };
  }
  return undefined;
}
