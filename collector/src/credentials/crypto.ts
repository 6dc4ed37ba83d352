/**
 * The pure half of the credential store: keys, AES-256-GCM encryption of one credential
 * record, and the store document (parse, serialise, put, remove, rotate) with no file I/O.
 * IVs and the clock are arguments, so every function here is deterministic and tested
 * without a disk.
 *
 * Security reasoning:
 * - AES-256-GCM gives confidentiality and integrity in one primitive; a flipped bit anywhere
 *   (ciphertext, IV, tag) fails authentication instead of decrypting to a wrong password
 *   that would then lock out the BMC account after a few attempts.
 * - The associated data binds each ciphertext to its server id, version, user name and key
 *   id. Without it, someone able to edit the file could move server A's record under server
 *   B (or roll a record back to an older version) and the collector would send A's password
 *   to B's BMC. With it, the move fails authentication.
 * - IVs are 96 random bits per encryption (NIST SP 800-38D 8.2.2): a store holds thousands
 *   of records at most, far below the 2^32 encryptions per key that random IVs allow.
 * - A key is identified by an HMAC of a fixed label under the key: it tells "wrong key"
 *   apart from "tampered" without revealing anything usable about the key.
 */
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { configErrors } from '../errors-config.js';
import { REDACTED, Secret } from './secret.js';

export const ALGORITHM = 'aes-256-gcm';
export const KEY_BYTES = 32;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
export const STORE_FORMAT = 'ipmi-monitor-credentials';
export const STORE_FORMAT_VERSION = 1;

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');
/** Key bytes live outside the object, so no enumeration or inspection can reach them. */
const keyBytes = new WeakMap<SecretKey, Buffer>();

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export class SecretKey {
  /** Public fingerprint (16 hex digits); stored with each record. */
  readonly id: string;

  private constructor(bytes: Buffer) {
    keyBytes.set(this, bytes);
    this.id = createHmac('sha256', bytes)
      .update('ipmi-monitor credential key id v1')
      .digest('hex')
      .slice(0, 16);
  }

  /** `what` names the source (a variable or a path) for the error; never the value. */
  static fromBytes(bytes: Uint8Array, what: string): SecretKey {
    if (bytes.length !== KEY_BYTES) {
      throw configErrors.error(
        'COL_CRED_KEY_INVALID',
        `${what}: expected ${KEY_BYTES} bytes of key, got ${bytes.length}`,
      );
    }
    return new SecretKey(Buffer.from(bytes));
  }

  /** Base64 as written by `openssl rand -base64 32`; surrounding whitespace is ignored. */
  static fromBase64(text: string, what: string): SecretKey {
    const t = text.trim();
    if (!BASE64.test(t)) {
      throw configErrors.error(
        'COL_CRED_KEY_INVALID',
        `${what}: not base64 (create a key with \`openssl rand -base64 32\`)`,
      );
    }
    return SecretKey.fromBytes(Buffer.from(t, 'base64'), what);
  }

  /** For writing a generated key file only. */
  exportBase64(): string {
    return bytesOf(this).toString('base64');
  }

  toJSON(): string {
    return `SecretKey(${this.id})`;
  }

  toString(): string {
    return `SecretKey(${this.id})`;
  }

  [inspectSymbol](): string {
    return `SecretKey(${this.id}, ${REDACTED})`;
  }
}

function bytesOf(key: SecretKey): Buffer {
  const b = keyBytes.get(key);
  // Unreachable: the constructor is private and always registers the bytes.
  if (!b) throw new Error('SecretKey without key material');
  return b;
}

/** One encrypted credential as stored in the file. Binary fields are base64. */
export interface StoredCredential {
  readonly version: number;
  readonly username: string;
  readonly keyId: string;
  readonly iv: string;
  readonly ciphertext: string;
  readonly tag: string;
}

/** What `get` hands out. `password` redacts itself in logs, JSON and inspect. */
export interface Credential {
  readonly serverId: string;
  readonly username: string;
  readonly password: Secret;
  readonly version: number;
}

export interface CredentialInput {
  readonly username: string;
  readonly password: string | Secret;
}

function associatedData(
  serverId: string,
  r: Pick<StoredCredential, 'version' | 'username' | 'keyId'>,
) {
  return Buffer.from(
    JSON.stringify(['ipmi-monitor/credential/v1', serverId, r.version, r.username, r.keyId]),
    'utf8',
  );
}

export function encryptCredential(
  key: SecretKey,
  serverId: string,
  version: number,
  input: CredentialInput,
  iv: Uint8Array,
): StoredCredential {
  if (iv.length !== IV_BYTES) throw new Error(`AES-GCM IV must be ${IV_BYTES} bytes`);
  const meta = { version, username: input.username, keyId: key.id };
  const cipher = createCipheriv(ALGORITHM, bytesOf(key), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(serverId, meta));
  const ciphertext = Buffer.concat([
    cipher.update(Secret.of(input.password).reveal(), 'utf8'),
    cipher.final(),
  ]);
  return {
    ...meta,
    iv: Buffer.from(iv).toString('base64'),
    ciphertext: ciphertext.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  };
}

/**
 * Decrypts with whichever of `keys` the record names: COL_CRED_WRONG_KEY when none does,
 * COL_CRED_TAMPERED when authentication fails.
 */
export function decryptCredential(
  keys: readonly SecretKey[],
  serverId: string,
  record: StoredCredential,
): Credential {
  const key = keys.find((k) => k.id === record.keyId);
  if (!key) {
    throw configErrors.error(
      'COL_CRED_WRONG_KEY',
      `credentials of server ${serverId} were encrypted with key ${record.keyId}, which is not ` +
        `among the configured keys (${keys.map((k) => k.id).join(', ') || 'none'})`,
    );
  }
  const iv = Buffer.from(record.iv, 'base64');
  const tag = Buffer.from(record.tag, 'base64');
  try {
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new Error('bad IV or tag length');
    const decipher = createDecipheriv(ALGORITHM, bytesOf(key), iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(serverId, record));
    decipher.setAuthTag(tag);
    const plain = Buffer.concat([
      decipher.update(Buffer.from(record.ciphertext, 'base64')),
      decipher.final(),
    ]);
    return Object.freeze({
      serverId,
      username: record.username,
      password: new Secret(plain.toString('utf8')),
      version: record.version,
    });
  } catch {
    // The cause (OpenSSL's "unable to authenticate data") adds nothing and is dropped on
    // purpose: nothing derived from the ciphertext goes into an error.
    throw configErrors.error(
      'COL_CRED_TAMPERED',
      `credentials of server ${serverId} (version ${record.version}) failed authentication: ` +
        'the credentials file was corrupted or edited',
    );
  }
}

// --- the store document --------------------------------------------------------------------

export interface StoreDoc {
  /** By server id. */
  readonly servers: ReadonlyMap<string, StoredCredential>;
  /**
   * Last version of each removed server, so a server removed and added again continues its
   * version numbers: a collector holding "version 3" must not mistake a new "version 1" for
   * an old credential.
   */
  readonly retired: ReadonlyMap<string, number>;
}

export function emptyStoreDoc(): StoreDoc {
  return { servers: new Map(), retired: new Map() };
}

function corrupt(file: string, why: string) {
  return configErrors.error('COL_CRED_STORE_CORRUPT', `${file}: ${why}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function storedCredentialOf(v: unknown): StoredCredential | null {
  if (!isRecord(v)) return null;
  const { version, username, keyId, iv, ciphertext, tag } = v;
  if (
    typeof version !== 'number' ||
    !Number.isInteger(version) ||
    version < 1 ||
    typeof username !== 'string' ||
    typeof keyId !== 'string' ||
    typeof iv !== 'string' ||
    typeof ciphertext !== 'string' ||
    typeof tag !== 'string'
  ) {
    return null;
  }
  return { version, username, keyId, iv, ciphertext, tag };
}

/** Parses the file's text; `file` only names it in errors. */
export function parseStoreDoc(text: string, file: string): StoreDoc {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw corrupt(file, 'not JSON');
  }
  if (!isRecord(raw) || raw.format !== STORE_FORMAT) {
    throw corrupt(file, `not an ${STORE_FORMAT} file`);
  }
  if (raw.formatVersion !== STORE_FORMAT_VERSION) {
    throw corrupt(file, `unsupported format version ${String(raw.formatVersion)}`);
  }
  if (raw.algorithm !== ALGORITHM) throw corrupt(file, `unsupported algorithm`);
  const servers = new Map<string, StoredCredential>();
  const retired = new Map<string, number>();
  if (!isRecord(raw.servers)) throw corrupt(file, '"servers" is not an object');
  for (const [id, rec] of Object.entries(raw.servers)) {
    const c = storedCredentialOf(rec);
    if (!c) throw corrupt(file, `record of server ${id} is malformed`);
    servers.set(id, c);
  }
  if (raw.retired !== undefined) {
    if (!isRecord(raw.retired)) throw corrupt(file, '"retired" is not an object');
    for (const [id, v] of Object.entries(raw.retired)) {
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        throw corrupt(file, `retired version of ${id} is malformed`);
      }
      retired.set(id, v);
    }
  }
  return { servers, retired };
}

/** Stable text: sorted keys, so a diff of two versions of the file shows what changed. */
export function serializeStoreDoc(doc: StoreDoc): string {
  const sorted = <T>(m: ReadonlyMap<string, T>) =>
    Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return `${JSON.stringify(
    {
      format: STORE_FORMAT,
      formatVersion: STORE_FORMAT_VERSION,
      algorithm: ALGORITHM,
      servers: sorted(doc.servers),
      retired: sorted(doc.retired),
    },
    null,
    2,
  )}\n`;
}

export interface PutDecision {
  readonly doc: StoreDoc;
  readonly version: number;
  /** False when the same credentials were already stored (nothing to write). */
  readonly changed: boolean;
}

/**
 * Stores a credential. Storing what is already there keeps the version, so re-running a
 * bulk import does not bump every server's credentialVersion and make every collector fetch
 * again. A record that no longer decrypts is simply replaced: putting it again is the repair.
 */
export function putCredential(
  doc: StoreDoc,
  keys: readonly SecretKey[],
  serverId: string,
  input: CredentialInput,
  iv: Uint8Array,
): PutDecision {
  const current = keys[0];
  if (!current) throw new Error('no current key');
  const existing = doc.servers.get(serverId);
  let version = Math.max(existing?.version ?? 0, doc.retired.get(serverId) ?? 0) + 1;
  if (existing) {
    let same = false;
    try {
      const old = decryptCredential(keys, serverId, existing);
      same = old.username === input.username && old.password.equals(Secret.of(input.password));
    } catch {
      // Undecryptable: overwritten below with a new version.
    }
    if (same && existing.keyId === current.id) {
      return { doc, version: existing.version, changed: false };
    }
    // Same credentials under a previous key: re-encrypt, but the version stays.
    if (same) version = existing.version;
  }
  const servers = new Map(doc.servers);
  servers.set(serverId, encryptCredential(current, serverId, version, input, iv));
  const retired = new Map(doc.retired);
  retired.delete(serverId);
  return { doc: { servers, retired }, version, changed: true };
}

export function removeCredential(
  doc: StoreDoc,
  serverId: string,
): { doc: StoreDoc; removed: boolean } {
  const existing = doc.servers.get(serverId);
  if (!existing) return { doc, removed: false };
  const servers = new Map(doc.servers);
  servers.delete(serverId);
  const retired = new Map(doc.retired);
  retired.set(serverId, existing.version);
  return { doc: { servers, retired }, removed: true };
}

/**
 * Re-encrypts every record under `newKey` with fresh IVs (one per record, from `ivFor`).
 * Versions stay: the credentials did not change, so collectors need not fetch them again.
 * All or nothing: one record that does not decrypt under `keys` fails the whole rotation,
 * because a half-rotated store would need both keys forever.
 */
export function rotateStoreDoc(
  doc: StoreDoc,
  keys: readonly SecretKey[],
  newKey: SecretKey,
  ivFor: () => Uint8Array,
): StoreDoc {
  const servers = new Map<string, StoredCredential>();
  for (const [id, rec] of doc.servers) {
    const c = decryptCredential(keys, id, rec);
    servers.set(id, encryptCredential(newKey, id, rec.version, c, ivFor()));
  }
  return { servers, retired: doc.retired };
}
