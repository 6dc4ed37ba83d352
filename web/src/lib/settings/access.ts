/** Pure helpers of the users & tokens page: a token's status, an audit entry's detail. */
import type { TokenInfo } from './types';

export type TokenStatus = 'active' | 'expired' | 'revoked';

export function tokenStatus(
  t: Pick<TokenInfo, 'revokedAt' | 'expiresAt'>,
  nowMs: number,
): TokenStatus {
  if (t.revokedAt) return 'revoked';
  if (t.expiresAt && Date.parse(t.expiresAt) <= nowMs) return 'expired';
  return 'active';
}

function valueText(v: unknown): string {
  if (v === null || v === undefined) return '–';
  if (Array.isArray(v)) {
    const shown = v.slice(0, 5).map(valueText).join(', ');
    return v.length > 5 ? `${shown} … (${v.length})` : shown;
  }
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** `{ serverId: 'bmc1', changedFields: ['host'] }` → "serverId: bmc1 · changedFields: host". */
export function auditDetail(detail: unknown): string {
  if (detail === null || detail === undefined) return '';
  if (typeof detail !== 'object' || Array.isArray(detail)) return valueText(detail);
  return Object.entries(detail as Record<string, unknown>)
    .map(([k, v]) => `${k}: ${valueText(v)}`)
    .join(' · ');
}
