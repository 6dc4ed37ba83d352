/**
 * SEL information (Get SEL Info, IPMI v2.0 section 31.2).
 *
 * `ipmitool sel info` (ipmi_sel.c `ipmi_sel_get_info`), 1.8.11 to 1.8.19:
 *
 *   SEL Information
 *   Version          : 1.5 (v1.5, v2 compliant)
 *   Entries          : 200
 *   Free Space       : 0 bytes
 *   Percent Used     : 100%
 *   Last Add Time    : 11/28/26 17:43:05 UTC
 *   Last Del Time    : Not Available
 *   Overflow         : true
 *   Supported Cmds   : 'Delete' 'Reserve'
 *   # of Alloc Units : 512            (and four more lines when Get SEL Allocation Info works)
 *
 * `ipmi-sel --info` (FreeIPMI 1.6):
 *
 *   SEL version                            : 1.5
 *   Number of log entries                  : 200
 *   Free space remaining                   : 0 bytes
 *   Recent addition timestamp              : 11/28/2026 - 17:43:05
 *   Recent erase timestamp                 : Post-Init 0 s
 *   ...
 *   Delete SEL Command                     : supported
 *   Events dropped due to lack of space    : Yes
 *
 * ipmitool prints `Not Available` for a timestamp of 0 or FFFFFFFFh and `65535 bytes or more`
 * when the BMC cannot count; FreeIPMI prints `Unspecified` for FFFFFFFFh and `Post-Init N s`
 * at or below 20000000h. The timestamps stay text: the collector spots a clear by the erase
 * timestamp changing between polls, and a first clear turns `Not Available` into a date.
 */
import type { Line } from '../text/lines.js';
import type { ParseResult, ParsedSelInfo } from '../types.js';
import { LineError } from './common.js';
import {
  labelMap,
  labelSet,
  parseKeyValue,
  readFlag,
  readRaw,
  readText,
  type KeyValueSpec,
} from './key-value.js';

interface Fields {
  version: string | null;
  entries: number | null;
  freeBytes: number | null;
  lastAddRaw: string | null;
  lastEraseRaw: string | null;
  overflow: boolean | null;
  deleteSupported: boolean | null;
  /** ipmitool's `Supported Cmds` list, read for `'Delete'`. */
  supportedCmds: boolean | null;
}

function count(text: string): number | null {
  const t = readText(text);
  if (t === null) return null;
  if (!/^\d{1,9}$/.test(t)) throw new LineError(`"${t}" is not an entry count`);
  return Number.parseInt(t, 10);
}

function bytes(text: string): number | null {
  const t = readText(text);
  if (t === null) return null;
  const m = /^(\d{1,9})\s*(?:bytes?)?(?:\s+or more)?$/i.exec(t);
  if (!m) throw new LineError(`"${t}" is not a size in bytes`);
  return Number.parseInt(m[1] ?? '', 10);
}

function version(text: string): string | null {
  // `1.5 (v1.5, v2 compliant)`: the words after the number only restate it.
  const m = /^(\d+\.\d+)\b/.exec(text);
  return m ? (m[1] ?? null) : readText(text);
}

function supportedCmds(text: string): boolean | null {
  const t = text.trim();
  if (/^none$/i.test(t)) return false;
  const cmds = t.match(/'[^']*'/g);
  if (!cmds) throw new LineError(`"${t}" is not a list of commands`);
  return cmds.some((c) => c.toLowerCase() === "'delete'");
}

const SPEC: KeyValueSpec<Fields, ParsedSelInfo> = {
  what: 'SEL information',
  labels: labelMap<keyof Fields>([
    ['version', 'Version', 'SEL version'],
    ['entries', 'Entries', 'Number of log entries'],
    ['freeBytes', 'Free Space', 'Free space remaining'],
    ['lastAddRaw', 'Last Add Time', 'Recent addition timestamp'],
    ['lastEraseRaw', 'Last Del Time', 'Recent erase timestamp'],
    ['overflow', 'Overflow', 'Events dropped due to lack of space'],
    // ipmitool before 1.8.11 printed one line per command: `Delete cmd       : supported`.
    ['deleteSupported', 'Delete SEL Command', 'Delete cmd'],
    ['supportedCmds', 'Supported Cmds'],
  ]),
  read: {
    version,
    entries: count,
    freeBytes: bytes,
    lastAddRaw: readRaw,
    lastEraseRaw: readRaw,
    overflow: readFlag,
    deleteSupported: readFlag,
    supportedCmds,
  },
  ignored: labelSet([
    'Percent Used',
    '# of Alloc Units',
    'Alloc Unit Size',
    '# Free Units',
    'Largest Free Blk',
    'Max Record Size',
    'Parial add cmd',
    'Partial add cmd',
    'Reserve cmd',
    'Get Alloc Info',
    'Get SEL Allocation Information Command',
    'Reserve SEL Command',
    'Partial Add SEL Entry Command',
    'Number of possible allocation units',
    'Allocation unit size',
    'Number of free allocation units',
    'Largest free block',
    'Maximum record size',
  ]),
  headings: labelSet(['SEL Information']),
  build: (c, v) => ({
    kind: 'sel-info',
    line: c.line.no,
    host: c.host,
    version: v.version ?? null,
    entries: v.entries ?? null,
    freeBytes: v.freeBytes ?? null,
    lastAddRaw: v.lastAddRaw ?? null,
    lastEraseRaw: v.lastEraseRaw ?? null,
    overflow: v.overflow ?? null,
    deleteSupported: v.deleteSupported ?? v.supportedCmds ?? null,
  }),
};

export function parseSelInfo(lines: readonly Line[]): ParseResult<ParsedSelInfo> {
  return parseKeyValue(lines, SPEC);
}
