/**
 * `ipmi-monitor import` through the binary against the real broker and registry:
 * passwords end up encrypted in the store and nowhere on Kafka, each new or changed server
 * is one ServerConfigured event, importing the same file again publishes nothing, and a
 * file with an invalid row imports nothing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectSeam, type Seam } from '@ipmi-monitor/runtime';
import { stackEnv, testLogger, testPrefix } from '@ipmi-monitor/runtime/testing';

const bin = new URL('../bin/ipmi-monitor.js', import.meta.url).pathname;
const prefix = testPrefix();
const env = stackEnv();
let work: string;
let seam: Seam;

function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, IPMI_TOPIC_PREFIX: prefix, IPMI_STATE_DIR: work, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

const fleetYaml = (port2: number) => `defaults:
  username: admin
  privilege: administrator
  workaroundFlags: [opensesspriv]
servers:
  - name: rack1-node01
    host: 127.0.0.1
    port: 16001
    password: fake-Secret-0001
  - name: rack1-node02
    host: 127.0.0.1
    port: ${port2}
    password: fake-Secret-0002
`;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'import-int-'));
  seam = await connectSeam({
    ...env,
    clientId: 'import-test',
    logger: testLogger('import.int'),
    topicPrefix: prefix,
  });
});
after(async () => {
  await seam.deleteTopics(['ipmi.servers.v1']);
  await seam.close();
  await rm(work, { recursive: true, force: true });
});

test('import publishes configuration, never passwords, and is idempotent', async () => {
  const file = join(work, 'servers.yaml');
  await writeFile(file, fleetYaml(16002));
  const first = await cli(['import', file]);
  assert.equal(first.code, 0, first.err);
  assert.match(first.out, /2 configured, 0 unchanged/);

  const events = await seam.readAll('ipmi.servers.v1');
  assert.deepEqual(
    events.map((m) => [m.event.type, (m.event.value as { serverId: string }).serverId]).sort(),
    [
      ['ServerConfigured', 'rack1-node01'],
      ['ServerConfigured', 'rack1-node02'],
    ],
  );
  for (const m of events) {
    assert.ok(!m.raw?.toString('latin1').includes('fake-Secret'), 'no password on the topic');
  }
  const store = await readFile(join(work, 'credentials.json'), 'utf8');
  assert.ok(!store.includes('fake-Secret'), 'the store holds ciphertext only');
  assert.equal((await stat(join(work, 'credentials.json'))).mode & 0o777, 0o600);
  assert.equal((await stat(join(work, 'secret.key'))).mode & 0o777, 0o600);
  assert.ok(!(first.out + first.err).includes('fake-Secret'));

  const again = await cli(['import', file]);
  assert.equal(again.code, 0, again.err);
  assert.match(again.out, /0 configured, 2 unchanged/);
  assert.equal((await seam.readAll('ipmi.servers.v1')).length, 2, 'nothing new published');

  await writeFile(file, fleetYaml(16012));
  const changed = await cli(['import', file]);
  assert.match(changed.out, /configured rack1-node02 \(revision 2\)/);
  assert.match(changed.out, /1 configured, 1 unchanged/);

  await writeFile(
    file,
    `${fleetYaml(16012)}  - name: broken\n    host: 127.0.0.1\n    port: 99999\n    password: fake-Secret-0003\n`,
  );
  const bad = await cli(['import', file]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /port/);
  assert.match(bad.err, /nothing imported/);
  assert.equal(
    (await seam.readAll('ipmi.servers.v1')).length,
    3,
    'an invalid file publishes nothing',
  );
});
