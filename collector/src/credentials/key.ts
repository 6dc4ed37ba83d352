/**
 * Finds the credential encryption key: IPMI_SECRET_KEY_FILE, else IPMI_SECRET_KEY, else a
 * key generated on first start into `<IPMI_STATE_DIR>/secret.key` (0600). Generating one
 * keeps the first run free of set-up steps, but the key is then as easy to lose as the
 * state directory, so the collector says loudly where it is and that it needs a backup:
 * without it the stored BMC passwords are unrecoverable.
 */
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { configErrors } from '../errors-config.js';
import type { CredentialsConfig } from './config.js';
import { GENERATED_KEY_FILE } from './config.js';
import { KEY_BYTES, SecretKey } from './crypto.js';
import { createFileExclusive } from './fs-util.js';

/** The slice of a pino logger this module uses. */
export interface KeyLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface LoadedKeys {
  /** Encrypts everything new. */
  readonly key: SecretKey;
  /** Still accepted for reading (rotation in progress). */
  readonly previous: readonly SecretKey[];
  readonly source: 'IPMI_SECRET_KEY_FILE' | 'IPMI_SECRET_KEY' | 'generated';
  /** The key file, when the key came from one. */
  readonly path: string | null;
}

export function generateKey(): SecretKey {
  return SecretKey.fromBytes(randomBytes(KEY_BYTES), 'generated key');
}

/** Reads a base64 key file; `what` names the variable that pointed at it. */
export async function readKeyFile(
  path: string,
  what: string,
  logger: KeyLogger,
): Promise<SecretKey> {
  let text: string;
  try {
    const st = await stat(path);
    // Like ssh with private keys, but only a warning: secret mounts are often 0440/0644.
    if ((st.mode & 0o077) !== 0) {
      logger.warn(
        { path, mode: (st.mode & 0o777).toString(8) },
        `${what}: the key file is readable by other users; restrict it to mode 0600`,
      );
    }
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw configErrors.error(
      'COL_CRED_KEY_UNREADABLE',
      `${what}: cannot read key file ${path}${code ? ` (${code})` : ''}`,
      err,
    );
  }
  return SecretKey.fromBase64(text, `${what} (${path})`);
}

/** Writes a new key file (0600) and fails when the file exists: keys are never overwritten. */
export async function writeKeyFile(path: string, key: SecretKey): Promise<void> {
  if (!(await createFileExclusive(path, `${key.exportBase64()}\n`))) {
    throw configErrors.error('COL_CRED_KEY_UNREADABLE', `refusing to overwrite key file ${path}`);
  }
}

export async function loadSecretKeys(
  c: Pick<CredentialsConfig, 'stateDir' | 'secretKeyFile' | 'secretKey' | 'previousKeyFile'>,
  logger: KeyLogger,
): Promise<LoadedKeys> {
  const previous =
    c.previousKeyFile === null
      ? []
      : [await readKeyFile(c.previousKeyFile, 'IPMI_SECRET_KEY_PREVIOUS_FILE', logger)];
  if (c.secretKeyFile !== null && c.secretKey !== null) {
    // Two sources would leave it unclear which key encrypted what.
    throw configErrors.error(
      'COL_CRED_KEY_INVALID',
      'IPMI_SECRET_KEY_FILE and IPMI_SECRET_KEY are both set; set only one',
    );
  }
  if (c.secretKeyFile !== null) {
    const key = await readKeyFile(c.secretKeyFile, 'IPMI_SECRET_KEY_FILE', logger);
    return { key, previous, source: 'IPMI_SECRET_KEY_FILE', path: c.secretKeyFile };
  }
  if (c.secretKey !== null) {
    return {
      key: SecretKey.fromBase64(c.secretKey, 'IPMI_SECRET_KEY'),
      previous,
      source: 'IPMI_SECRET_KEY',
      path: null,
    };
  }
  const path = join(c.stateDir, GENERATED_KEY_FILE);
  let created = false;
  try {
    created = await createFileExclusive(path, `${generateKey().exportBase64()}\n`);
  } catch (err) {
    throw configErrors.error(
      'COL_CRED_KEY_UNREADABLE',
      `cannot create key file ${path} (set IPMI_SECRET_KEY_FILE to use another)`,
      err,
    );
  }
  // Read back even after creating: if another process won the race, its key is the one.
  const key = await readKeyFile(path, 'generated key', logger);
  if (created) {
    logger.warn(
      { path, keyId: key.id },
      'no IPMI_SECRET_KEY_FILE or IPMI_SECRET_KEY set: generated a new credential key. Back it ' +
        'up with the state directory; without it the stored BMC passwords cannot be read',
    );
  } else {
    logger.info({ path, keyId: key.id }, 'using the generated credential key');
  }
  return { key, previous, source: 'generated', path };
}
