/**
 * The BMC credential store: one JSON file (0600) mapping server id → encrypted record,
 * rewritten atomically on every change. The decisions (versions, idempotent puts, rotation)
 * are the pure functions of crypto.ts; this class adds the file, a write queue and change
 * detection.
 *
 * Why a file and not the database: the collector must be able to poll with the API and the
 * database down, and a single small file is trivial to back up together with its key.
 * Writers in one process are serialised here; several processes writing at once (an import
 * CLI while the API edits a server) need a lock around read-modify-write that this module
 * does not take. Readers pick up another process's writes: every operation re-reads the
 * file when its size, mtime or inode changed.
 */
import { randomBytes } from 'node:crypto';
import { chmod, readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { configErrors } from '../errors-config.js';
import {
  IV_BYTES,
  decryptCredential,
  emptyStoreDoc,
  parseStoreDoc,
  putCredential,
  removeCredential,
  rotateStoreDoc,
  serializeStoreDoc,
  type Credential,
  type CredentialInput,
  type SecretKey,
  type StoreDoc,
} from './crypto.js';
import { writeFileAtomic } from './fs-util.js';
import type { KeyLogger } from './key.js';

export interface CredentialStoreOptions {
  readonly file: string;
  /** Encrypts everything written from now on. */
  readonly key: SecretKey;
  /** Old keys still accepted for reading (during a rotation). */
  readonly previousKeys?: readonly SecretKey[] | undefined;
  readonly logger?: KeyLogger | undefined;
  /** IV source; only tests replace it. */
  readonly randomIv?: (() => Uint8Array) | undefined;
}

/** What may be shown about a stored credential without decrypting it. */
export interface CredentialInfo {
  readonly serverId: string;
  readonly username: string;
  readonly version: number;
  readonly keyId: string;
}

type Fingerprint = string;

function fingerprint(st: Stats): Fingerprint {
  return `${st.ino}:${st.size}:${st.mtimeMs}`;
}

export class CredentialStore {
  readonly file: string;
  #keys: readonly SecretKey[];
  #doc: StoreDoc = emptyStoreDoc();
  #seen: Fingerprint | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #logger: KeyLogger | undefined;
  readonly #randomIv: () => Uint8Array;

  private constructor(o: CredentialStoreOptions) {
    this.file = o.file;
    this.#keys = [o.key, ...(o.previousKeys ?? []).filter((k) => k.id !== o.key.id)];
    this.#logger = o.logger;
    this.#randomIv = o.randomIv ?? (() => randomBytes(IV_BYTES));
  }

  /** Opens (does not create) the store; a missing file is an empty store. */
  static async open(o: CredentialStoreOptions): Promise<CredentialStore> {
    const store = new CredentialStore(o);
    await store.#refresh();
    return store;
  }

  /** Id of the key new records are encrypted with. */
  get keyId(): string {
    return this.#currentKey().id;
  }

  /**
   * Stores credentials and returns their version (the ServerConfigured.credentialVersion to
   * publish). Storing the same user and password again returns the same version.
   */
  put(serverId: string, input: CredentialInput): Promise<number> {
    return this.#exclusive(async () => {
      await this.#refresh();
      const d = putCredential(this.#doc, this.#keys, serverId, input, this.#randomIv());
      if (d.changed) await this.#write(d.doc);
      return d.version;
    });
  }

  /**
   * The credentials of a server. COL_CRED_NOT_FOUND when there are none; COL_CRED_STALE
   * (retriable) when the stored version is older than `minVersion`, i.e. the configuration
   * announcing a new password arrived before the password itself.
   */
  async get(serverId: string, options: { minVersion?: number } = {}): Promise<Credential> {
    await this.#queue;
    await this.#refresh();
    const rec = this.#doc.servers.get(serverId);
    if (!rec) {
      throw configErrors.error(
        'COL_CRED_NOT_FOUND',
        `no credentials stored for server ${serverId}`,
      );
    }
    if (options.minVersion !== undefined && rec.version < options.minVersion) {
      throw configErrors.error(
        'COL_CRED_STALE',
        `credentials of server ${serverId} are version ${rec.version}, configuration expects ${options.minVersion}`,
      );
    }
    return decryptCredential(this.#keys, serverId, rec);
  }

  async has(serverId: string): Promise<boolean> {
    await this.#queue;
    await this.#refresh();
    return this.#doc.servers.has(serverId);
  }

  /** User names, versions and key ids; never passwords. */
  async list(): Promise<CredentialInfo[]> {
    await this.#queue;
    await this.#refresh();
    return [...this.#doc.servers].map(([serverId, r]) => ({
      serverId,
      username: r.username,
      version: r.version,
      keyId: r.keyId,
    }));
  }

  /** Deletes a server's credentials; false when there were none. */
  remove(serverId: string): Promise<boolean> {
    return this.#exclusive(async () => {
      await this.#refresh();
      const d = removeCredential(this.#doc, serverId);
      if (d.removed) await this.#write(d.doc);
      return d.removed;
    });
  }

  /**
   * Re-encrypts every credential under `newKey` in one atomic write and makes it the current
   * key; the old keys stay readable by this instance. Returns the number re-encrypted.
   * Persist the new key (writeKeyFile, then point IPMI_SECRET_KEY_FILE at it) before calling
   * this: a crash in between otherwise leaves a store that only the lost key opens. With
   * IPMI_SECRET_KEY_PREVIOUS_FILE set, `rotate(store's current key)` finishes a rotation.
   */
  rotate(newKey: SecretKey): Promise<number> {
    return this.#exclusive(async () => {
      await this.#refresh();
      const doc = rotateStoreDoc(this.#doc, this.#keys, newKey, this.#randomIv);
      await this.#write(doc);
      this.#keys = [newKey, ...this.#keys.filter((k) => k.id !== newKey.id)];
      this.#logger?.info(
        { file: this.file, keyId: newKey.id, credentials: doc.servers.size },
        'credential store re-encrypted under a new key',
      );
      return doc.servers.size;
    });
  }

  #currentKey(): SecretKey {
    const k = this.#keys[0];
    // Unreachable: the constructor always puts the current key first.
    if (!k) throw new Error('credential store without a key');
    return k;
  }

  /** Runs writes one after another, so two puts never read the same old document. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #refresh(): Promise<void> {
    let st: Stats;
    try {
      st = await stat(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.#doc = emptyStoreDoc();
        this.#seen = null;
        return;
      }
      throw this.#ioError('read', err);
    }
    const fp = fingerprint(st);
    if (fp === this.#seen) return;
    if ((st.mode & 0o077) !== 0) {
      // We own this file: tighten it rather than keep encrypted secrets world-readable.
      this.#logger?.warn(
        { file: this.file, mode: (st.mode & 0o777).toString(8) },
        'credentials file was readable by other users; setting mode 0600',
      );
      await chmod(this.file, 0o600).catch((err: unknown) => {
        throw this.#ioError('chmod', err);
      });
    }
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      throw this.#ioError('read', err);
    }
    this.#doc = parseStoreDoc(text, this.file);
    this.#seen = fp;
  }

  async #write(doc: StoreDoc): Promise<void> {
    try {
      await writeFileAtomic(this.file, serializeStoreDoc(doc));
      this.#seen = fingerprint(await stat(this.file));
    } catch (err) {
      throw this.#ioError('write', err);
    }
    this.#doc = doc;
  }

  #ioError(what: string, err: unknown) {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    return configErrors.error(
      'COL_CRED_STORE_IO',
      `cannot ${what} credentials file ${this.file}${code ? ` (${code})` : ''}`,
      err,
    );
  }

  toJSON(): object {
    return { file: this.file, keyId: this.keyId };
  }
}
