/**
 * Table-driven parser tests over real output layouts: every `fixtures/<name>.txt` is one
 * tool's output, `fixtures/<name>.json` says where it comes from (captured from the ipmi_sim
 * lab, or written after a vendor's layout) and what must come out of it. Expected records
 * list the fields that matter; each is compared exactly.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import { runParseCommand } from '../cli/parse.js';
import { isIpmiError } from '../errors.js';
import { parse, parseDetailed } from './index.js';

interface Fixture {
  readonly format: string;
  readonly source: string;
  readonly records?: readonly Record<string, unknown>[];
  readonly issues?: readonly { line: number; code: string }[];
  readonly throws?: string;
}

const dir = new URL('./fixtures/', import.meta.url);
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .sort();

function load(name: string): { fixture: Fixture; text: string } {
  return {
    fixture: JSON.parse(readFileSync(new URL(`${name}.json`, dir), 'utf8')) as Fixture,
    text: readFileSync(new URL(`${name}.txt`, dir), 'utf8'),
  };
}

function pick(record: object, keys: readonly string[]): Record<string, unknown> {
  const r = record as Record<string, unknown>;
  return Object.fromEntries(keys.map((k) => [k, r[k]]));
}

describe('parser fixtures', () => {
  test('every fixture has its input beside it and names its source', () => {
    const txt = readdirSync(dir).filter((f) => f.endsWith('.txt'));
    assert.equal(txt.length, names.length, 'one .json per .txt');
    for (const name of names) {
      const { fixture } = load(name);
      assert.ok(fixture.source.length > 20, `${name}: source must say where the output comes from`);
    }
  });

  for (const name of names) {
    test(name, () => {
      const { fixture, text } = load(name);
      if (fixture.throws !== undefined) {
        assert.throws(
          () => parse(fixture.format, text),
          (err: unknown) => isIpmiError(err) && err.code === fixture.throws,
        );
        return;
      }
      const result = parseDetailed(fixture.format, text);
      const expected = fixture.records ?? [];
      assert.equal(result.records.length, expected.length, 'record count');
      expected.forEach((want, i) => {
        const got = result.records[i];
        assert.ok(got, `record ${i}`);
        assert.deepEqual(
          pick(got, Object.keys(want)),
          want,
          `record ${i} (line ${String(want.line)})`,
        );
      });
      assert.deepEqual(
        result.issues.map((x) => ({ line: x.line, code: x.code })),
        fixture.issues ?? [],
        'issues',
      );
      // Input order, one record per input line at most.
      const lines = result.records.map((r) => r.line);
      assert.deepEqual(
        lines,
        [...lines].sort((a, b) => a - b),
        'records in input order',
      );
      assert.equal(new Set(lines).size, lines.length, 'one record per line');
      // The CLI prints the same records as JSON lines.
      const out = runParseCommand(fixture.format, text);
      assert.equal(out === '' ? 0 : out.trimEnd().split('\n').length, expected.length);
    });
  }
});
