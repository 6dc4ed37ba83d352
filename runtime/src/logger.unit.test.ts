import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from './index.js';

test('credentials never reach a log line, wherever they sit in the object', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  const log = createLogger({ name: 't', pretty: false }, sink);
  log.info(
    {
      password: 'hunter2',
      server: { host: 'bmc-1', password: 'hunter2', credentials: { user: 'admin' } },
      req: { headers: { authorization: 'Bearer hunter2' } },
      nested: { deeper: { password: 'hunter2' } },
    },
    'server added',
  );
  assert.equal(lines.length, 1);
  assert.ok(!lines[0]?.includes('hunter2'), lines[0]);
  assert.match(lines[0] ?? '', /bmc-1/);
});
