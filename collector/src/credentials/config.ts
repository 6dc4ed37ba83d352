/**
 * Where the credential store and its key live. Declarative, like every service's config:
 * the same spec generates docs/configuration.md. The key itself may come from a variable,
 * but a file (a Docker or Kubernetes secret mount) is preferred: environment variables
 * leak into `/proc/<pid>/environ`, crash reports and child processes.
 */
import { join } from 'node:path';
import { defineConfig, type ConfigOf } from '@ipmi-monitor/runtime';

export const credentialsConfig = defineConfig({
  stateDir: {
    env: 'IPMI_STATE_DIR',
    type: 'string',
    default: '.state',
    doc: 'Directory for local state: the credential store and, when no key is given, the generated secret key.',
  },
  credentialsFile: {
    env: 'IPMI_CREDENTIALS_FILE',
    type: 'string',
    default: null,
    doc: 'The encrypted BMC credential store (JSON, mode 0600). Unset: `<IPMI_STATE_DIR>/credentials.json`.',
  },
  secretKeyFile: {
    env: 'IPMI_SECRET_KEY_FILE',
    type: 'string',
    default: null,
    doc: 'File holding the 32-byte credential encryption key as base64 (`openssl rand -base64 32`). Preferred over IPMI_SECRET_KEY.',
  },
  secretKey: {
    env: 'IPMI_SECRET_KEY',
    type: 'string',
    default: null,
    secret: true,
    doc: 'The credential encryption key as base64, when no key file is used. Neither set: a key is generated at `<IPMI_STATE_DIR>/secret.key` on first start.',
  },
  previousKeyFile: {
    env: 'IPMI_SECRET_KEY_PREVIOUS_FILE',
    type: 'string',
    default: null,
    doc: 'During a key rotation: the old key file, still accepted for reading until every credential is re-encrypted.',
  },
});

export type CredentialsConfig = ConfigOf<typeof credentialsConfig>;

export const GENERATED_KEY_FILE = 'secret.key';
export const DEFAULT_CREDENTIALS_FILE = 'credentials.json';

export function credentialsFilePath(c: CredentialsConfig): string {
  return c.credentialsFile ?? join(c.stateDir, DEFAULT_CREDENTIALS_FILE);
}
