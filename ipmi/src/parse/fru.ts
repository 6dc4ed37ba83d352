/**
 * FRU inventory (IPMI Platform Management FRU Information Storage Definition v1.0), one
 * record per FRU device.
 *
 * `ipmitool fru` (ipmi_fru.c `ipmi_fru_print_all`), 1.8.11 to 1.8.19: the BMC's own FRU,
 * then one device per SDR FRU locator, each after a header and a blank line between them:
 *
 *   FRU Device Description : Builtin FRU Device (ID 0)
 *    Chassis Type          : Rack Mount Chassis
 *    Board Mfg             : Supermicro
 *    Product Extra         : ...            (custom fields: the label repeats)
 *
 *   FRU Device Description : PS2 (ID 3)
 *    Device not present (Requested sensor, data, or record not found)
 *
 * Other lines without a label belong to the device above them: multirecord headings
 * (` Power Supply Record`), ` (Builtin FRU device)`, ` Unsupported device`. `ipmitool fru
 * print 0` prints the fields with no header at all.
 *
 * `ipmi-fru` (FreeIPMI 1.6) heads a device with `FRU Inventory Device: <name> (ID 00h)` (hex),
 * labels every field `FRU ...: value` (`FRU Board Manufacturer: Supermicro`, an empty
 * `FRU Product Name:`), and reports an unreadable device as `  FRU Error: <reason>`; a device
 * without FRU data prints only its header.
 */
import type { Line } from '../text/lines.js';
import type { ParseIssue, ParseResult, ParsedFruDevice } from '../types.js';
import { LineError, contentLines, parseIssue, type ContentLine } from './common.js';
import { labelKey, parseId, splitKeyValue } from './key-value.js';

const HEADER = /^(?:FRU Device Description|FRU Inventory Device)\s*:\s*(.*)$/i;
const NAME_AND_ID = /^(.*?)\s*\(ID\s+([^)]*)\)$/i;

/** Lines that say a device could not be read; FreeIPMI's carry the reason after `FRU Error:`. */
const FREEIPMI_ERROR = /^FRU Error\s*:\s*(.*)$/i;
const IPMITOOL_ERROR =
  /^(?:Device not present\b|Unsupported device\b|Timeout accessing FRU info\b|CCODE = |Invalid FRU size\b)/i;

type Normalised = Exclude<
  keyof ParsedFruDevice,
  'kind' | 'line' | 'host' | 'fruId' | 'name' | 'fields' | 'error'
>;

/** ipmitool's and FreeIPMI's labels of the fields every consumer wants. */
const NORMALISED: ReadonlyMap<string, Normalised> = new Map(
  (
    [
      ['boardManufacturer', 'Board Mfg', 'FRU Board Manufacturer'],
      ['boardProductName', 'Board Product', 'FRU Board Product Name'],
      ['boardSerial', 'Board Serial', 'FRU Board Serial Number'],
      ['boardPartNumber', 'Board Part Number', 'FRU Board Part Number'],
      ['productManufacturer', 'Product Manufacturer', 'FRU Product Manufacturer Name'],
      ['productName', 'Product Name', 'FRU Product Name'],
      ['productPartNumber', 'Product Part Number', 'FRU Product Part/Model Number'],
      ['productSerial', 'Product Serial', 'FRU Product Serial Number'],
      ['productVersion', 'Product Version', 'FRU Product Version'],
      ['chassisSerial', 'Chassis Serial', 'FRU Chassis Serial Number'],
      ['chassisPartNumber', 'Chassis Part Number', 'FRU Chassis Part Number'],
    ] as const
  ).flatMap(([field, ...labels]) => labels.map((l) => [labelKey(l), field] as const)),
);

interface Device {
  readonly first: ContentLine;
  readonly fruId: number | null;
  readonly name: string | null;
  /** Label as printed → value; a Map, so that a label such as `__proto__` is only a key. */
  readonly fields: Map<string, string>;
  error: string | null;
}

function header(c: ContentLine, text: string): Device {
  const m = NAME_AND_ID.exec(text.trim());
  const name = (m ? (m[1] ?? '') : text).trim();
  return {
    first: c,
    fruId: m ? parseId(m[2] ?? '') : null,
    name: name === '' ? null : name,
    fields: new Map(),
    error: null,
  };
}

function addField(d: Device, key: string, value: string): void {
  let k = key;
  for (let n = 2; d.fields.has(k); n++) k = `${key} (${n})`;
  d.fields.set(k, value);
}

function finish(d: Device): ParsedFruDevice {
  const norm: Partial<Record<Normalised, string>> = {};
  for (const [key, value] of d.fields) {
    const field = NORMALISED.get(labelKey(key));
    if (field !== undefined && norm[field] === undefined && value !== '') norm[field] = value;
  }
  return {
    kind: 'fru',
    line: d.first.line.no,
    host: d.first.host,
    fruId: d.fruId,
    name: d.name,
    fields: Object.fromEntries(d.fields),
    error: d.error,
    boardManufacturer: norm.boardManufacturer ?? null,
    boardProductName: norm.boardProductName ?? null,
    boardSerial: norm.boardSerial ?? null,
    boardPartNumber: norm.boardPartNumber ?? null,
    productManufacturer: norm.productManufacturer ?? null,
    productName: norm.productName ?? null,
    productPartNumber: norm.productPartNumber ?? null,
    productSerial: norm.productSerial ?? null,
    productVersion: norm.productVersion ?? null,
    chassisSerial: norm.chassisSerial ?? null,
    chassisPartNumber: norm.chassisPartNumber ?? null,
  };
}

export function parseFru(lines: readonly Line[]): ParseResult<ParsedFruDevice> {
  const issues: ParseIssue[] = [];
  const records: ParsedFruDevice[] = [];
  const open = new Map<string, Device>();
  const close = (key: string): void => {
    const d = open.get(key);
    if (d) records.push(finish(d));
    open.delete(key);
  };
  for (const c of contentLines(lines, issues)) {
    const key = c.host ?? '';
    const text = c.body.trim();
    try {
      const h = HEADER.exec(text);
      if (h) {
        close(key);
        open.set(key, header(c, h[1] ?? ''));
        continue;
      }
      const fe = FREEIPMI_ERROR.exec(text);
      const error = fe ? (fe[1] ?? '').trim() || text : IPMITOOL_ERROR.test(text) ? text : null;
      const kv = error === null ? splitKeyValue(text) : null;
      let d = open.get(key);
      if (error === null && kv === null) {
        // A heading or note inside a device; on its own, not FRU output.
        if (d) continue;
        throw new LineError('not a FRU line');
      }
      if (!d) {
        // `ipmitool fru print <id>` prints no header: the device starts at its first field.
        d = { first: c, fruId: null, name: null, fields: new Map(), error: null };
        open.set(key, d);
      }
      if (error !== null) d.error ??= error;
      else if (kv !== null) addField(d, kv.key, kv.value);
    } catch (err) {
      issues.push(parseIssue(c, err instanceof LineError ? err.message : 'internal parser error'));
    }
  }
  for (const key of [...open.keys()]) close(key);
  records.sort((a, b) => a.line - b.line);
  issues.sort((a, b) => a.line - b.line);
  return { records, issues };
}
