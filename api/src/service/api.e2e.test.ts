/**
 * `ipmi-monitor api` as a process, configured by environment only, against the real broker
 * and registry, with its own embedded database (which it owns, with the projections in it):
 * the first admin's file (0600, its path logged, its password never), login, a server added
 * through the API reaching the database through the in-process projections, /metrics, and
 * a graceful stop on SIGTERM, with a live stream open.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { eventually, testPrefix } from '@ipmi-monitor/runtime/testing';
import { freePort } from '../testing/prometheus.js';

const bin = new URL('../../../cli/bin/ipmi-monitor.js', import.meta.url).pathname;
const BMC_PASSWORD = 'e2e-Bmc-pass-42';

let child: ChildProcess | null = null;
let work = '';

after(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  if (work) await rm(work, { recursive: true, force: true });
});

test('the api process: first admin, login, a server through Kafka into its database, SIGTERM', async () => {
  work = await mkdtemp(join(tmpdir(), 'api-e2e-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let out = '';
  child = spawn(process.execPath, [bin, 'api'], {
    env: {
      ...process.env,
      IPMI_TOPIC_PREFIX: testPrefix(),
      IPMI_STATE_DIR: work,
      IPMI_DATA_DIR: join(work, 'db'),
      HTTP_PORT: String(port),
      LOG_LEVEL: 'debug',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child?.on('exit', (code) => r(code)));

  await eventually(() => (out.includes('"api listening"') ? true : undefined), {
    timeoutMs: 120_000,
    what: 'the api listening',
  }).catch((err: unknown) => {
    throw new Error(`${String(err)}\noutput:\n${out.slice(-3000)}`);
  });
  const file = join(work, 'api', 'admin-credentials');
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  const password = /^password=(.+)$/m.exec(await readFile(file, 'utf8'))![1]!;
  assert.ok(out.includes(file), 'the log says where the admin password is');
  assert.ok(!out.includes(password), 'and never what it is');

  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  assert.equal(login.status, 200);
  const { token } = (await login.json()) as { token: string };
  const auth = { authorization: `Bearer ${token}` };

  const created = await fetch(`${base}/api/v1/servers`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'e2e-1',
      host: '10.9.0.1',
      username: 'admin',
      password: BMC_PASSWORD,
    }),
  });
  assert.equal(created.status, 201, await created.clone().text());
  // The in-process projections write the configuration event into this process's database.
  const listed = await eventually(
    async () => {
      const res = await fetch(`${base}/api/v1/servers`, { headers: auth });
      const body = (await res.json()) as { items: { serverId: string }[] };
      return body.items.some((s) => s.serverId === 'e2e-1') ? body : undefined;
    },
    { timeoutMs: 60_000, what: 'the new server projected' },
  );
  assert.equal(listed.items.length, 1);

  const metrics = await fetch(`${base}/metrics`, { headers: auth });
  assert.equal(metrics.status, 200);
  assert.match(await metrics.text(), /ipmi_projection_events_total\{projection="servers"/);
  assert.equal((await fetch(`${base}/metrics`)).status, 401);
  assert.equal((await fetch(`${base}/health`)).status, 200);

  // A live stream stays open until the process ends it: SIGTERM must not wait for it.
  const stream = await fetch(`${base}/api/v1/stream`, { headers: auth });
  assert.equal(stream.status, 200);
  const reader = stream.body!.getReader();
  await reader.read();
  const sigterm = Date.now();
  child.kill('SIGTERM');
  assert.equal(await exited, 0, out.slice(-3000));
  assert.ok(Date.now() - sigterm < 10_000, 'the stop did not wait for the open stream');
  await reader.cancel().catch(() => undefined);
  child = null;
  assert.match(out, /embedded database closed/);
  assert.ok(!out.includes(BMC_PASSWORD), 'no BMC password in the log');
  const store = await readFile(join(work, 'credentials.json'), 'utf8');
  assert.ok(!store.includes(BMC_PASSWORD), 'the credential store holds no clear text');
});
