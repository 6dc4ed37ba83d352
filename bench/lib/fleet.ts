/**
 * The benchmarks' simulated fleet: in its own home under the run's temp directory (the
 * default home is shared, and `stopAll` there would stop other fleets' BMCs), on ports no
 * test uses, with one random password for every BMC.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startFleet, type Fleet } from '@ipmi-monitor/collector/fleet';

export function startBenchFleet(count: number, workDir: string): Promise<Fleet> {
  return startFleet({
    count,
    home: join(workDir, 'fleet'),
    basePort: 36000,
    consoleBase: 37000,
    password: `b${randomBytes(6).toString('hex')}`,
  });
}
