import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCommand } from './commands.js';

async function run(argv: string[], input = '') {
  let out = '';
  let err = '';
  const code = await runCommand(argv, {
    version: '9.9.9',
    stdin: (async function* () {
      await Promise.resolve();
      yield input;
    })(),
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
  });
  return { code, out, err };
}

test('--version prints the package version', async () => {
  assert.deepEqual(await run(['--version']), { code: 0, out: '9.9.9\n', err: '' });
});

test('parse prints one JSON line per record, in input order, with line numbers', async () => {
  const input = [
    '   1 | 11/28/26 | 14:03:41 UTC | Temperature CPU Temp | Upper Non-critical going high | Asserted | Reading 95 > Threshold 80 degrees C',
    '   2 | 11/28/26 | 14:05:00 UTC | Power Supply PSU1 Status | Failure detected | Asserted',
  ].join('\n');
  const { code, out } = await run(['parse', 'ipmitool-sel-elist'], input);
  assert.equal(code, 0);
  const rows = out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { line: number; recordId: string; direction: string });
  assert.deepEqual(
    rows.map((r) => [r.line, r.recordId, r.direction]),
    [
      [1, '1', 'asserted'],
      [2, '2', 'asserted'],
    ],
  );
});

test('an unknown format or command is a clear error with a non-zero exit', async () => {
  const bad = await run(['parse', 'nope'], 'x');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /^IPMI_UNKNOWN_FORMAT: .*ipmitool-sel-elist/);
  assert.equal((await run(['frobnicate'])).code, 2);
});
