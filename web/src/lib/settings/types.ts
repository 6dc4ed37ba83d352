/** Shapes of the admin routes the settings pages read (api/src/routes/auth.ts, servers.ts). */
import type { Licence } from '../types';
import type { ConfiguredServer } from './server-form';

/** A configured server as `GET /servers` lists it (the settings pages' columns). */
export interface SettingsServer extends ConfiguredServer {
  revision: number;
  configuredAt: string;
  health: string;
  lastPollAt: string | null;
  /** The BMC user: only `GET /servers/:id` has it (undefined in the list, or if unreadable). */
  username?: string;
}

export interface UserInfo {
  username: string;
  role: 'admin' | 'read-only';
  createdAt: string;
  createdBy: string;
}

export interface TokenInfo {
  tokenId: string;
  kind: string;
  name: string;
  role: string;
  username: string | null;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface AuditEntry {
  id: number;
  time: string;
  actor: string;
  role: string | null;
  action: string;
  target: string | null;
  outcome: string;
  status: number;
  remote: string | null;
  detail: unknown;
}

export interface ProbeStep {
  name: string;
  ok: boolean;
  skipped?: boolean;
  durationMs?: number;
  detail?: string;
  errorCode?: string;
}

export interface ProbeResult {
  ok: boolean;
  host: string;
  port: number;
  driver: string;
  steps: ProbeStep[];
}

export interface ImportResponse {
  configured: string[];
  unchanged: string[];
  licence: Licence;
}

/** Audit entries per page on the access page. */
export const AUDIT_PAGE = 25;
