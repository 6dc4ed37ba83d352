/**
 * A seeded pseudo-random source for the scheduler's jitter. The decider takes `random()` as
 * an argument so tests (and a replay of a production incident) see the same schedule for
 * the same seed; the handler seeds it once per process, e.g. from the clock. Mulberry32:
 * 32-bit state, good enough spread for jitter, not for anything secret.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
