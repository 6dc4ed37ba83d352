/**
 * The UI server's configuration: where the API is (API_URL, documented with the `web`
 * service's variables in docs/configuration.md; service/config.ts validates it at start).
 * Read on the server only ($lib/server is never bundled for the browser), so the API's address
 * and the session tokens never reach a page.
 */
import { env } from '$env/dynamic/private';

export interface WebConfig {
  apiUrl: string;
}

let cached: WebConfig | null = null;

export function webConfig(): WebConfig {
  if (cached) return cached;
  const raw = env.API_URL ?? 'http://127.0.0.1:8470';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`API_URL: "${raw}" is not a URL (e.g. http://127.0.0.1:8470)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`API_URL: "${raw}" must be http:// or https://`);
  }
  cached = { apiUrl: url.origin + url.pathname.replace(/\/$/, '') };
  return cached;
}
