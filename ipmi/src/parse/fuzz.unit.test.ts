/**
 * Property tests: whatever a BMC, a tool or a flaky SSH session prints, the parsers only
 * ever fail with a coded IPMI_ error, and lines that parse on their own still parse when
 * garbage surrounds them.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isIpmiError } from '../errors.js';
import type { ParsedRecord } from '../types.js';
import { FORMATS, parse, parseDetailed } from './index.js';

/** Pieces of real output, so random lines come close to real ones. */
const TOKENS = [
  '|',
  ',',
  ' ',
  '  ',
  ':',
  ': ',
  ';',
  ' ; ',
  "'",
  '-',
  '.',
  '#',
  '\t',
  '=',
  '1a',
  '12',
  '0',
  '255',
  '-9.000',
  '12,96',
  '0x0100',
  '0003h',
  '#0x01',
  '01h',
  '3.1',
  'Asserted',
  'Deasserted',
  'Assertion Event',
  'Deassertion Event',
  'Pre-Init',
  'PostInit',
  'N/A',
  'na',
  'ns',
  'ok',
  'cr',
  'lnr',
  'ID',
  'Name',
  'Type',
  'State',
  'Reading',
  'Units',
  'Event',
  'Lower NR',
  'Upper C',
  'Memory',
  'Power Supply',
  'Temperature',
  'Fan',
  'Other',
  'Unknown',
  'OEM record c1',
  'OEM record e0',
  'Correctable ECC',
  'Presence detected',
  'Failure detected',
  'Upper Critical going high',
  'Log area reset/cleared',
  '11/28/26',
  '28/11/26',
  '13/45/26',
  '14:03:41',
  '14:03:41 UTC',
  '02:03:41 PM EST',
  'Nov-28-2026',
  'degrees C',
  'RPM',
  'Volts',
  'Watts',
  'discrete',
  'Nominal',
  'Critical',
  "'OK'",
  'Instantaneous power reading:',
  'Current Power',
  'Power reading state is:',
  'activated',
  'deactivated',
  'node1:',
  '127.0.0.1:9001:',
  'ipmi-sel:',
  'Error:',
  'SEL has no entries',
  // Key/value formats: SEL info and time, chassis status, BMC info, FRU.
  ' : ',
  'SEL Information',
  'Version',
  'Entries',
  'Free Space',
  ' bytes',
  'or more',
  'Last Add Time',
  'Last Del Time',
  'Not Available',
  'Overflow',
  'Supported Cmds',
  "'Delete'",
  'Number of log entries',
  'Recent erase timestamp',
  'Post-Init 0 s',
  'Unspecified',
  'Events dropped due to lack of space',
  'Yes',
  'SEL Time',
  'S+ 00:02:13',
  '11/28/2026 - 14:03:41',
  '01/01/1970',
  '12/31/1969',
  'System Power',
  'Interlock',
  'Power Restore Policy',
  'always-off',
  'Last Power Event',
  'ac-failed',
  'true',
  'inactive',
  'Device ID',
  'Firmware Revision',
  'Manufacturer ID',
  'Manufacturer Name',
  'Product ID',
  '256 (0x0100)',
  '0x20',
  '20h',
  'System GUID',
  'Channel Information',
  'Additional Device Support',
  '    Sensor Device',
  'FRU Device Description',
  'FRU Inventory Device',
  'Builtin FRU Device (ID 0)',
  '(ID 00h)',
  'Board Mfg',
  'FRU Board Manufacturer',
  'Product Extra',
  'Device not present (Requested sensor, data, or record not found)',
  'FRU Error',
  'bmc-device:',
  'ipmi-fru:',
  '__proto__',
  '\u0000',
  'é',
  '😀',
];

const line = fc.array(fc.constantFrom(...TOKENS), { maxLength: 14 }).map((t) => t.join(''));
const eol = fc.constantFrom('\n', '\r\n', '\r');
const tokenText = fc
  .tuple(fc.array(line, { maxLength: 12 }), eol)
  .map(([lines, e]) => lines.join(e));
const anyText = fc.oneof(
  tokenText,
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ maxLength: 300 }),
);

function onlyCodedErrors(format: string, text: string): void {
  const detailed = parseDetailed(format, text);
  const lineCount = text.split(/\r\n|\r|\n/).length;
  let prev = 0;
  for (const r of detailed.records) {
    assert.ok(
      r.line > prev && r.line <= lineCount,
      'records in input order with real line numbers',
    );
    prev = r.line;
  }
  for (const i of detailed.issues)
    assert.ok(i.code === 'IPMI_PARSE_FAILED' || i.code === 'IPMI_TOOL_ERROR');
  try {
    parse(format, text);
  } catch (err) {
    assert.ok(isIpmiError(err), `not a coded error: ${String(err)}`);
  }
}

const dir = new URL('./fixtures/', import.meta.url);
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => {
    const meta = JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as {
      format: string;
      throws?: string;
    };
    return {
      name: f,
      format: meta.format,
      throws: meta.throws,
      text: readFileSync(new URL(f.replace(/\.json$/, '.txt'), dir), 'utf8'),
    };
  })
  .filter((f) => f.throws === undefined);

/** A record without its position, for comparing the same line parsed in two inputs. */
function content(r: ParsedRecord): string {
  return JSON.stringify({ ...r, line: 0 });
}

describe('fuzz', () => {
  test('arbitrary input never throws anything but a coded IPMI_ error', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FORMATS), anyText, (format, text) =>
        onlyCodedErrors(format, text),
      ),
      { numRuns: 1500 },
    );
  });

  test('an unknown format is always IPMI_UNKNOWN_FORMAT', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 30 }).filter((s) => !(FORMATS as readonly string[]).includes(s)),
        anyText,
        (format, text) => {
          assert.throws(
            () => parse(format, text),
            (err: unknown) => isIpmiError(err) && err.code === 'IPMI_UNKNOWN_FORMAT',
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  test('random lines mixed into valid output never lose the valid lines', () => {
    for (const fx of fixtures) {
      // Garbage is what the parser rejects on its own: a line that is a record, a header or
      // a block label by itself is not garbage, and may rightly change what follows it.
      const garbage = fc
        .oneof(line, fc.string({ maxLength: 80 }))
        .map((s) => s.replace(/[\r\n]/g, ' '))
        .filter((g) => {
          const alone = parseDetailed(fx.format, g);
          return alone.records.length === 0 && alone.issues.length > 0;
        });
      const baseLines = fx.text.split('\n');
      const base = parseDetailed(fx.format, fx.text).records;
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.nat(baseLines.length), garbage), { maxLength: 6 }),
          (inserts) => {
            // Insert garbage lines and keep where each original line went.
            const lines: string[] = [];
            const newNo = new Map<number, number>();
            const sorted = [...inserts].sort((a, b) => a[0] - b[0]);
            let k = 0;
            baseLines.forEach((l, i) => {
              while (k < sorted.length && (sorted[k]?.[0] ?? 0) <= i)
                lines.push(sorted[k++]?.[1] ?? '');
              lines.push(l);
              newNo.set(i + 1, lines.length);
            });
            while (k < sorted.length) lines.push(sorted[k++]?.[1] ?? '');
            const text = lines.join('\n');
            onlyCodedErrors(fx.format, text);
            const got = new Map(parseDetailed(fx.format, text).records.map((r) => [r.line, r]));
            for (const r of base) {
              const moved = got.get(newNo.get(r.line) ?? -1);
              assert.ok(moved, `${fx.name}: line ${r.line} lost`);
              assert.equal(content(moved), content(r), `${fx.name}: line ${r.line} changed`);
            }
          },
        ),
        { numRuns: 25 },
      );
    }
  });

  test('mutated real output never throws anything but a coded error, and parses the same twice', () => {
    const edit = fc.tuple(
      fc.nat(),
      fc.constantFrom('delete', 'insert', 'replace'),
      fc.constantFrom(...TOKENS, '\n', '|', ','),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...fixtures),
        fc.array(edit, { minLength: 1, maxLength: 8 }),
        (fx, edits) => {
          let text = fx.text;
          for (const [pos, op, tok] of edits) {
            const at = text.length === 0 ? 0 : pos % text.length;
            if (op === 'delete') text = text.slice(0, at) + text.slice(at + 1);
            else if (op === 'insert') text = text.slice(0, at) + tok + text.slice(at);
            else text = text.slice(0, at) + tok + text.slice(at + 1);
          }
          onlyCodedErrors(fx.format, text);
          assert.deepEqual(parseDetailed(fx.format, text), parseDetailed(fx.format, text));
        },
      ),
      { numRuns: 600 },
    );
  });
});
