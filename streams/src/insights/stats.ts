/**
 * Numeric helpers of the insight detectors. Pure and total: empty input gives NaN or null,
 * never a throw, so a detector decides what "not enough data" means.
 */

/** Start of the fixed-size bucket holding `t`, aligned to the epoch (so replays align too). */
export function bucketStart(t: number, size: number): number {
  return Math.floor(t / size) * size;
}

/** Arithmetic mean; NaN for no values. */
export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Median (mean of the middle two for an even count); NaN for no values. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  // A typed array sorts numerically, and much faster than a comparator.
  const s = Float64Array.from(xs).sort();
  const mid = s.length >> 1;
  const hi = s[mid] ?? NaN;
  return s.length % 2 === 1 ? hi : ((s[mid - 1] ?? NaN) + hi) / 2;
}

/**
 * A least-squares line. It is kept as a point it passes through (the means) and a slope
 * rather than as an intercept at x = 0: with x in epoch milliseconds (~1.7e12) an intercept
 * would cancel most of a double's precision when evaluated near the data.
 */
export interface LinearFit {
  /** Change of y per unit of x. */
  readonly slope: number;
  /** Mean of x and of y: the line passes through (x0, y0). */
  readonly x0: number;
  readonly y0: number;
  /**
   * Coefficient of determination, in [0, 1]: the share of y's variance the line explains.
   * A constant y is explained perfectly by a flat line, so it gets 1 (with slope 0).
   */
  readonly r2: number;
  /** Number of points. */
  readonly n: number;
}

/** Ordinary least squares of y on x; null for fewer than two points or a single distinct x. */
export function linearFit(xs: readonly number[], ys: readonly number[]): LinearFit | null {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return null;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i] ?? 0;
    sy += ys[i] ?? 0;
  }
  const x0 = sx / n;
  const y0 = sy / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] ?? 0) - x0;
    const dy = (ys[i] ?? 0) - y0;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  let ssRes = 0;
  for (let i = 0; i < n; i++) {
    const e = (ys[i] ?? 0) - (y0 + slope * ((xs[i] ?? 0) - x0));
    ssRes += e * e;
  }
  const r2 = syy === 0 ? 1 : Math.min(1, Math.max(0, 1 - ssRes / syy));
  return { slope, x0, y0, r2, n };
}

/** The line's y at x. */
export function valueAt(fit: LinearFit, x: number): number {
  return fit.y0 + fit.slope * (x - fit.x0);
}

/** The x where the line reaches y; null for a flat line, which never does. */
export function crossingAt(fit: LinearFit, y: number): number | null {
  if (fit.slope === 0) return null;
  return fit.x0 + (y - fit.y0) / fit.slope;
}

/** Rounds to `digits` decimals (half away from zero), so emitted numbers stay readable. */
export function roundTo(x: number, digits: number): number {
  const f = 10 ** digits;
  const r = Math.round(Math.abs(x) * f) / f;
  // Never -0: it would not survive a JSON round trip of the state unchanged.
  return x < 0 && r !== 0 ? -r : r;
}

/**
 * At most `k` items, evenly spaced over `items`, first and last included, in their order:
 * evidence that spans a regression window instead of crowding its end.
 */
export function spread<T>(items: readonly T[], k: number): T[] {
  if (k <= 0) return [];
  if (items.length <= k) return [...items];
  if (k === 1) return items.slice(-1);
  const out: T[] = [];
  const step = (items.length - 1) / (k - 1);
  for (let i = 0; i < k; i++) {
    const item = items[Math.round(i * step)];
    if (item !== undefined) out.push(item);
  }
  return out;
}

/**
 * Index of the first item whose key is at least `key`, in items sorted by key (binary
 * search); items.length when there is none.
 */
export function lowerBound<T>(
  items: readonly T[],
  key: number,
  keyOf: (item: T) => number,
): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const item = items[mid];
    if (item !== undefined && keyOf(item) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
