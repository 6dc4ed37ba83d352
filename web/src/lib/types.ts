/** Shapes the UI reads from the API (api/src/routes/*: the OpenAPI document at /api/v1/openapi.json). */
export type Role = 'admin' | 'read-only';
export interface SessionUser {
  actor: string;
  role: Role;
  kind: string;
}
export type Health = 'OK' | 'WARNING' | 'CRITICAL' | 'UNREACHABLE' | 'UNKNOWN';
export const HEALTHS: readonly Health[] = ['CRITICAL', 'UNREACHABLE', 'WARNING', 'OK', 'UNKNOWN'];
export interface Licence {
  tier: string;
  serversUsed: number;
  serversLimit: number;
  overLimit: boolean;
  upgradeHint: string | null;
}
export interface Server {
  serverId: string;
  name: string;
  host: string;
  port: number;
  driver: string;
  cipherSuite: number | null;
  privilegeLevel: string;
  workaroundFlags: string[];
  tags: string[];
  model: string | null;
  enabled: boolean;
  intervals: Record<string, number>;
  revision: number;
  configuredAt: string;
  username: string;
  health: Health;
  reachable: boolean | null;
  reachabilityReason: string | null;
  powerState: string | null;
  powerWatts: number | null;
  lastPollAt: string | null;
  manufacturer: string | null;
  productName: string | null;
  bmcFirmware: string | null;
  criticalAlerts: number;
  warningAlerts: number;
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
