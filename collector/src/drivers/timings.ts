/**
 * Rough driver timings against a fresh simulated fleet; prints, asserts nothing. Not the
 * benchmark (that is bench/), just a sanity check of the drivers' overhead.
 *
 *   npx tsx --conditions=ipmi-source collector/src/drivers/timings.ts [BMCS=20] [ROUNDS=5]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fleetTarget, startFleet } from '../fleet/index.js';
import { fanoutSel, fanoutSensors } from './fanout.js';
import { createFreeIpmiDriver } from './freeipmi.js';
import { createIpmitoolDriver } from './ipmitool.js';
import type { BmcTarget, Driver, DriverResult } from './types.js';

const count = Number(process.argv[2] ?? 20);
const rounds = Number(process.argv[3] ?? 5);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const value = await fn();
  return [performance.now() - t0, value];
}

function check(results: DriverResult[]): void {
  const bad = results.filter((r) => !r.ok);
  if (bad.length > 0) throw new Error(`${bad.length} failed: ${bad[0]?.error?.message}`);
}

/** Runs `items` through `fn` with at most `limit` at a time. */
async function pool<T, R>(
  items: readonly T[],
  limit: number,
  fn: (t: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

const work = await mkdtemp(join(tmpdir(), 'drivers-timings-'));
const basePort = 14000 + (process.pid % 20) * 100;
const fleet = await startFleet({
  count,
  home: join(work, 'fleet'),
  basePort,
  consoleBase: basePort + 5000,
  password: `t-${randomBytes(6).toString('hex')}`,
});
try {
  for (const b of fleet.bmcs) await fleet.addSel(b.index, 'temp', 5);
  const targets: BmcTarget[] = fleet.bmcs.map((b) =>
    fleetTarget(b, { timeoutMs: 10_000, sdrCacheDir: join(work, 'sdr') }),
  );
  const freeipmi = createFreeIpmiDriver();
  const ipmitool = createIpmitoolDriver();
  const poll = async (d: Driver, t: BmcTarget) => {
    const r = [await d.sensors(t), await d.sel(t)];
    check(r);
    return r;
  };
  // Warm the SDR caches.
  await pool(targets, 2, (t) => poll(freeipmi, t));

  const first = targets[0] as BmcTarget;
  const lines: string[] = [
    `fleet: ${count} ipmi_sim BMCs, 5+ SEL entries each, ${rounds} rounds, medians`,
  ];
  for (const d of [freeipmi, ipmitool]) {
    const ms: number[] = [];
    for (let i = 0; i < rounds * 4; i++) ms.push((await timed(() => poll(d, first)))[0]);
    lines.push(
      `single ${d.kind.padEnd(8)} poll (sensors + SEL), one BMC:        ${median(ms).toFixed(1)} ms`,
    );
  }
  for (const [label, d, par] of [
    ['FreeIPMI, one process per BMC, 2 at a time', freeipmi, 2],
    ['FreeIPMI, one process per BMC, 4 at a time', freeipmi, 4],
    ['ipmitool, one process per BMC, 2 at a time', ipmitool, 2],
  ] as const) {
    const ms: number[] = [];
    for (let i = 0; i < rounds; i++)
      ms.push((await timed(() => pool(targets, par, (t) => poll(d, t))))[0]);
    const m = median(ms);
    lines.push(
      `${count} BMCs, ${label}: ${m.toFixed(0)} ms = ${((count * 1000) / m).toFixed(0)} polls/s`,
    );
  }
  const ms: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const [t] = await timed(async () => {
      check(await fanoutSensors(targets));
      check(await fanoutSel(targets.map((target) => ({ target }))));
    });
    ms.push(t);
  }
  const m = median(ms);
  lines.push(
    `${count} BMCs, FreeIPMI fan-out (one ipmi-sensors + one ipmi-sel process): ${m.toFixed(0)} ms = ${((count * 1000) / m).toFixed(0)} polls/s`,
  );
  console.log(lines.join('\n'));
} finally {
  await fleet.stopAll();
  await rm(work, { recursive: true, force: true });
}
