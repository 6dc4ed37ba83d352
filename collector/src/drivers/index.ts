/**
 * IPMI drivers: run FreeIPMI or ipmitool against a BMC and return the raw output with the
 * metadata the collector needs. Parsing is @ipmi-monitor/ipmi's job (`parse(format, text)`).
 */
import { createFreeIpmiDriver } from './freeipmi.js';
import { createIpmitoolDriver } from './ipmitool.js';
import type { Driver, DriverKind, DriverOptions } from './types.js';

export type {
  BmcInfoOptions,
  BmcTarget,
  Driver,
  DriverCommand,
  DriverKind,
  DriverOptions,
  DriverResult,
  IpmiFormat,
  Privilege,
  SelOptions,
} from './types.js';
export { classify, isSdrCacheStale, type Classification, type ClassifyInput } from './classify.js';
export { cleanupStaleCredentialDirs, defaultCredentialBaseDir } from './credentials.js';
export { CREDENTIALS_PLACEHOLDER } from './exec.js';
export {
  fanoutRun,
  fanoutSel,
  fanoutSelInfo,
  fanoutSensors,
  splitFanoutOutput,
  type FanoutItem,
  type FanoutOptions,
} from './fanout.js';
export { createFreeIpmiDriver } from './freeipmi.js';
export { createIpmitoolDriver } from './ipmitool.js';
export { runProcess, type RunResult, type RunSpec, type Termination } from './process.js';
export { formatProbe, probe, type ProbeResult, type ProbeStep } from './probe.js';
export { rmcpPing, type RmcpPingOutcome } from './rmcp-ping.js';

/** The driver for a server's configured kind (FreeIPMI unless it says ipmitool). */
export function createDriver(kind: DriverKind = 'freeipmi', options: DriverOptions = {}): Driver {
  return kind === 'ipmitool' ? createIpmitoolDriver(options) : createFreeIpmiDriver(options);
}
