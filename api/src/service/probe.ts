/** The collector's connection check, as the API calls it (`POST /servers/:id/test`). */
import { createDriver, probe, type ProbeResult } from '@ipmi-monitor/collector';
import type { ProbeTarget } from '../deps.js';

export function collectorProbe(
  sdrCacheDir: string,
  timeoutMs = 10_000,
): (t: ProbeTarget) => Promise<ProbeResult> {
  return (t) =>
    probe(
      {
        host: t.host,
        port: t.port,
        username: t.username,
        password: t.password,
        cipherSuite: t.cipherSuite ?? undefined,
        privilege: t.privilege === 'ADMINISTRATOR' ? 'ADMIN' : t.privilege,
        workaroundFlags: t.workaroundFlags,
        timeoutMs,
        sdrCacheDir,
      },
      createDriver(t.driver === 'IPMITOOL' ? 'ipmitool' : 'freeipmi'),
    );
}
