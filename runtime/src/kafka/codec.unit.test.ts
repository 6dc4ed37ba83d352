import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { frame, readFrame, type CodedError } from '../index.js';

test('frame writes magic 0 and a big-endian schema id before the body', () => {
  const buf = frame(0x01020304, Buffer.from([9, 8, 7]));
  assert.deepEqual([...buf], [0, 1, 2, 3, 4, 9, 8, 7]);
  const { schemaId, body } = readFrame(buf);
  assert.equal(schemaId, 0x01020304);
  assert.deepEqual([...body], [9, 8, 7]);
});

test('readFrame rejects null, short and wrong-magic input with RT_DECODE_FAILED', () => {
  for (const input of [
    null,
    Buffer.alloc(0),
    Buffer.from([0, 1, 2]),
    Buffer.from([1, 0, 0, 0, 1, 5]),
  ]) {
    assert.throws(
      () => readFrame(input),
      (e: CodedError) => e.code === 'RT_DECODE_FAILED',
    );
  }
});

test('property: any bytes either parse or fail with a coded error, never anything else', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        const { schemaId, body } = readFrame(Buffer.from(bytes));
        return (
          bytes[0] === 0 && bytes.length >= 5 && schemaId >= 0 && body.length === bytes.length - 5
        );
      } catch (err) {
        return (err as CodedError).code === 'RT_DECODE_FAILED';
      }
    }),
    { numRuns: 2000 },
  );
});

test('property: frame and readFrame are inverse', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.uint8Array(), (id, body) => {
      const out = readFrame(frame(id, Buffer.from(body)));
      return out.schemaId === id && Buffer.compare(out.body, Buffer.from(body)) === 0;
    }),
  );
});
