/** Small number helpers shared by the benches. */

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Nearest-rank percentile (p in [0, 1]) of unsorted values; NaN for none. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.min(s.length, Math.max(1, Math.ceil(p * s.length)));
  return s[rank - 1] as number;
}

/** Integer with thousands separators. */
export const fmt = (n: number) =>
  Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-';

/** Fixed decimals, '-' for NaN / Infinity. */
export const fix = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
