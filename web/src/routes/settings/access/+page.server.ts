import type { PageServerLoad } from './$types';
import { loadJson } from '$lib/server/api';
import type { AuditEntry, TokenInfo, UserInfo } from '$lib/settings/types';
import type { Page } from '$lib/types';
import { AUDIT_PAGE } from '$lib/settings/types';

/** Users, API tokens and the audit log: admin-only in the API, so not asked for a read-only user. */
export const load: PageServerLoad = async ({ locals, fetch }) => {
  // A read-only user is not asked for them (403). With no user known (the API did not answer
  // the session check), the calls below fail and the error page says why.
  if (locals.user && locals.user.role !== 'admin') {
    return { admin: false as const, users: [], tokens: [], audit: { items: [], nextCursor: null } };
  }
  const call = { token: locals.token, fetch };
  const [users, tokens, audit] = await Promise.all([
    loadJson<{ items: UserInfo[] }>(call, '/api/v1/users'),
    loadJson<{ items: TokenInfo[] }>(call, '/api/v1/tokens'),
    loadJson<Page<AuditEntry>>(call, `/api/v1/audit?limit=${AUDIT_PAGE}`),
  ]);
  return { admin: true as const, users: users.items, tokens: tokens.items, audit };
};
