import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { isCodedError } from '@ipmi-monitor/runtime';
import {
  IV_BYTES,
  SecretKey,
  decryptCredential,
  emptyStoreDoc,
  encryptCredential,
  parseStoreDoc,
  putCredential,
  removeCredential,
  rotateStoreDoc,
  serializeStoreDoc,
  type StoredCredential,
} from './crypto.js';
import { Secret } from './secret.js';

const keyA = SecretKey.fromBytes(Buffer.alloc(32, 1), 'test key A');
const keyB = SecretKey.fromBytes(Buffer.alloc(32, 2), 'test key B');
const iv = (n = 7) => Buffer.alloc(IV_BYTES, n);
let ivSeq = 0;
const nextIv = () => {
  const b = Buffer.alloc(IV_BYTES);
  b.writeUInt32BE(++ivSeq, 8);
  return b;
};

const hasCode = (code: string, forbidden?: string) => (e: unknown) => {
  assert.ok(isCodedError(e), `expected a coded error, got ${String(e)}`);
  assert.equal(e.code, code);
  if (forbidden !== undefined) assert.ok(!e.message.includes(forbidden), 'secret in message');
  return true;
};

test('encrypt → decrypt round trip', () => {
  const rec = encryptCredential(
    keyA,
    'srv-1',
    1,
    { username: 'admin', password: 'fake-pw-1' },
    iv(),
  );
  assert.equal(rec.keyId, keyA.id);
  assert.equal(rec.version, 1);
  assert.equal(rec.username, 'admin');
  const c = decryptCredential([keyA], 'srv-1', rec);
  assert.equal(c.password.reveal(), 'fake-pw-1');
  assert.equal(c.username, 'admin');
  assert.equal(c.version, 1);
});

test('the same inputs and IV give the same record (pure); another IV another ciphertext', () => {
  const input = { username: 'admin', password: 'fake-pw-1' };
  assert.deepEqual(
    encryptCredential(keyA, 's', 1, input, iv()),
    encryptCredential(keyA, 's', 1, input, iv()),
  );
  assert.notEqual(
    encryptCredential(keyA, 's', 1, input, iv(1)).ciphertext,
    encryptCredential(keyA, 's', 1, input, iv(2)).ciphertext,
  );
});

test('the wrong key is a coded error that names key ids, never secrets', () => {
  const rec = encryptCredential(
    keyA,
    'srv-1',
    1,
    { username: 'admin', password: 'fake-pw-1' },
    iv(),
  );
  assert.throws(
    () => decryptCredential([keyB], 'srv-1', rec),
    hasCode('COL_CRED_WRONG_KEY', 'fake-pw-1'),
  );
  // A record that claims the right key id but was made with another key: authentication fails.
  assert.throws(
    () => decryptCredential([keyB], 'srv-1', { ...rec, keyId: keyB.id }),
    hasCode('COL_CRED_TAMPERED'),
  );
});

test('any tampering fails authentication: ciphertext, tag, IV, user name, version, server id', () => {
  const rec = encryptCredential(
    keyA,
    'srv-1',
    3,
    { username: 'admin', password: 'fake-pw-1' },
    iv(),
  );
  const flip = (b64: string) => {
    const b = Buffer.from(b64, 'base64');
    b[0] = (b[0] ?? 0) ^ 1;
    return b.toString('base64');
  };
  const variants: [string, StoredCredential, string][] = [
    ['ciphertext', { ...rec, ciphertext: flip(rec.ciphertext) }, 'srv-1'],
    ['tag', { ...rec, tag: flip(rec.tag) }, 'srv-1'],
    ['iv', { ...rec, iv: flip(rec.iv) }, 'srv-1'],
    ['truncated tag', { ...rec, tag: rec.tag.slice(0, 8) }, 'srv-1'],
    ['username', { ...rec, username: 'root' }, 'srv-1'],
    ['version rollback', { ...rec, version: 2 }, 'srv-1'],
    ['moved to another server', rec, 'srv-2'],
  ];
  for (const [what, r, id] of variants) {
    assert.throws(() => decryptCredential([keyA], id, r), hasCode('COL_CRED_TAMPERED'), what);
  }
});

test('property: tampered records never decrypt and errors never contain the password', () => {
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 40 }),
      fc.nat(),
      fc.integer({ min: 0, max: 7 }),
      (password, pos, bit) => {
        const rec = encryptCredential(keyA, 's', 1, { username: 'u', password }, iv());
        const ct = Buffer.from(rec.ciphertext, 'base64');
        if (ct.length === 0) return;
        const i = pos % ct.length;
        ct[i] = (ct[i] ?? 0) ^ (1 << bit);
        try {
          decryptCredential([keyA], 's', { ...rec, ciphertext: ct.toString('base64') });
          assert.fail('decrypted a tampered record');
        } catch (e) {
          assert.ok(isCodedError(e) && e.code === 'COL_CRED_TAMPERED');
          assert.ok(!e.message.includes(password) || password.length < 3);
          assert.ok(!JSON.stringify(e).includes(rec.ciphertext));
        }
      },
    ),
  );
});

test('keys: base64 of exactly 32 bytes, errors name the source and not the value', () => {
  const b64 = Buffer.alloc(32, 9).toString('base64');
  assert.equal(
    SecretKey.fromBase64(`${b64}\n`, 'X').id,
    SecretKey.fromBytes(Buffer.alloc(32, 9), 'Y').id,
  );
  const short = Buffer.alloc(16, 9).toString('base64');
  assert.throws(
    () => SecretKey.fromBase64(short, 'IPMI_SECRET_KEY'),
    (e: unknown) => hasCode('COL_CRED_KEY_INVALID', short)(e) && /IPMI_SECRET_KEY/.test(String(e)),
  );
  assert.throws(
    () => SecretKey.fromBase64('not base64 at all!', 'IPMI_SECRET_KEY'),
    hasCode('COL_CRED_KEY_INVALID', 'not base64 at all!'),
  );
  assert.notEqual(keyA.id, keyB.id);
  assert.match(keyA.id, /^[0-9a-f]{16}$/);
});

test('keys and secrets do not print their material', () => {
  const b64 = keyA.exportBase64();
  // Template literals and + on these objects are exactly what this test is about.
  /* eslint-disable @typescript-eslint/restrict-template-expressions, @typescript-eslint/restrict-plus-operands */
  for (const text of [inspect(keyA), JSON.stringify({ keyA }), String(keyA), `${keyA}`]) {
    assert.ok(!text.includes(b64));
    assert.ok(text.includes(keyA.id));
  }
  const s = new Secret('fake-pw-1');
  const obj = { username: 'admin', password: s };
  for (const text of [
    inspect(obj),
    inspect(s, { showHidden: true, depth: 10 }),
    JSON.stringify(obj),
    String(s),
    `${s}`,
    'x' + s,
    JSON.stringify({ ...s }),
    inspect({ ...s }),
  ]) {
    assert.ok(!text.includes('fake-pw-1'), text);
  }
  /* eslint-enable @typescript-eslint/restrict-template-expressions, @typescript-eslint/restrict-plus-operands */
  assert.equal(JSON.stringify(obj), '{"username":"admin","password":"[redacted]"}');
  assert.ok(s.equals(new Secret('fake-pw-1')));
  assert.ok(!s.equals(new Secret('fake-pw-2')));
  assert.ok(!s.equals(new Secret('fake-pw-')));
});

test('a decrypted credential hides its password in JSON and inspect', () => {
  const rec = encryptCredential(
    keyA,
    'srv-1',
    1,
    { username: 'admin', password: 'fake-pw-1' },
    iv(),
  );
  const c = decryptCredential([keyA], 'srv-1', rec);
  assert.ok(!inspect(c).includes('fake-pw-1'));
  assert.ok(!JSON.stringify(c).includes('fake-pw-1'));
  assert.deepEqual(JSON.parse(JSON.stringify(c)), {
    serverId: 'srv-1',
    username: 'admin',
    password: '[redacted]',
    version: 1,
  });
});

test('store document: versions, idempotent put, removal keeps the version floor', () => {
  let doc = emptyStoreDoc();
  let d = putCredential(doc, [keyA], 'srv-1', { username: 'admin', password: 'p1' }, nextIv());
  assert.deepEqual([d.version, d.changed], [1, true]);
  doc = d.doc;
  d = putCredential(
    doc,
    [keyA],
    'srv-1',
    { username: 'admin', password: new Secret('p1') },
    nextIv(),
  );
  assert.deepEqual([d.version, d.changed], [1, false], 'same credentials: same version');
  assert.equal(d.doc, doc);
  d = putCredential(doc, [keyA], 'srv-1', { username: 'admin', password: 'p2' }, nextIv());
  assert.deepEqual([d.version, d.changed], [2, true]);
  d = putCredential(d.doc, [keyA], 'srv-1', { username: 'root', password: 'p2' }, nextIv());
  assert.equal(d.version, 3, 'a new user name is a new version');
  const r = removeCredential(d.doc, 'srv-1');
  assert.equal(r.removed, true);
  assert.equal(removeCredential(r.doc, 'srv-1').removed, false);
  d = putCredential(r.doc, [keyA], 'srv-1', { username: 'admin', password: 'p1' }, nextIv());
  assert.equal(d.version, 4, 'a re-added server continues its versions');
});

test('store document: an undecryptable record is replaced by put (the repair)', () => {
  const d = putCredential(emptyStoreDoc(), [keyA], 's', { username: 'u', password: 'p' }, nextIv());
  const fixed = putCredential(d.doc, [keyB], 's', { username: 'u', password: 'p' }, nextIv());
  assert.equal(fixed.version, 2);
  assert.equal(fixed.doc.servers.get('s')?.keyId, keyB.id);
});

test('store document: same credentials under a previous key are re-encrypted, version kept', () => {
  const d = putCredential(emptyStoreDoc(), [keyA], 's', { username: 'u', password: 'p' }, nextIv());
  const m = putCredential(d.doc, [keyB, keyA], 's', { username: 'u', password: 'p' }, nextIv());
  assert.deepEqual([m.version, m.changed, m.doc.servers.get('s')?.keyId], [1, true, keyB.id]);
});

test('rotation re-encrypts everything, keeps versions, and is all or nothing', () => {
  let doc = emptyStoreDoc();
  for (const [id, pw] of [
    ['a', 'pa'],
    ['b', 'pb'],
    ['c', 'pc'],
  ] as const) {
    doc = putCredential(doc, [keyA], id, { username: 'admin', password: pw }, nextIv()).doc;
  }
  const rotated = rotateStoreDoc(doc, [keyA], keyB, nextIv);
  for (const [id, rec] of rotated.servers) {
    assert.equal(rec.keyId, keyB.id);
    assert.equal(rec.version, doc.servers.get(id)?.version);
    assert.throws(() => decryptCredential([keyA], id, rec), hasCode('COL_CRED_WRONG_KEY'));
    assert.equal(decryptCredential([keyB], id, rec).password.reveal(), `p${id}`);
  }
  const broken = new Map(doc.servers);
  const a = broken.get('a');
  assert.ok(a);
  broken.set('a', { ...a, tag: Buffer.alloc(16).toString('base64') });
  assert.throws(
    () => rotateStoreDoc({ ...doc, servers: broken }, [keyA], keyB, nextIv),
    hasCode('COL_CRED_TAMPERED'),
  );
});

test('serialise → parse round trip; malformed files are coded errors', () => {
  let doc = putCredential(
    emptyStoreDoc(),
    [keyA],
    'b',
    { username: 'u', password: 'fake-secret-xyz' },
    nextIv(),
  ).doc;
  doc = putCredential(doc, [keyA], 'a', { username: 'u', password: 'p' }, nextIv()).doc;
  doc = removeCredential(doc, 'a').doc;
  const text = serializeStoreDoc(doc);
  assert.ok(!text.includes('fake-secret-xyz'));
  assert.ok(!text.includes(Buffer.from('fake-secret-xyz').toString('base64')));
  const back = parseStoreDoc(text, 'f.json');
  assert.deepEqual([...back.servers], [...doc.servers]);
  assert.deepEqual([...back.retired], [['a', 1]]);
  for (const bad of [
    'nope',
    '[]',
    '{"format":"other"}',
    JSON.stringify({
      format: 'ipmi-monitor-credentials',
      formatVersion: 99,
      algorithm: 'aes-256-gcm',
      servers: {},
    }),
    JSON.stringify({
      format: 'ipmi-monitor-credentials',
      formatVersion: 1,
      algorithm: 'aes-256-gcm',
      servers: { a: { version: 1 } },
    }),
    JSON.stringify({
      format: 'ipmi-monitor-credentials',
      formatVersion: 1,
      algorithm: 'rot13',
      servers: {},
    }),
  ]) {
    assert.throws(() => parseStoreDoc(bad, 'f.json'), hasCode('COL_CRED_STORE_CORRUPT'), bad);
  }
});

test('a server id like __proto__ is just a key', () => {
  const d = putCredential(
    emptyStoreDoc(),
    [keyA],
    '__proto__',
    { username: 'u', password: 'p' },
    nextIv(),
  );
  const back = parseStoreDoc(serializeStoreDoc(d.doc), 'f');
  const rec = back.servers.get('__proto__');
  assert.ok(rec);
  assert.equal(decryptCredential([keyA], '__proto__', rec).password.reveal(), 'p');
});
