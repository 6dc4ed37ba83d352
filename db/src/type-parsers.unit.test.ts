import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OID, parseArray, parseInt8, sharedParsers } from './type-parsers.js';

describe('int8', () => {
  test('safe integers become numbers', () => {
    assert.equal(parseInt8('0'), 0);
    assert.equal(parseInt8('-42'), -42);
    assert.equal(parseInt8('9007199254740991'), Number.MAX_SAFE_INTEGER);
  });
  test('beyond 2^53 a bigint, never a rounded number', () => {
    assert.equal(parseInt8('9007199254740993'), 9007199254740993n);
    assert.equal(parseInt8('-9223372036854775808'), -9223372036854775808n);
  });
  test('NULL stays null', () => assert.equal(parseInt8(null), null));
});

describe('arrays', () => {
  const int8Array = sharedParsers[OID.INT8_ARRAY]!;
  test('flat, with NULL', () => assert.deepEqual(int8Array('{1,2,NULL}'), [1, 2, null]));
  test('empty', () => assert.deepEqual(int8Array('{}'), []));
  test('nested', () =>
    assert.deepEqual(int8Array('{{1,2},{3,4}}'), [
      [1, 2],
      [3, 4],
    ]));
  test('dimension decoration', () => assert.deepEqual(int8Array('[0:1]={5,6}'), [5, 6]));
  test('quoted elements with escapes; quoted "NULL" is text', () => {
    assert.deepEqual(
      parseArray('{"a b","c\\"d","NULL",NULL}', (v) => v),
      ['a b', 'c"d', 'NULL', null],
    );
  });
  test('malformed input throws', () => assert.throws(() => parseArray('1,2', (v) => v)));
});

test('date and interval stay text', () => {
  assert.equal(sharedParsers[OID.DATE]!('2026-01-02'), '2026-01-02');
  assert.equal(sharedParsers[OID.INTERVAL]!('1 day 02:00:00'), '1 day 02:00:00');
});
