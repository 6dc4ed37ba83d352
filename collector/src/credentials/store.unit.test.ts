import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { isCodedError } from '@ipmi-monitor/runtime';
import { SecretKey } from './crypto.js';
import { generateKey, loadSecretKeys, readKeyFile, writeKeyFile, type KeyLogger } from './key.js';
import { CredentialStore } from './store.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'ipmi-cred-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

function logger(): KeyLogger & { lines: { level: string; obj: object; msg: string }[] } {
  const lines: { level: string; obj: object; msg: string }[] = [];
  return {
    lines,
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
  };
}

const coded = (code: string) => (e: unknown) => isCodedError(e) && e.code === code;
const PASSWORDS = ['fake-Sim-Passw0rd-1', 'fake-Sim-Passw0rd-2', 'fake-ünïcode-pässwörd'];

test('put / get / remove through the file; the file is 0600 and holds no plaintext', async () => {
  const dir = await tempDir();
  const file = join(dir, 'state', 'credentials.json');
  const key = generateKey();
  const store = await CredentialStore.open({ file, key });
  assert.equal(await store.has('srv-1'), false);
  assert.equal(await store.put('srv-1', { username: 'admin', password: PASSWORDS[0] ?? '' }), 1);
  assert.equal(await store.put('srv-2', { username: 'ADMIN', password: PASSWORDS[2] ?? '' }), 1);
  assert.equal(await store.put('srv-1', { username: 'admin', password: PASSWORDS[1] ?? '' }), 2);

  const st = await stat(file);
  assert.equal(st.mode & 0o777, 0o600);
  assert.equal((await stat(join(dir, 'state'))).mode & 0o077, 0, 'state dir private');
  const text = await readFile(file, 'utf8');
  for (const pw of PASSWORDS) {
    assert.ok(!text.includes(pw), 'plaintext in file');
    assert.ok(!text.includes(Buffer.from(pw).toString('base64')), 'base64 plaintext in file');
    assert.ok(!text.includes(Buffer.from(pw).toString('hex')), 'hex plaintext in file');
  }
  assert.ok(!text.includes(key.exportBase64()), 'key in file');
  assert.deepEqual(
    (await readdir(join(dir, 'state'))).filter((n) => n.endsWith('.tmp')),
    [],
    'no temp files left',
  );

  // A second instance (another process) reads what the first wrote.
  const other = await CredentialStore.open({ file, key });
  const c = await other.get('srv-1');
  assert.equal(c.password.reveal(), PASSWORDS[1]);
  assert.equal(c.version, 2);
  assert.equal((await other.get('srv-2')).password.reveal(), PASSWORDS[2]);
  assert.ok(!inspect(c).includes(PASSWORDS[1] ?? '?'));
  assert.ok(!JSON.stringify(c).includes(PASSWORDS[1] ?? '?'));
  assert.ok(!JSON.stringify(await other.list()).includes('fake'));

  assert.equal(await store.remove('srv-1'), true);
  await assert.rejects(other.get('srv-1'), coded('COL_CRED_NOT_FOUND'), 'change seen by the other');
  assert.equal(await store.remove('srv-1'), false);
  assert.equal(await store.put('srv-1', { username: 'admin', password: 'x' }), 3);
});

test('the same credentials again do not bump the version or rewrite the file', async () => {
  const file = join(await tempDir(), 'c.json');
  const store = await CredentialStore.open({ file, key: generateKey() });
  await store.put('s', { username: 'u', password: 'p' });
  const before = await stat(file);
  assert.equal(await store.put('s', { username: 'u', password: 'p' }), 1);
  assert.equal((await stat(file)).ino, before.ino);
});

test('concurrent puts in one process are serialised (no lost update)', async () => {
  const file = join(await tempDir(), 'c.json');
  const store = await CredentialStore.open({ file, key: generateKey() });
  const versions = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      store.put(`s${i % 4}`, { username: 'u', password: `p${i}` }),
    ),
  );
  assert.equal(versions.length, 20);
  const list = await store.list();
  assert.equal(list.length, 4);
  assert.deepEqual(list.map((l) => l.version).sort(), [5, 5, 5, 5]);
});

test('the wrong key and a tampered file are coded errors without secrets', async () => {
  const file = join(await tempDir(), 'c.json');
  const store = await CredentialStore.open({ file, key: generateKey() });
  await store.put('s', { username: 'u', password: 'fake-pw' });
  const wrong = await CredentialStore.open({ file, key: generateKey() });
  await assert.rejects(wrong.get('s'), coded('COL_CRED_WRONG_KEY'));

  const doc = JSON.parse(await readFile(file, 'utf8')) as {
    servers: Record<string, { ciphertext: string }>;
  };
  const rec = doc.servers.s;
  assert.ok(rec);
  const ct = Buffer.from(rec.ciphertext, 'base64');
  ct[0] = (ct[0] ?? 0) ^ 0x80;
  rec.ciphertext = ct.toString('base64');
  await writeFile(file, JSON.stringify(doc));
  await assert.rejects(store.get('s'), (e: unknown) => {
    assert.ok(coded('COL_CRED_TAMPERED')(e));
    assert.ok(!String((e as Error).message).includes('fake-pw'));
    return true;
  });
  await writeFile(file, '{ not json');
  await assert.rejects(store.get('s'), coded('COL_CRED_STORE_CORRUPT'));
});

test('a stale credential version is a retriable error', async () => {
  const file = join(await tempDir(), 'c.json');
  const store = await CredentialStore.open({ file, key: generateKey() });
  await store.put('s', { username: 'u', password: 'p' });
  await assert.rejects(store.get('s', { minVersion: 2 }), (e: unknown) => {
    assert.ok(coded('COL_CRED_STALE')(e));
    assert.equal((e as { retriable: boolean }).retriable, true);
    return true;
  });
  assert.equal((await store.get('s', { minVersion: 1 })).version, 1);
});

test('rotation re-encrypts everything under the new key; versions stay', async () => {
  const file = join(await tempDir(), 'c.json');
  const oldKey = generateKey();
  const newKey = generateKey();
  const store = await CredentialStore.open({ file, key: oldKey });
  await store.put('a', { username: 'u', password: 'pa' });
  await store.put('b', { username: 'u', password: 'pb' });
  await store.put('b', { username: 'u', password: 'pb2' });
  const before = await readFile(file, 'utf8');
  assert.equal(await store.rotate(newKey), 2);
  assert.equal(store.keyId, newKey.id);
  const after = await readFile(file, 'utf8');
  assert.notEqual(after, before);
  assert.ok(!after.includes(oldKey.id));

  const reopened = await CredentialStore.open({ file, key: newKey });
  assert.equal((await reopened.get('b')).password.reveal(), 'pb2');
  assert.equal((await reopened.get('b')).version, 2);
  const withOld = await CredentialStore.open({ file, key: oldKey });
  await assert.rejects(withOld.get('a'), coded('COL_CRED_WRONG_KEY'));
});

test('during a rotation the previous key still reads, and rotate(current) finishes it', async () => {
  const file = join(await tempDir(), 'c.json');
  const oldKey = generateKey();
  const newKey = generateKey();
  const old = await CredentialStore.open({ file, key: oldKey });
  await old.put('a', { username: 'u', password: 'pa' });
  const store = await CredentialStore.open({ file, key: newKey, previousKeys: [oldKey] });
  assert.equal((await store.get('a')).password.reveal(), 'pa');
  await store.rotate(newKey);
  const only = await CredentialStore.open({ file, key: newKey });
  assert.equal((await only.get('a')).password.reveal(), 'pa');
});

test('an over-permissive credentials file is tightened to 0600 with a warning', async () => {
  const file = join(await tempDir(), 'c.json');
  const key = generateKey();
  await (await CredentialStore.open({ file, key })).put('s', { username: 'u', password: 'p' });
  await chmod(file, 0o644);
  const log = logger();
  await CredentialStore.open({ file, key, logger: log });
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.equal(log.lines[0]?.level, 'warn');
});

test('key: generated on first start as a 0600 file, logged with its path, reused after', async () => {
  const stateDir = join(await tempDir(), 'state');
  const cfg = { stateDir, secretKeyFile: null, secretKey: null, previousKeyFile: null };
  const log = logger();
  const first = await loadSecretKeys(cfg, log);
  assert.equal(first.source, 'generated');
  assert.equal(first.path, join(stateDir, 'secret.key'));
  assert.equal((await stat(join(stateDir, 'secret.key'))).mode & 0o777, 0o600);
  assert.equal(log.lines[0]?.level, 'warn');
  assert.match(log.lines[0]?.msg ?? '', /generated a new credential key/);
  assert.deepEqual(log.lines[0]?.obj, { path: first.path, keyId: first.key.id });
  assert.ok(!JSON.stringify(log.lines).includes(first.key.exportBase64()));

  const second = await loadSecretKeys(cfg, logger());
  assert.equal(second.key.id, first.key.id);
  // Two starts racing: both end up with the same key.
  const dir2 = join(await tempDir(), 's2');
  const both = await Promise.all([
    loadSecretKeys({ ...cfg, stateDir: dir2 }, logger()),
    loadSecretKeys({ ...cfg, stateDir: dir2 }, logger()),
  ]);
  assert.equal(both[0].key.id, both[1].key.id);
});

test('key: from IPMI_SECRET_KEY_FILE or IPMI_SECRET_KEY, never both; bad keys are coded errors', async () => {
  const dir = await tempDir();
  const key = generateKey();
  const path = join(dir, 'k');
  await writeKeyFile(path, key);
  await assert.rejects(writeKeyFile(path, generateKey()), coded('COL_CRED_KEY_UNREADABLE'));
  const base = { stateDir: dir, secretKeyFile: null, secretKey: null, previousKeyFile: null };
  assert.equal((await loadSecretKeys({ ...base, secretKeyFile: path }, logger())).key.id, key.id);
  const fromEnv = await loadSecretKeys({ ...base, secretKey: key.exportBase64() }, logger());
  assert.equal(fromEnv.key.id, key.id);
  assert.equal(fromEnv.source, 'IPMI_SECRET_KEY');
  await assert.rejects(
    loadSecretKeys({ ...base, secretKeyFile: path, secretKey: key.exportBase64() }, logger()),
    coded('COL_CRED_KEY_INVALID'),
  );
  await assert.rejects(
    loadSecretKeys({ ...base, secretKey: 'c2hvcnQ=' }, logger()),
    (e: unknown) => coded('COL_CRED_KEY_INVALID')(e) && !String(e).includes('c2hvcnQ='),
  );
  await assert.rejects(
    loadSecretKeys({ ...base, secretKeyFile: join(dir, 'missing') }, logger()),
    (e: unknown) => coded('COL_CRED_KEY_UNREADABLE')(e) && /IPMI_SECRET_KEY_FILE/.test(String(e)),
  );
  const prev = generateKey();
  const prevPath = join(dir, 'prev');
  await writeKeyFile(prevPath, prev);
  const withPrev = await loadSecretKeys(
    { ...base, secretKeyFile: path, previousKeyFile: prevPath },
    logger(),
  );
  assert.deepEqual(
    withPrev.previous.map((k) => k.id),
    [prev.id],
  );
  await chmod(path, 0o644);
  const log = logger();
  await readKeyFile(path, 'IPMI_SECRET_KEY_FILE', log);
  assert.equal(log.lines[0]?.level, 'warn');
  assert.ok(SecretKey.fromBase64((await readFile(path, 'utf8')).trim(), 'x'));
});
