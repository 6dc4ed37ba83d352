/**
 * SEL dates and times as the tools print them.
 *
 * ipmitool up to 1.8.18 prints `%m/%d/%Y` and `%H:%M:%S` of the raw SEL timestamp (gmtime:
 * the BMC's wall clock, no zone). 1.8.19 prints `%x` and `%X %Z` of the timestamp converted to
 * the local zone of the host running ipmitool (`11/28/26 | 15:58:15 UTC`, `16:58:15 CET`;
 * `-Z` prints GMT), so the zone it shows is the one to attach. Under other C libraries or
 * locales `%x`/`%X` give `28.11.2026`, `28/11/26`, `2026-11-28` or a 12-hour clock
 * (`02:03:41 PM EST`). FreeIPMI prints `%b-%d-%Y` and `%H:%M:%S` (`Nov-28-2026`) without a
 * zone. The timestamp is kept as wall time; an offset is added only when the printed zone
 * names one unambiguously.
 */

export interface DateParts {
  readonly y: number;
  readonly m: number;
  readonly d: number;
}

export interface ClockParts {
  readonly h: number;
  readonly mi: number;
  readonly s: number;
  /** Zone text as printed (`UTC`, `CET`, `+0100`); null when none. */
  readonly zone: string | null;
}

/** Order of a numeric date with the year last: ipmitool's C locale prints month first. */
export type DateOrder = 'mdy' | 'dmy';

const MONTHS: Readonly<Record<string, number>> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};

function year(text: string): number {
  const n = Number.parseInt(text, 10);
  // strftime %y: POSIX maps 69-99 to 19xx and 00-68 to 20xx.
  if (text.length === 2) return n >= 69 ? 1900 + n : 2000 + n;
  return n;
}

function valid(y: number, m: number, d: number): DateParts | null {
  if (y < 1970 || y > 2199 || m < 1 || m > 12 || d < 1) return null;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days ? { y, m, d } : null;
}

const SLASH = /^(\d{1,2})([/-])(\d{1,2})\2(\d{4}|\d{2})$/;
const DOTTED = /^(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})$/;
const ISO_DATE = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/;
const FREEIPMI_DATE = /^([A-Za-z]{3})-(\d{1,2})-(\d{4})$/;
const DAY_MON_YEAR = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/;
const CJK_DATE = /^(\d{4})年(\d{1,2})月(\d{1,2})日$/;

/**
 * Which order a numeric `a/b/yy` date forces: `dmy` when a > 12, `mdy` when b > 12, null when
 * both fit (the caller then uses the order seen elsewhere in the same output, else `mdy`).
 */
export function dateOrderHint(text: string): DateOrder | null {
  const m = SLASH.exec(text.trim());
  if (!m) return null;
  const a = Number(m[1]);
  const b = Number(m[3]);
  if (a > 12 && b <= 12) return 'dmy';
  if (b > 12 && a <= 12) return 'mdy';
  return null;
}

export function parseDate(text: string, order: DateOrder = 'mdy'): DateParts | null {
  const t = text.trim();
  let m = SLASH.exec(t);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[3]);
    const y = year(m[4] ?? '');
    return order === 'mdy' ? valid(y, a, b) : valid(y, b, a);
  }
  m = DOTTED.exec(t);
  if (m) return valid(year(m[3] ?? ''), Number(m[2]), Number(m[1]));
  m = ISO_DATE.exec(t);
  if (m) return valid(Number(m[1]), Number(m[2]), Number(m[3]));
  m = FREEIPMI_DATE.exec(t);
  if (m) {
    const mon = MONTHS[(m[1] ?? '').toLowerCase()];
    return mon === undefined ? null : valid(Number(m[3]), mon, Number(m[2]));
  }
  m = DAY_MON_YEAR.exec(t);
  if (m) {
    const mon = MONTHS[(m[2] ?? '').toLowerCase()];
    return mon === undefined ? null : valid(Number(m[3]), mon, Number(m[1]));
  }
  m = CJK_DATE.exec(t);
  if (m) return valid(Number(m[1]), Number(m[2]), Number(m[3]));
  return null;
}

const CLOCK = /^(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp])\.?\s?[Mm]\.?)?(?:\s+(\S.*))?$/;
const CJK_CLOCK = /^(\d{1,2})時(\d{1,2})分(\d{1,2})秒(?:\s+(\S.*))?$/;
const ZONE_TEXT = /^(?:[A-Za-z]{1,6}|[+-]\d{2}(?::?\d{2})?|(?:UTC|GMT)[+-]\d{1,2}(?::?\d{2})?)$/;

/** Parses `14:03:41`, `14:03:41 UTC`, `02:03:41 PM`, `2:03:41 pm CET`, `14:03:41 +0100`. */
export function parseClock(text: string): ClockParts | null {
  const t = text.trim();
  let h: number;
  let mi: number;
  let s: number;
  let ampm: string | undefined;
  let zone: string | undefined;
  const m = CLOCK.exec(t);
  if (m) {
    h = Number(m[1]);
    mi = Number(m[2]);
    s = m[3] === undefined ? 0 : Number(m[3]);
    ampm = m[4]?.toLowerCase();
    zone = m[5];
  } else {
    const j = CJK_CLOCK.exec(t);
    if (!j) return null;
    h = Number(j[1]);
    mi = Number(j[2]);
    s = Number(j[3]);
    zone = j[4];
  }
  if (ampm !== undefined) {
    // 12-hour clock (%r / %X in en_US): 12:xx AM is 00:xx, 12:xx PM is 12:xx.
    if (h < 1 || h > 12) return null;
    h = (h % 12) + (ampm === 'p' ? 12 : 0);
  }
  if (h > 23 || mi > 59 || s > 60) return null;
  if (zone !== undefined && !ZONE_TEXT.test(zone.trim())) return null;
  return { h, mi, s: Math.min(s, 59), zone: zone?.trim() ?? null };
}

/**
 * Offsets of zone abbreviations that name one offset. Ambiguous ones (CST: US Central or
 * China; IST: India, Ireland or Israel) and unknown ones give null: the wall time is kept
 * without an offset and the printed zone stays in timestampRaw.
 */
const ZONES: Readonly<Record<string, string>> = {
  UTC: 'Z',
  UT: 'Z',
  GMT: 'Z',
  Z: 'Z',
  WET: '+00:00',
  WEST: '+01:00',
  BST: '+01:00',
  CET: '+01:00',
  CEST: '+02:00',
  MET: '+01:00',
  MEST: '+02:00',
  EET: '+02:00',
  EEST: '+03:00',
  MSK: '+03:00',
  SAST: '+02:00',
  IDT: '+03:00',
  EST: '-05:00',
  EDT: '-04:00',
  CDT: '-05:00',
  MST: '-07:00',
  MDT: '-06:00',
  PST: '-08:00',
  PDT: '-07:00',
  AKST: '-09:00',
  AKDT: '-08:00',
  HST: '-10:00',
  NST: '-03:30',
  NDT: '-02:30',
  AST: '-04:00',
  ADT: '-03:00',
  JST: '+09:00',
  KST: '+09:00',
  HKT: '+08:00',
  WIB: '+07:00',
  AWST: '+08:00',
  ACST: '+09:30',
  ACDT: '+10:30',
  AEST: '+10:00',
  AEDT: '+11:00',
  NZST: '+12:00',
  NZDT: '+13:00',
};

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** ISO 8601 offset of a printed zone, or null when it names none unambiguously. */
export function zoneOffset(zone: string): string | null {
  const z = zone.trim();
  const named = ZONES[z.toUpperCase()];
  if (named !== undefined) return named;
  const m = /^(?:(?:UTC|GMT)(?=[+-]))?([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(z);
  if (!m) return null;
  const hh = Number(m[2]);
  const mm = m[3] === undefined ? 0 : Number(m[3]);
  if (hh > 14 || mm > 59) return null;
  if (hh === 0 && mm === 0) return 'Z';
  return `${m[1] ?? '+'}${pad(hh)}:${pad(mm)}`;
}

/** `2026-11-28T14:03:41`, with the zone's offset appended when it names one. */
export function toIso(date: DateParts, clock: ClockParts): string {
  const base = `${String(date.y).padStart(4, '0')}-${pad(date.m)}-${pad(date.d)}T${pad(clock.h)}:${pad(clock.mi)}:${pad(clock.s)}`;
  const off = clock.zone === null ? null : zoneOffset(clock.zone);
  return off === null ? base : `${base}${off}`;
}
