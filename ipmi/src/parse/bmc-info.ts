/**
 * Get Device ID (IPMI v2.0 section 20.1) and the system GUID.
 *
 * `ipmitool mc info` (ipmi_mc.c `ipmi_mc_get_deviceid`), 1.8.11 to 1.8.19:
 *
 *   Device ID                 : 32
 *   Device Revision           : 1
 *   Firmware Revision         : 2.15
 *   IPMI Version              : 2.0
 *   Manufacturer ID           : 674
 *   Manufacturer Name         : DELL Inc
 *   Product ID                : 256 (0x0100)
 *   Product Name              : Unknown (0x100)
 *   Device Available          : yes
 *   Provides Device SDRs      : yes
 *   Additional Device Support :
 *       Sensor Device
 *       ...
 *   Aux Firmware Rev Info     :
 *       0x00
 *
 * `bmc-info` (FreeIPMI 1.6) prints the manufacturer as `Name (id)` (or the bare number when
 * it has no name for it), one `supported`/`unsupported` line per device function, then
 * `System GUID : <guid>`, the optional system information strings and a `Channel
 * Information` section whose `Channel Number`/`Vendor ID` lines repeat per channel. Both
 * print the firmware minor revision in hex (`%u.%02x`), kept as printed.
 */
import type { Line } from '../text/lines.js';
import type { ParseResult, ParsedBmcInfo } from '../types.js';
import { LineError } from './common.js';
import {
  labelMap,
  labelSet,
  parseId,
  parseKeyValue,
  readId,
  readText,
  type KeyValueSpec,
} from './key-value.js';

interface Manufacturer {
  readonly id: number | null;
  readonly name: string | null;
}

interface Fields {
  deviceId: number | null;
  deviceRevision: number | null;
  firmwareVersion: string | null;
  ipmiVersion: string | null;
  /** `Manufacturer ID`: ipmitool prints the number, FreeIPMI `Name (number)`. */
  manufacturer: Manufacturer;
  /** ipmitool's `Manufacturer Name`. */
  manufacturerName: string | null;
  productId: number | null;
  guid: string | null;
}

function manufacturer(text: string): Manufacturer {
  const t = readText(text);
  if (t === null) return { id: null, name: null };
  const named = /^(.*\S)\s*\(((?:0x)?[0-9a-f]+h?)\)$/i.exec(t);
  if (named) {
    const id = parseId(named[2] ?? '');
    if (id !== null) return { id, name: readName(named[1] ?? '') };
  }
  const id = parseId(t);
  if (id === null) throw new LineError(`"${t}" is not a manufacturer id`);
  return { id, name: null };
}

/** ipmitool says `Unknown` or `Unknown (0x7E5)` for an id it has no name for. */
function readName(text: string): string | null {
  const t = readText(text);
  return t === null || /^unknown\b/i.test(t) ? null : t;
}

const SPEC: KeyValueSpec<Fields, ParsedBmcInfo> = {
  what: 'BMC device information',
  labels: labelMap<keyof Fields>([
    ['deviceId', 'Device ID'],
    ['deviceRevision', 'Device Revision'],
    ['firmwareVersion', 'Firmware Revision'],
    ['ipmiVersion', 'IPMI Version'],
    ['manufacturer', 'Manufacturer ID'],
    ['manufacturerName', 'Manufacturer Name'],
    ['productId', 'Product ID'],
    ['guid', 'System GUID'],
  ]),
  read: {
    deviceId: readId,
    deviceRevision: readId,
    firmwareVersion: readText,
    ipmiVersion: readText,
    manufacturer,
    manufacturerName: readName,
    productId: readId,
    guid: readText,
  },
  ignored: labelSet([
    // ipmitool mc info
    'Product Name',
    'Device Available',
    'Provides Device SDRs',
    // FreeIPMI bmc-info: device functions, OEM lines, GUIDs, system information, channels
    'Device SDRs',
    'Sensor Device',
    'SDR Repository Device',
    'SEL Device',
    'FRU Inventory Device',
    'IPMB Event Receiver',
    'IPMB Event Generator',
    'Bridge',
    'Chassis Device',
    'Auxiliary Firmware Revision Information',
    'Build Number',
    'Device GUID',
    'System Firmware Version',
    'System Name',
    'Primary Operating System Name',
    'Operating System Name',
    'Present OS Version Number',
    'BMC URL',
    'Base OS/Hypervisor URL',
    'Channel Number',
    'Medium Type',
    'Protocol Type',
    'Active Session Count',
    'Session Support',
    'Vendor ID',
  ]),
  headings: labelSet(['Channel Information']),
  lists: labelSet(['Additional Device Support', 'Aux Firmware Rev Info']),
  build: (c, v) => ({
    kind: 'bmc-info',
    line: c.line.no,
    host: c.host,
    deviceId: v.deviceId ?? null,
    deviceRevision: v.deviceRevision ?? null,
    firmwareVersion: v.firmwareVersion ?? null,
    ipmiVersion: v.ipmiVersion ?? null,
    manufacturerId: v.manufacturer?.id ?? null,
    manufacturerName: v.manufacturerName ?? v.manufacturer?.name ?? null,
    productId: v.productId ?? null,
    guid: v.guid ?? null,
  }),
};

export function parseBmcInfo(lines: readonly Line[]): ParseResult<ParsedBmcInfo> {
  return parseKeyValue(lines, SPEC);
}
