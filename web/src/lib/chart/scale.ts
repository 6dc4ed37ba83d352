/**
 * Pure helpers of the sensor chart: the y range (data and the warning/critical thresholds,
 * so an operator sees how close a reading is to its limits) and the text summary read by
 * screen readers. Unit-tested in scale.unit.test.ts.
 */

export type ThresholdKey = 'lnr' | 'lcr' | 'lnc' | 'unc' | 'ucr' | 'unr';
export type ChartThresholds = Partial<Record<ThresholdKey, number | null>>;

export interface ChartSummary {
  /** Points with a value. */
  count: number;
  min: number | null;
  avg: number | null;
  max: number | null;
  last: number | null;
}

/** min of `min` (or of the values), max of `max`, mean and last of the values. */
export function summarize(
  values: readonly (number | null)[],
  min?: readonly (number | null)[] | null,
  max?: readonly (number | null)[] | null,
): ChartSummary {
  let count = 0;
  let sum = 0;
  let lo = Infinity;
  let hi = -Infinity;
  let last: number | null = null;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const a = min?.[i] ?? v;
    const b = max?.[i] ?? v;
    if (typeof a === 'number' && Number.isFinite(a) && a < lo) lo = a;
    if (typeof b === 'number' && Number.isFinite(b) && b > hi) hi = b;
    if (typeof v === 'number' && Number.isFinite(v)) {
      count++;
      sum += v;
      last = v;
    }
  }
  return {
    count,
    min: lo === Infinity ? null : lo,
    avg: count === 0 ? null : sum / count,
    max: hi === -Infinity ? null : hi,
    last,
  };
}

/** The thresholds drawn and put in the scale: non-critical and critical, and NR when near. */
export function yRange(
  dataMin: number | null,
  dataMax: number | null,
  thresholds: ChartThresholds | null | undefined,
): [number, number] {
  let lo = dataMin ?? Infinity;
  let hi = dataMax ?? -Infinity;
  const t = thresholds ?? {};
  for (const k of ['lcr', 'lnc', 'unc', 'ucr'] as const) {
    const v = t[k];
    if (typeof v === 'number' && Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (lo === Infinity || hi === -Infinity) {
    // Only non-recoverable thresholds, or nothing at all.
    const nr = [t.lnr, t.unr].filter((v): v is number => typeof v === 'number');
    if (nr.length === 0) return [0, 1];
    lo = Math.min(...nr);
    hi = Math.max(...nr);
  }
  if (hi - lo < 1e-9) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.05 : 1;
    return [lo - pad, hi + pad];
  }
  const pad = (hi - lo) * 0.08;
  return [lo - pad, hi + pad];
}

/** A number for the summary: at most 2 decimals, grouping for big ones. */
export function fmt(v: number | null, unit: string): string {
  if (v === null || !Number.isFinite(v)) return 'n/a';
  const abs = Math.abs(v);
  const digits = abs >= 1000 ? 0 : abs >= 100 ? 1 : 2;
  const text = v.toLocaleString('en-US', { maximumFractionDigits: digits });
  return unit ? `${text} ${unit}` : text;
}
