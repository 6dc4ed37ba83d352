/**
 * The BMC's SEL clock (Get SEL Time, IPMI v2.0 section 31.10), one record per reading.
 *
 * `ipmitool sel time get` prints the time alone on a line. 1.8.19 uses
 * `ipmi_timestamp_numeric`: `%x %X %Z` in the zone of the host running ipmitool
 * (`11/28/26 17:43:04 UTC`, `11/28/2026 05:43:04 PM EST` under en_US), `S+ 00:02:13` while
 * the clock counts from BMC start, `Unspecified` for FFFFFFFFh. 1.8.11 to 1.8.18 print
 * `%m/%d/%Y %H:%M:%S` through localtime() with no zone (`11/28/2026 17:43:04`), so an unset
 * clock shows as `01/01/1970 00:02:13`, or as `12/31/1969 19:02:13` west of UTC.
 *
 * `bmc-device --get-sel-time` (FreeIPMI): `SEL Time : 11/28/2026 - 17:43:04`, with
 * `Post-Init 12 s` or `Unspecified` for the special values.
 *
 * A time at or before 20000000h (1987-01-05) is seconds since BMC start, not a wall clock
 * (IPMI v2.0 section 37.1): the timestamp is null, the text stays in timestampRaw.
 */
import type { Line } from '../text/lines.js';
import { dateOrderHint, parseClock, parseDate, toIso } from '../text/time.js';
import type { ParseIssue, ParseResult, ParsedBmcClock } from '../types.js';
import { LineError, contentLines, runLines, type ContentLine } from './common.js';
import { labelKey, splitKeyValue } from './key-value.js';

/** Last second of the pre-init range, 20000000h, as epoch milliseconds. */
const PRE_INIT_MAX_MS = 0x20000000 * 1000;

const SPECIAL = /^(?:unspecified|unknown|not available|n\/a|(?:pre|post)-?init\b.*|S\+.*)$/i;

/** `<date> <time>` or FreeIPMI's `<date> - <time>`. */
const DATE_TIME = /^(\S+)\s+(?:-\s+)?(\S.*)$/;

/**
 * A 1969 date is an unset clock (seconds since BMC start) that localtime() moved west of UTC;
 * parseDate refuses years before 1970, so the date is tried again a year later.
 */
function isUnsetClock(date: string): boolean {
  const later = date.replace(/(^|\D)1969(?=\D|$)/, '$11970').replace(/(^|\D)69$/, '$170');
  return later !== date && parseDate(later, dateOrderHint(later) ?? 'mdy') !== null;
}

/**
 * The ISO timestamp of a printed BMC time, null for an unset or unspecified clock; undefined
 * when the text is not a time at all.
 */
function readTime(text: string): string | null | undefined {
  const t = text.trim();
  if (SPECIAL.test(t)) return null;
  const m = DATE_TIME.exec(t);
  if (!m) return undefined;
  const date = m[1] ?? '';
  const clock = parseClock(m[2] ?? '');
  if (!clock) return undefined;
  const d = parseDate(date, dateOrderHint(date) ?? 'mdy');
  if (!d) return isUnsetClock(date) ? null : undefined;
  const wall = Date.UTC(d.y, d.m - 1, d.d, clock.h, clock.mi, clock.s);
  return wall <= PRE_INIT_MAX_MS ? null : toIso(d, clock);
}

function clockRecord(c: ContentLine): ParsedBmcClock {
  const text = c.body.trim();
  const kv = splitKeyValue(text);
  if (kv !== null && labelKey(kv.key) === 'sel time') {
    // The label says what the value is: an unreadable time is a null timestamp, not a bad line.
    if (kv.value === '') throw new LineError('no SEL time after the label');
    return {
      kind: 'bmc-clock',
      line: c.line.no,
      host: c.host,
      timestampRaw: kv.value,
      timestamp: readTime(kv.value) ?? null,
    };
  }
  const timestamp = readTime(text);
  if (timestamp === undefined) throw new LineError('not a BMC time');
  return { kind: 'bmc-clock', line: c.line.no, host: c.host, timestampRaw: text, timestamp };
}

export function parseBmcClock(lines: readonly Line[]): ParseResult<ParsedBmcClock> {
  const issues: ParseIssue[] = [];
  return runLines(contentLines(lines, issues), issues, clockRecord);
}
