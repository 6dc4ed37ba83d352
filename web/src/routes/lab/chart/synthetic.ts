/**
 * A deterministic synthetic sensor: a daily cycle, slow drift and noise from a fixed-seed
 * generator, so every run of the chart check draws the same series.
 */
export function synthetic(
  points: number,
  startSeconds: number,
  stepSeconds: number,
): { timestamps: number[]; values: number[] } {
  const timestamps = new Array<number>(points);
  const values = new Array<number>(points);
  let seed = 0x2f6b1d;
  for (let i = 0; i < points; i++) {
    seed = (seed * 1_103_515_245 + 12_345) >>> 0;
    const noise = (seed / 0xffffffff - 0.5) * 1.5;
    const t = startSeconds + i * stepSeconds;
    timestamps[i] = t;
    values[i] = 52 + 8 * Math.sin((2 * Math.PI * t) / 86_400) + (i / points) * 6 + noise;
  }
  return { timestamps, values };
}
