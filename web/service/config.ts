/**
 * The UI process's variables. The SvelteKit code reads API_URL itself ($lib/server/config.ts);
 * this spec validates it at start so a typo fails loudly, and documents it
 * (docs/configuration.md is generated from it).
 */
import { defineConfig } from '@ipmi-monitor/runtime';

export const webConfig = defineConfig({
  port: {
    env: 'HTTP_PORT',
    type: 'int',
    default: 8480,
    min: 0,
    doc: 'Port of the UI.',
  },
  host: {
    env: 'HTTP_HOST',
    type: 'string',
    default: '127.0.0.1',
    doc: 'Address the UI binds to. `0.0.0.0` to reach it from other machines (put TLS in front, and set ORIGIN).',
  },
  apiUrl: {
    env: 'API_URL',
    type: 'url',
    default: 'http://127.0.0.1:8470',
    doc: "The API's base URL as the UI server reaches it (never sent to browsers: they talk to the UI, which forwards /api/v1 with the session's token).",
  },
  compression: {
    env: 'IPMI_WEB_COMPRESSION',
    type: 'bool',
    default: true,
    doc: 'gzip server-rendered pages and their data: the 500-server dashboard is 739 KiB of HTML, a few KiB gzipped. `false` when a reverse proxy compresses already. (Over loopback `npm run bench:web` saw no consistent difference in load time either way.)',
  },
  origin: {
    env: 'ORIGIN',
    type: 'string',
    default: null,
    doc: 'The public URL users open (e.g. https://ipmi.example.com) when the UI is behind a TLS proxy: SvelteKit checks form posts against it. Unset: taken from the request.',
  },
});
