/**
 * FreeIPMI `ipmi-sel` (1.4 to 1.6), CSV (`--comma-separated-output`) or the default `|`
 * table, with or without the header (`--no-header-output`), with or without `-v`/`-vv` (adds
 * "Event Direction") and `--output-event-state` (adds "State"), prefixed or not by host
 * (`--always-prefix`, fan-out):
 *
 *   ID,Date,Time,Name,Type,State,Event Direction,Event
 *   2,Nov-28-2026,15:58:16,CPU Temp,Temperature,Warning,Assertion Event,Upper Non-critical - going high ; Sensor Reading = 95.00 C ; Threshold = 80.00 C
 *   27,PostInit,PostInit,12V,System Event,Nominal,Assertion Event,OEM System Boot Event
 *   17,N/A,N/A,N/A,N/A,N/A,N/A,OEM defined = 01h 02h 03h ...
 *
 * Record ids are decimal. Timestamps before the BMC clock was set print as `PostInit`;
 * records without one (OEM E0h-FFh) as `N/A`. The State column is FreeIPMI's interpretation
 * and is not used for severity (a recovered fan keeps the state of the original problem);
 * without -v there is no direction, which is then inferred for threshold events from the
 * reading and the threshold, and otherwise left null.
 */
import type { SeverityRule } from '../severity/rules.js';
import { resolveByText } from '../tables/resolve.js';
import { sensorTypeByName } from '../tables/sensor-types.js';
import type { Line } from '../text/lines.js';
import { parseDecimalInt, parseNumber } from '../text/numbers.js';
import { parseClock, parseDate, toIso } from '../text/time.js';
import type { Direction, ParseIssue, ParseResult, ParsedSelEntry } from '../types.js';
import { LineError, contentLines, runLines, type ContentLine } from './common.js';
import { selRecord } from './sel-common.js';

type Column = 'id' | 'date' | 'time' | 'name' | 'type' | 'state' | 'direction' | 'event' | 'other';

const HEADER_NAMES: Readonly<Record<string, Column>> = {
  id: 'id',
  'record id': 'id',
  date: 'date',
  time: 'time',
  name: 'name',
  'sensor name': 'name',
  type: 'type',
  'sensor type': 'type',
  state: 'state',
  'event state': 'state',
  'event direction': 'direction',
  direction: 'direction',
  event: 'event',
};

const LAYOUTS: Readonly<Record<string, readonly Column[]>> = {
  plain: ['id', 'date', 'time', 'name', 'type', 'event'],
  state: ['id', 'date', 'time', 'name', 'type', 'state', 'event'],
  verbose: ['id', 'date', 'time', 'name', 'type', 'direction', 'event'],
  verboseState: ['id', 'date', 'time', 'name', 'type', 'state', 'direction', 'event'],
};

const STATES = new Set(['nominal', 'warning', 'critical']);
const DIRECTIONS = new Set(['assertion event', 'deassertion event']);

type Sep = '|' | ',';

function split(body: string): { sep: Sep; fields: string[] } {
  const t = body.trim();
  const sep: Sep = t.includes('|') ? '|' : ',';
  return { sep, fields: t.split(sep).map((f) => f.trim()) };
}

function headerOf(fields: readonly string[]): Column[] | null {
  if ((fields[0] ?? '').toLowerCase() !== 'id') return null;
  const cols = fields.map((f) => HEADER_NAMES[f.toLowerCase().replace(/[\s_]+/g, ' ')] ?? 'other');
  return cols.includes('event') ? cols : null;
}

/** Layout of headerless output, voted by the rows whose State / Direction columns are unambiguous. */
function guessLayout(lines: readonly ContentLine[]): readonly Column[] {
  const votes = { plain: 0, state: 0, verbose: 0, verboseState: 0 };
  for (const c of lines) {
    const f = split(c.body).fields;
    const a = (f[5] ?? '').toLowerCase();
    const b = (f[6] ?? '').toLowerCase();
    if (STATES.has(a) && DIRECTIONS.has(b)) votes.verboseState++;
    else if (DIRECTIONS.has(a)) votes.verbose++;
    else if (STATES.has(a)) votes.state++;
    else if (/^\d+$/.test(f[0] ?? '')) votes.plain++;
  }
  const best = (Object.keys(votes) as (keyof typeof votes)[]).reduce((x, y) =>
    votes[y] > votes[x] ? y : x,
  );
  return LAYOUTS[best] ?? LAYOUTS.plain ?? [];
}

function na(v: string | undefined): boolean {
  return v === undefined || v === '' || v.toUpperCase() === 'N/A';
}

const READING = /Sensor Reading = ([+-]?\d+(?:[.,]\d+)?)/i;
const THRESHOLD = /Threshold = ([+-]?\d+(?:[.,]\d+)?)/i;

function parseRow(
  c: ContentLine,
  layout: readonly Column[],
  fields: readonly string[],
  sep: Sep,
  overrides: readonly SeverityRule[],
): ParsedSelEntry {
  const eventAt = layout.lastIndexOf('event');
  if (fields.length < layout.length) {
    throw new LineError(`expected ${layout.length} columns, found ${fields.length}`);
  }
  const col = (name: Column): string | undefined => {
    const i = layout.indexOf(name);
    return i < 0 ? undefined : fields[i];
  };
  // The event is the last column and may hold the separator itself.
  const eventFull = fields
    .slice(eventAt, eventAt + 1 + (fields.length - layout.length))
    .join(sep === ',' ? ',' : ' | ')
    .trim();

  const id = col('id') ?? '';
  const recordNumber = parseDecimalInt(id);
  if (recordNumber === null) throw new LineError(`record id "${id}" is not a decimal number`);

  const date = col('date') ?? '';
  const time = col('time') ?? '';
  let timestamp: string | null = null;
  let timestampRaw: string | null = null;
  let preInit = false;
  if (/^(pre|post)-?init$/i.test(date)) {
    // FreeIPMI prints "PostInit" for timestamps at or below 20000000h (relative to BMC start).
    preInit = true;
    timestampRaw = date;
  } else if (!na(date) || !na(time)) {
    const d = parseDate(date);
    const t = parseClock(time);
    if (!d) throw new LineError(`unreadable date "${date}"`);
    if (!t) throw new LineError(`unreadable time "${time}"`);
    timestamp = toIso(d, t);
    timestampRaw = `${date} ${time}`;
  }

  const parts = eventFull.split(' ; ');
  const event = (parts[0] ?? '').trim();
  const eventData = parts.length > 1 ? parts.slice(1).join(' ; ').trim() : null;
  const oem = /^OEM defined/i.test(event) || (na(col('type')) && /^OEM\b/i.test(event));

  const typeText = col('type');
  const typed = na(typeText) ? undefined : sensorTypeByName(typeText ?? '');
  const nameText = col('name');
  let sensorName: string | null = null;
  let sensorNumber: number | null = null;
  const num = /^Sensor #(\d{1,3})$/i.exec(nameText ?? '');
  if (num) sensorNumber = Number.parseInt(num[1] ?? '', 10);
  else if (!na(nameText)) sensorName = nameText ?? null;

  const readingM = READING.exec(eventData ?? '');
  const thresholdM = THRESHOLD.exec(eventData ?? '');
  const reading = readingM ? parseNumber(readingM[1] ?? '') : null;
  const threshold = thresholdM ? parseNumber(thresholdM[1] ?? '') : null;

  let direction: Direction | null = null;
  const dirText = (col('direction') ?? '').toLowerCase();
  if (dirText === 'assertion event') direction = 'asserted';
  else if (dirText === 'deassertion event') direction = 'deasserted';
  else if (layout.includes('direction') === false && reading !== null && threshold !== null) {
    // Without -v FreeIPMI prints no direction. For a threshold event the reading says it:
    // a "going high" event whose reading is below the threshold is the deassertion.
    const st = resolveByText(event, typed?.def ?? null).state;
    if (st?.going === 'high') direction = reading >= threshold ? 'asserted' : 'deasserted';
    else if (st?.going === 'low') direction = reading <= threshold ? 'asserted' : 'deasserted';
  }

  return selRecord(
    c,
    {
      recordId: id,
      recordNumber,
      timestamp,
      timestampRaw,
      preInit,
      preInitSeconds: null,
      sensorType: oem ? 'oem' : (typed?.key ?? 'unknown'),
      sensorTypeDef: typed?.def ?? null,
      sensorName,
      sensorNumber,
      event,
      direction,
      eventData,
      reading,
      threshold,
      oem,
      recordTypeCode: null,
    },
    overrides,
  );
}

export function parseFreeipmiSel(
  lines: readonly Line[],
  overrides: readonly SeverityRule[],
): ParseResult<ParsedSelEntry> {
  const issues: ParseIssue[] = [];
  const content = contentLines(lines, issues);
  const headerless = content.filter((c) => headerOf(split(c.body).fields) === null);
  let guessed: readonly Column[] | null = null;
  // Each host prints its own header in fan-out mode.
  const layouts = new Map<string, readonly Column[]>();
  return runLines(content, issues, (c) => {
    const { sep, fields } = split(c.body);
    const header = headerOf(fields);
    const key = c.host ?? '';
    if (header) {
      layouts.set(key, header);
      return null;
    }
    let layout = layouts.get(key);
    if (!layout) {
      guessed ??= guessLayout(headerless);
      layout = guessed;
    }
    return parseRow(c, layout, fields, sep, overrides);
  });
}
