/**
 * The driver contract: one interface over FreeIPMI and ipmitool, selectable per server.
 * Drivers run the tools and hand back their raw output with enough metadata for the
 * collector to pick a parser (`format`), record a poll outcome (`durationMs`, `error`) and
 * log what ran (`args`, redacted). They never parse the output.
 */
import type { CodedError } from '@ipmi-monitor/runtime';
import type { CollectorErrorCode } from '../errors.js';

export type DriverKind = 'freeipmi' | 'ipmitool';
export type Privilege = 'USER' | 'OPERATOR' | 'ADMIN';

/** One BMC as a driver needs it. Credentials are resolved by the caller, never logged. */
export interface BmcTarget {
  readonly host: string;
  /** UDP port of the BMC's RMCP/RMCP+ service (623 on real BMCs). */
  readonly port: number;
  readonly username: string;
  /** Goes to the tool through a 0600 file, never through argv or the environment. */
  readonly password: string;
  /** Session privilege; the tool's own default when absent. */
  readonly privilege?: Privilege | undefined;
  /** IPMI 2.0 cipher suite id (ipmitool `-C`, FreeIPMI `-I`); the tool's default when absent. */
  readonly cipherSuite?: number | undefined;
  /** FreeIPMI `-W` flags, e.g. `['opensesspriv']` for ipmi_sim. Ignored by ipmitool. */
  readonly workaroundFlags?: readonly string[] | undefined;
  /** Hard deadline for one tool invocation; the whole process tree is killed when it passes. */
  readonly timeoutMs: number;
  /**
   * FreeIPMI SDR cache directory (created 0700 if missing). May be shared by many BMCs:
   * FreeIPMI names each cache file after the host and port it belongs to.
   */
  readonly sdrCacheDir: string;
}

/** Parser format names (`parse(format, text)` in @ipmi-monitor/ipmi). */
export type IpmiFormat =
  | 'freeipmi-sensors'
  | 'freeipmi-sel'
  | 'freeipmi-sel-info'
  | 'freeipmi-sel-time'
  | 'freeipmi-dcmi'
  | 'freeipmi-chassis-status'
  | 'freeipmi-bmc-info'
  | 'freeipmi-fru'
  | 'ipmitool-sensor'
  | 'ipmitool-sel-elist'
  | 'ipmitool-sel-info'
  | 'ipmitool-sel-time'
  | 'ipmitool-dcmi'
  | 'ipmitool-chassis-status'
  | 'ipmitool-mc-info'
  | 'ipmitool-fru';

export type DriverCommand =
  'sensors' | 'sel' | 'selInfo' | 'selTime' | 'dcmiPower' | 'chassisStatus' | 'bmcInfo' | 'fru';

/** What one driver call produced. `ok` false ⇒ `error` set; stdout is kept either way. */
export interface DriverResult {
  readonly command: DriverCommand;
  /** Executable name, e.g. `ipmi-sensors`. */
  readonly tool: string;
  /** argv after the executable, with the credential file path replaced by `<credentials>`. */
  readonly args: readonly string[];
  readonly stdout: string;
  /** Tool stderr with any occurrence of the password replaced by `***`. */
  readonly stderr: string;
  /** null when the process was killed by a signal (deadline, output cap) or never started. */
  readonly exitCode: number | null;
  readonly durationMs: number;
  readonly format: IpmiFormat;
  readonly host: string;
  readonly port: number;
  readonly ok: boolean;
  readonly error: CodedError<CollectorErrorCode> | null;
  /** True when the hard deadline killed the process tree. */
  readonly timedOut: boolean;
  /** Tool runs behind this result: 2 when a stale SDR cache forced a re-run. */
  readonly attempts: number;
  /** `fanout` when the output came from a multi-host FreeIPMI process. */
  readonly via: 'single' | 'fanout';
}

export interface SelOptions {
  /**
   * First record id to read, inclusive (FreeIPMI `--display-range=N-65534`). Pass the last
   * id already seen: getting it back unchanged confirms the SEL was not cleared and
   * refilled in between. ipmitool has no range read and always returns the whole SEL.
   */
  readonly fromRecordId?: number | undefined;
}

export interface BmcInfoOptions {
  /**
   * Ask the tool to say why a session failed (ipmitool `-v`: "RAKP 2 HMAC is invalid"
   * instead of only "Unable to establish IPMI v2 / RMCP+ session"). Used by `probe`;
   * changes nothing for FreeIPMI, whose errors are already precise.
   */
  readonly diagnose?: boolean | undefined;
}

export interface Driver {
  readonly kind: DriverKind;
  sensors(target: BmcTarget): Promise<DriverResult>;
  sel(target: BmcTarget, options?: SelOptions): Promise<DriverResult>;
  selInfo(target: BmcTarget): Promise<DriverResult>;
  selTime(target: BmcTarget): Promise<DriverResult>;
  dcmiPower(target: BmcTarget): Promise<DriverResult>;
  chassisStatus(target: BmcTarget): Promise<DriverResult>;
  bmcInfo(target: BmcTarget, options?: BmcInfoOptions): Promise<DriverResult>;
  fru(target: BmcTarget): Promise<DriverResult>;
}

/** Knobs shared by both drivers; the defaults suit production. */
export interface DriverOptions {
  /** Directory holding the tools; PATH lookup (sbin included) when absent. */
  readonly binDir?: string | undefined;
  /** Where per-invocation credential directories go; /dev/shm when usable, else os.tmpdir(). */
  readonly credentialBaseDir?: string | undefined;
  /** SIGTERM → SIGKILL grace after the deadline. */
  readonly killGraceMs?: number | undefined;
  readonly maxStdoutBytes?: number | undefined;
  readonly maxStderrBytes?: number | undefined;
  /** Aborts every run in flight (shutdown): process trees are killed. */
  readonly signal?: AbortSignal | undefined;
}
