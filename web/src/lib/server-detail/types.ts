/** Shapes of the server-detail page, as the API returns them (api/src/routes/*.ts). */

export type ThresholdKey = 'lnr' | 'lcr' | 'lnc' | 'unc' | 'ucr' | 'unr';
export type Thresholds = Partial<Record<ThresholdKey, number | null>>;

/** GET /api/v1/servers/:id/sensors → items[] */
export interface Sensor {
  sensorId: string;
  name: string;
  number: number | null;
  entity: string | null;
  type: string;
  readingKind: string;
  unit: string | null;
  value: number | null;
  state: string;
  /** LNR, LCR, LNC, UNC, UCR, UNR (upper case) or null. */
  crossedThreshold: string | null;
  thresholds: Thresholds;
  discreteStates: unknown[];
  time: string;
}

export interface SeriesPoint {
  t: string;
  min: number | null;
  avg: number | null;
  max: number | null;
  last: number | null;
  state: string | null;
}

/** GET /api/v1/servers/:id/readings */
export interface ReadingsResponse {
  serverId: string;
  from: string;
  to: string;
  stepSeconds: number;
  source: string;
  series: { sensorId: string; points: SeriesPoint[] }[];
}

/** POST /api/v1/servers/:id/test */
export interface ProbeResult {
  ok: boolean;
  host: string;
  port: number;
  driver: string;
  steps: {
    name: string;
    ok: boolean;
    skipped?: boolean;
    durationMs?: number;
    detail?: string;
    errorCode?: string;
  }[];
}

/** A part of the page that loaded, or what went wrong loading it. */
export type Loaded<T> = { ok: true; value: T } | { ok: false; message: string; code: string };

export type RangeKey = '1h' | '24h' | '7d';

/** `GET /api/v1/servers/:id/inventory`: the last collected inventory (null before the first). */
export interface InventoryInfo {
  collectedAt: string;
  bmcFirmwareVersion: string | null;
  ipmiVersion: string | null;
  bmcManufacturerId: number | null;
  bmcProductId: number | null;
  bmcMacAddress: string | null;
  manufacturer: string | null;
  productName: string | null;
  productPartNumber: string | null;
  productSerial: string | null;
  boardSerial: string | null;
  chassisSerial: string | null;
  systemGuid: string | null;
  fru: Record<string, unknown>[];
}

/** The same API shapes as the Events, Alerts and Insights pages read. */
export type { Alert, Insight, SelEvent } from '../lists/types';
