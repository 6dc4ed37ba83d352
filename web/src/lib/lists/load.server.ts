/**
 * Server-side loads of the list pages. A list that fails is shown in the page (with the API's
 * message) rather than as an error page, so the filters that caused it stay at hand.
 */
import { ApiError, apiJson, type ApiCall } from '$lib/server/api';
import type { Page } from '$lib/types';
import type { LoadProblem, ServerRef } from './types';

export type Listed<T> = { page: Page<T>; problem: LoadProblem | null };

function problemOf(err: unknown): LoadProblem {
  if (err instanceof ApiError) return { message: err.message, code: err.code };
  return { message: 'the list could not be loaded', code: 'WEB_LOAD_FAILED' };
}

export async function listPage<T>(call: ApiCall, path: string): Promise<Listed<T>> {
  try {
    return { page: await apiJson<Page<T>>(call, path), problem: null };
  } catch (err) {
    return { page: { items: [], nextCursor: null }, problem: problemOf(err) };
  }
}

/** Every server's id and name (for links and the server filter); empty when unavailable. */
export async function serverRefs(call: ApiCall): Promise<ServerRef[]> {
  try {
    const p = await apiJson<Page<ServerRef>>(call, '/api/v1/servers?limit=1000');
    return p.items.map((s) => ({ serverId: s.serverId, name: s.name }));
  } catch {
    return [];
  }
}
