/**
 * Error codes of the collector's configuration side: the bulk server import, the encrypted
 * credential store and the poll scheduler. Kept apart from the driver catalog
 * (`collector/src/errors.ts`) so the two can be written in parallel; the lead merges them
 * into one `COL_` catalog for docs/errors.md.
 *
 * Messages built with these codes never contain a BMC password, a key or ciphertext: they
 * name the server, the file or the variable instead.
 */
import { defineErrorCatalog, type CodedError } from '@ipmi-monitor/runtime';

export const configErrors = defineErrorCatalog('COL_', {
  COL_CONFIG_IMPORT_INVALID: {
    retriable: false,
    status: 400,
    doc: 'A server import file could not be read as a whole (not YAML or CSV, no header, unsupported YAML feature); the message gives the line.',
  },
  COL_CRED_KEY_INVALID: {
    retriable: false,
    doc: 'IPMI_SECRET_KEY or the file named by IPMI_SECRET_KEY_FILE is not 32 bytes of base64; create one with `openssl rand -base64 32`.',
  },
  COL_CRED_KEY_UNREADABLE: {
    retriable: false,
    doc: 'The secret key file could not be read or created; check the path and its permissions.',
  },
  COL_CRED_WRONG_KEY: {
    retriable: false,
    doc: 'A stored BMC credential was encrypted with a key the collector was not given; start it with the key in use when the credential was stored (or the old key during a rotation).',
  },
  COL_CRED_TAMPERED: {
    retriable: false,
    doc: 'A stored BMC credential failed authentication (AES-GCM tag): the credentials file was corrupted or edited. Store the credential again.',
  },
  COL_CRED_NOT_FOUND: {
    retriable: false,
    status: 404,
    doc: 'No BMC credentials are stored for the server; import or set them before it can be polled.',
  },
  COL_CRED_STALE: {
    retriable: true,
    doc: 'The credential store holds an older credential version than the server configuration references; the collector retries until the new one is stored.',
  },
  COL_CRED_STORE_CORRUPT: {
    retriable: false,
    doc: 'The credentials file is not a valid credential store (bad JSON or format); restore it from a backup.',
  },
  COL_CRED_STORE_IO: {
    retriable: true,
    doc: 'The credentials file could not be read or written (permissions, disk full); the operation can be retried once fixed.',
  },
  COL_SCHED_INVALID_CONFIG: {
    retriable: false,
    doc: 'The poll scheduler configuration is out of range (concurrency below 1, a negative interval or backoff).',
  },
});

export type ConfigErrorCode = keyof typeof configErrors.catalog;
export type ConfigError = CodedError<ConfigErrorCode>;
