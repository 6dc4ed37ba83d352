/** The wait before re-opening a live feed the browser gave up on: 2 s, doubling, at most 30 s. */
export function retryDelay(attempt: number, first = 2000, max = 30_000): number {
  return Math.min(max, first * 2 ** Math.max(0, attempt));
}
