/**
 * What the API's routes are given. Built once by the service (service/main.ts) or by a test
 * (testing/app.ts), so every route runs against real parts: the database, the Kafka seam,
 * the encrypted credential store.
 */
import type { Database } from '@ipmi-monitor/db';
import type { CredentialStore, ProbeResult } from '@ipmi-monitor/collector';
import type { Logger, Seam } from '@ipmi-monitor/runtime';
import type { Registry } from 'prom-client';
import type { AuthStore } from './auth/store.js';
import type { LiveFeed } from './live.js';

/** The part of a server's configuration a connection check needs. */
export interface ProbeTarget {
  host: string;
  port: number;
  driver: 'FREEIPMI' | 'IPMITOOL';
  username: string;
  password: string;
  cipherSuite: number | null;
  privilege: 'USER' | 'OPERATOR' | 'ADMINISTRATOR';
  workaroundFlags: readonly string[];
}

export interface ApiSettings {
  metricsAuth: boolean;
  /** Trust X-Forwarded-For (the API is behind a reverse proxy). */
  trustProxy: boolean;
  /** A bearer value accepted for /metrics only (IPMI_API_METRICS_TOKEN_FILE); null: none. */
  metricsToken: string | null;
  rateLimit: number;
  loginRateLimit: number;
  sessionHours: number;
  serversLimit: number;
  staleSensorMinutes: number;
  /** Projection lag (events) above which /pipeline reports PIPE_PROJECTION_LAG. */
  pipelineLagWarn: number;
}

export const DEFAULT_SETTINGS: ApiSettings = {
  metricsAuth: true,
  metricsToken: null,
  trustProxy: false,
  rateLimit: 1200,
  loginRateLimit: 10,
  sessionHours: 12,
  serversLimit: 50,
  staleSensorMinutes: 15,
  pipelineLagWarn: 5000,
};

export interface ApiDeps {
  db: Database;
  seam: Seam;
  credentials: CredentialStore;
  auth: AuthStore;
  live: LiveFeed;
  logger: Logger;
  /** The process's registry: pipeline metrics already in it; the fleet gauges join it. */
  metrics: Registry;
  settings: ApiSettings;
  /** The collector's step-by-step connection check. */
  probe: (target: ProbeTarget) => Promise<ProbeResult>;
  /** `api@<host>`: the `source` of the events the API produces. */
  source: string;
  clock?: () => number;
}
