/**
 * `ipmitool sel elist` and `ipmitool sel list` (and their `-c` CSV form), ipmitool 1.8.11 to
 * 1.8.19. Layout per ipmi_sel.c `ipmi_sel_print_std_entry`:
 *
 *      1a | 11/28/26 | 15:58:20 UTC | Memory #0x01 | Correctable ECC | Asserted
 *       2 | 11/28/2019 | 18:50:40 | Temperature CPU Temp | Upper Critical going high | Asserted | Reading 95 > Threshold 90 degrees C
 *      1b |  Pre-Init  |0000000003| System Event #0x05 | OEM System boot event | Asserted
 *      10 | 11/28/26 | 15:58:18 UTC | OEM record c1 | 000157 | 112233445566
 *      11 | OEM record e0 | 0102030405060708090a0b0c0d
 *
 * - the record id is hex (`%4x`);
 * - `elist` prints "<type> <SDR name>", `list` "<type> #0x<number>" (nothing after the type
 *   when the sensor number is 0);
 * - the event text may itself contain " | " (ipmitool's Dell OEM decoding: "Correctable ECC
 *   (Correctable ECC | Card A DIMM1, DIMM2)"), so the direction is found as the last
 *   `Asserted`/`Deasserted` column, not by position;
 * - after the direction, threshold events carry "Reading R > Threshold T unit" and memory
 *   events with sensor number 0 "CPU c DIMM d" (event data 3);
 * - timestamps below 20000000h print as "Pre-Init" plus the seconds since BMC start;
 *   OEM records C0h-DFh carry a timestamp, E0h-FFh none; F0h is "Linux kernel panic: ...".
 */
import type { SeverityRule } from '../severity/rules.js';
import { splitTypePrefix } from '../tables/sensor-types.js';
import type { Line } from '../text/lines.js';
import { parseHex, parseNumber } from '../text/numbers.js';
import { dateOrderHint, parseClock, parseDate, toIso, type DateOrder } from '../text/time.js';
import type { Direction, ParseIssue, ParseResult, ParsedSelEntry } from '../types.js';
import { LineError, contentLines, runLines, type ContentLine } from './common.js';
import { selRecord } from './sel-common.js';

const RECORD_ID = /^[0-9a-f]{1,4}$/i;
const DIRECTION = /^(asserted|deasserted)$/i;
const OEM_RECORD = /^OEM record ([0-9a-f]{2})$/i;
const KERNEL_PANIC = /^Linux kernel panic/i;
const SENSOR_NUMBER = /^#(?:0x)?([0-9a-f]{1,2})$/i;
const THRESHOLD_DETAIL =
  /Reading\s+([+-]?\d+(?:[.,]\d+)?)(?:\s*[<>]=?\s*Threshold\s+([+-]?\d+(?:[.,]\d+)?))?/i;

interface Split {
  readonly sep: '|' | ',';
  readonly fields: string[];
}

/** `-c` rows start "<id>," and may still hold a `|` inside the event text (Dell decoding). */
function split(body: string): Split | null {
  const t = body.trim();
  if (/^[0-9a-f]{1,4},/i.test(t)) return { sep: ',', fields: t.split(',').map((f) => f.trim()) };
  if (t.includes('|')) return { sep: '|', fields: t.split('|').map((f) => f.trim()) };
  return null;
}

/** Date order forced by the dates in this output (en_GB / fr_FR `%x` put the day first). */
function inferDateOrder(lines: readonly ContentLine[]): DateOrder {
  let dmy = 0;
  let mdy = 0;
  for (const c of lines) {
    // Only rows that look like SEL rows vote: a hex id, a time, a direction.
    const s = split(c.body);
    const date = s?.fields[1];
    if (!s || date === undefined || !RECORD_ID.test(s.fields[0] ?? '')) continue;
    if (!parseClock(s.fields[2] ?? '') || !s.fields.some((f) => DIRECTION.test(f))) continue;
    const hint = dateOrderHint(date);
    if (hint === 'dmy') dmy++;
    else if (hint === 'mdy') mdy++;
  }
  return dmy > mdy ? 'dmy' : 'mdy';
}

interface Stamp {
  readonly timestamp: string | null;
  readonly timestampRaw: string | null;
  readonly preInit: boolean;
  readonly preInitSeconds: number | null;
}

const NO_STAMP: Stamp = {
  timestamp: null,
  timestampRaw: null,
  preInit: false,
  preInitSeconds: null,
};

function stamp(date: string, time: string, order: DateOrder): Stamp {
  if (date === '' && time === '') return NO_STAMP;
  if (/^pre-?init$/i.test(date)) {
    const secs = /^\d{1,10}$/.test(time) ? Number.parseInt(time, 10) : null;
    return { timestamp: null, timestampRaw: 'Pre-Init', preInit: true, preInitSeconds: secs };
  }
  // 1.8.19 `ipmi_timestamp_date`: "S+ %y/%j" for special timestamps, "Unspecified" for FFFFFFFFh.
  if (/^S\+/.test(date)) {
    return {
      timestamp: null,
      timestampRaw: `${date} ${time}`.trim(),
      preInit: true,
      preInitSeconds: null,
    };
  }
  if (/^(unspecified|unknown)$/i.test(date)) {
    return { ...NO_STAMP, timestampRaw: `${date} ${time}`.trim() };
  }
  const d = parseDate(date, order);
  const t = parseClock(time);
  if (!d) throw new LineError(`unreadable date "${date}"`);
  if (!t) throw new LineError(`unreadable time "${time}"`);
  return {
    timestamp: toIso(d, t),
    timestampRaw: `${date} ${time}`,
    preInit: false,
    preInitSeconds: null,
  };
}

function oemRecord(
  c: ContentLine,
  id: string,
  typeText: string,
  s: Stamp,
  data: string[],
  sep: string,
  overrides: readonly SeverityRule[],
): ParsedSelEntry {
  const m = OEM_RECORD.exec(typeText);
  const recordTypeCode = m ? Number.parseInt(m[1] ?? '', 16) : 0xf0;
  return selRecord(
    c,
    {
      recordId: id,
      recordNumber: parseHex(id),
      ...s,
      sensorType: 'oem',
      sensorTypeDef: null,
      sensorName: null,
      sensorNumber: null,
      event: typeText,
      direction: null,
      eventData: data.length > 0 ? data.join(sep === ',' ? ',' : ' | ') : null,
      reading: null,
      threshold: null,
      oem: true,
      recordTypeCode,
    },
    overrides,
  );
}

function parseLine(
  c: ContentLine,
  order: DateOrder,
  overrides: readonly SeverityRule[],
): ParsedSelEntry {
  const s = split(c.body);
  if (!s) throw new LineError('not an ipmitool SEL line (no "|" columns)');
  const { sep, fields } = s;
  const id = fields[0] ?? '';
  if (!RECORD_ID.test(id)) throw new LineError(`record id "${id}" is not hexadecimal`);

  // Records without a timestamp: OEM E0h-FFh and the F0h kernel-panic record (`-c` leaves
  // the two timestamp columns empty instead of dropping them).
  let at = 1;
  if (fields[1] === '' && fields[2] === '' && fields.length > 3) at = 3;
  const first = fields[at] ?? '';
  if (at === 1 && (OEM_RECORD.test(first) || KERNEL_PANIC.test(first))) {
    return oemRecord(c, id, first, NO_STAMP, fields.slice(2), sep, overrides);
  }
  if (at === 3 && (OEM_RECORD.test(first) || KERNEL_PANIC.test(first))) {
    return oemRecord(c, id, first, NO_STAMP, fields.slice(4), sep, overrides);
  }
  if (fields.length < 5) throw new LineError(`expected at least 5 columns, found ${fields.length}`);

  const st = stamp(fields[1] ?? '', fields[2] ?? '', order);
  const sensorCol = fields[3] ?? '';
  if (OEM_RECORD.test(sensorCol)) {
    return oemRecord(c, id, sensorCol, st, fields.slice(4), sep, overrides);
  }

  let dirAt = -1;
  for (let i = fields.length - 1; i >= 4; i--) {
    if (DIRECTION.test(fields[i] ?? '')) {
      dirAt = i;
      break;
    }
  }
  if (dirAt < 0) throw new LineError('no Asserted/Deasserted column');
  const joiner = sep === ',' ? ', ' : ' | ';
  const event = fields.slice(4, dirAt).join(joiner).trim();
  const detail = fields
    .slice(dirAt + 1)
    .join(joiner)
    .trim();
  const direction = (fields[dirAt] ?? '').toLowerCase() as Direction;

  const typed = splitTypePrefix(sensorCol);
  let sensorName: string | null = null;
  let sensorNumber: number | null = null;
  if (typed) {
    const n = SENSOR_NUMBER.exec(typed.rest);
    if (n) sensorNumber = Number.parseInt(n[1] ?? '', 16);
    // ipmi_sel.c prints no "#0x.." when the sensor number is 0 and no SDR matched.
    else if (typed.rest === '') sensorNumber = 0;
    else sensorName = typed.rest;
  } else {
    sensorName = sensorCol === '' ? null : sensorCol;
  }

  const thr = THRESHOLD_DETAIL.exec(detail);
  return selRecord(
    c,
    {
      recordId: id,
      recordNumber: parseHex(id),
      ...st,
      sensorType: typed?.type.key ?? 'unknown',
      sensorTypeDef: typed?.type.def ?? null,
      sensorName,
      sensorNumber,
      event,
      direction,
      eventData: detail === '' ? null : detail,
      reading: thr ? parseNumber(thr[1] ?? '') : null,
      threshold: thr?.[2] === undefined ? null : parseNumber(thr[2]),
      oem: false,
      recordTypeCode: null,
    },
    overrides,
  );
}

export function parseIpmitoolSel(
  lines: readonly Line[],
  overrides: readonly SeverityRule[],
): ParseResult<ParsedSelEntry> {
  const issues: ParseIssue[] = [];
  const content = contentLines(lines, issues);
  const order = inferDateOrder(content);
  return runLines(content, issues, (c) => parseLine(c, order, overrides));
}
