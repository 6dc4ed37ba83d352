import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  copyStatement,
  encodeCopyBatches,
  encodeCopyField,
  encodeCopyRow,
  quoteIdent,
  toPgText,
} from './copy-format.js';

describe('COPY text encoding', () => {
  const cases: [string, unknown, string][] = [
    ['null', null, '\\N'],
    ['undefined', undefined, '\\N'],
    ['plain text', 'CPU Temp', 'CPU Temp'],
    ['the text \\N is not NULL', '\\N', '\\\\N'],
    ['tab, newline, CR, backslash', 'a\tb\nc\rd\\e', 'a\\tb\\nc\\rd\\\\e'],
    ['integer', 42, '42'],
    ['float', -1.5e-7, '-1.5e-7'],
    ['NaN', Number.NaN, 'NaN'],
    ['Infinity', Infinity, 'Infinity'],
    ['-Infinity', -Infinity, '-Infinity'],
    ['bigint', 2n ** 63n - 1n, '9223372036854775807'],
    ['boolean', true, 't'],
    ['date', new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)), '2026-01-02T03:04:05.006Z'],
    ['bytea', new Uint8Array([0, 255, 16]), '\\\\x00ff10'],
    ['json object', { a: 'x\ty' }, '{"a":"x\\\\ty"}'],
    [
      'text array with NULL and quotes',
      ['a', null, 'b"c', 'd\\e'],
      '{"a",NULL,"b\\\\"c","d\\\\\\\\e"}',
    ],
    [
      'nested array',
      [
        [1, 2],
        [3, 4],
      ],
      '{{"1","2"},{"3","4"}}',
    ],
  ];
  for (const [name, value, want] of cases) {
    test(name, () => assert.equal(encodeCopyField(value), want));
  }

  test('an invalid Date is refused', () => {
    assert.throws(() => toPgText(new Date(Number.NaN)));
  });
  test('functions and symbols are refused', () => {
    assert.throws(() => toPgText(() => 1));
    assert.throws(() => toPgText(Symbol('x')));
  });

  test('a row is tab-separated and newline-terminated', () => {
    assert.equal(encodeCopyRow([1, null, 'x y'], 3), '1\t\\N\tx y\n');
  });
  test('a row with the wrong width is refused', () => {
    assert.throws(() => encodeCopyRow([1, 2], 3), /2 values for 3 columns/);
  });
});

describe('batches', () => {
  test('split by row count, nothing lost', () => {
    const rows = Array.from({ length: 7 }, (_, i) => [i]);
    const batches = [...encodeCopyBatches(rows, 1, 3)];
    assert.deepEqual(
      batches.map((b) => b.rows),
      [3, 3, 1],
    );
    assert.equal(batches.map((b) => b.text).join(''), '0\n1\n2\n3\n4\n5\n6\n');
  });
  test('no rows, no batches', () => {
    assert.deepEqual([...encodeCopyBatches([], 2, 10)], []);
  });
});

describe('identifiers', () => {
  test('quoted, schema-qualified, embedded quotes doubled', () => {
    assert.equal(quoteIdent('readings'), '"readings"');
    assert.equal(quoteIdent('public.readings'), '"public"."readings"');
    assert.equal(quoteIdent('we"ird'), '"we""ird"');
  });
  for (const bad of ['', 'a.b.c', '.x', 'x.']) {
    test(`refuses ${JSON.stringify(bad)}`, () => assert.throws(() => quoteIdent(bad)));
  }
  test('COPY statement', () => {
    assert.equal(
      copyStatement('readings', ['time', 'value'], 'STDIN'),
      'COPY "readings" ("time", "value") FROM STDIN',
    );
    assert.throws(() => copyStatement('readings', [], 'STDIN'));
  });
});
