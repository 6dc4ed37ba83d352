/**
 * Maps how a tool run ended to one collector error code. Pure: the rules are tables of
 * the messages FreeIPMI 1.6 and ipmitool 1.8 really print (collected against ipmi_sim
 * stopped, hung with SIGSTOP, with wrong credentials, with the MC disabled and without the
 * DCMI plug-in; see classify.unit.test.ts), plus the libfreeipmi error strings.
 *
 * ipmitool prints the same "Unable to establish IPMI v2 / RMCP+ session" for a wrong
 * password, an unknown user and a silent BMC. Auth failures come back in tens of
 * milliseconds, silence only after ipmitool's own `-N` timeout, so the elapsed time
 * decides between AUTH and TIMEOUT when nothing else on stderr does.
 */
import type { CollectorErrorCode } from '../errors.js';
import type { Termination } from './process.js';

export interface ClassifyInput {
  readonly termination: Termination;
  readonly exitCode: number | null;
  /** Only stderr decides: stdout is data, and SEL text says "timeout" or "invalid" freely. */
  readonly stderr: string;
  readonly durationMs: number;
  /** The deadline the run had (for the message). */
  readonly deadlineMs?: number | undefined;
  /** The tool's own per-request timeout (ipmitool `-N` in ms); drives the AUTH/TIMEOUT split. */
  readonly toolTimeoutMs?: number | undefined;
  readonly spawnErrorCode?: string | null | undefined;
}

export interface Classification {
  /** null when the run succeeded. */
  readonly code: CollectorErrorCode | null;
  /** Short, password-free reason: the deciding stderr line or what happened. */
  readonly reason: string;
}

interface Rule {
  readonly code: CollectorErrorCode;
  readonly pattern: RegExp;
}

/**
 * First match wins, so the specific rules come first: "password verification timeout" is
 * an AUTH failure although it says timeout; "Could not open socket!" precedes the generic
 * session failure it comes with.
 */
export const STDERR_RULES: readonly Rule[] = [
  // --- AUTH: the BMC answered and said no.
  { code: 'COL_BMC_AUTH', pattern: /\b(password|username|user name) invalid\b/i },
  { code: 'COL_BMC_AUTH', pattern: /\binvalid (password|username|user name)\b/i },
  { code: 'COL_BMC_AUTH', pattern: /\bk_g invalid\b/i },
  { code: 'COL_BMC_AUTH', pattern: /password verification timeout/i },
  { code: 'COL_BMC_AUTH', pattern: /privilege level insufficient/i },
  { code: 'COL_BMC_AUTH', pattern: /privilege level cannot be obtained/i },
  { code: 'COL_BMC_AUTH', pattern: /authentication type unavailable/i },
  { code: 'COL_BMC_AUTH', pattern: /RAKP \d HMAC is invalid/i },
  { code: 'COL_BMC_AUTH', pattern: /RAKP \d message indicates an error/i },
  { code: 'COL_BMC_AUTH', pattern: /insufficient privilege/i },
  { code: 'COL_BMC_AUTH', pattern: /privilege level exceeds limit/i },
  { code: 'COL_BMC_AUTH', pattern: /Invalid (user ?name|session id)/i },
  // --- REFUSED: the packets could not go anywhere.
  { code: 'COL_BMC_REFUSED', pattern: /\b(invalid|bad) hostname\b|\bhostname invalid\b/i },
  { code: 'COL_BMC_REFUSED', pattern: /Address lookup for .* failed/i },
  { code: 'COL_BMC_REFUSED', pattern: /Could not open socket/i },
  { code: 'COL_BMC_REFUSED', pattern: /connection refused|ECONNREFUSED/i },
  {
    code: 'COL_BMC_REFUSED',
    pattern: /no route to host|network is unreachable|host is unreachable/i,
  },
  { code: 'COL_BMC_REFUSED', pattern: /unknown node name|Name or service not known/i },
  // --- TIMEOUT: nothing (or nothing in time) came back.
  { code: 'COL_BMC_TIMEOUT', pattern: /\bconnection timeout\b/i },
  { code: 'COL_BMC_TIMEOUT', pattern: /\bsession timeout\b/i },
  { code: 'COL_BMC_TIMEOUT', pattern: /\b(message|driver) timeout\b/i },
  { code: 'COL_BMC_TIMEOUT', pattern: /timed out|No response from remote controller/i },
  { code: 'COL_BMC_TIMEOUT', pattern: /Get Auth Capabilities error/i },
  { code: 'COL_BMC_TIMEOUT', pattern: /\bBMC busy\b|node busy/i },
  // --- PROTOCOL: the BMC answered but would not do it.
  {
    code: 'COL_BMC_PROTOCOL',
    pattern: /invalid (authentication|integrity|confidentiality) algorithm/i,
  },
  {
    code: 'COL_BMC_PROTOCOL',
    pattern: /cipher suite id unavailable|Unable to Get Channel Cipher Suites/i,
  },
  { code: 'COL_BMC_PROTOCOL', pattern: /ipmi 2\.0 unavailable/i },
  { code: 'COL_BMC_PROTOCOL', pattern: /Error in open session response message/i },
  { code: 'COL_BMC_PROTOCOL', pattern: /bad rmcpplus status code/i },
  {
    code: 'COL_BMC_PROTOCOL',
    pattern: /command invalid or unsupported|Invalid command|not supported/i,
  },
  { code: 'COL_BMC_PROTOCOL', pattern: /bad completion code|completion code|compcode/i },
  {
    code: 'COL_BMC_PROTOCOL',
    pattern: /Unspecified error|Invalid data field|Requested (sensor, )?data.*not present/i,
  },
  { code: 'COL_BMC_PROTOCOL', pattern: /request data.*invalid/i },
  { code: 'COL_BMC_PROTOCOL', pattern: /DCMI request failed/i },
  { code: 'COL_BMC_PROTOCOL', pattern: /command failed/i },
  { code: 'COL_BMC_PROTOCOL', pattern: /Unable to open SDR for reading/i },
  { code: 'COL_BMC_PROTOCOL', pattern: /internal IPMI error/i },
];

/** ipmitool's catch-all for any failure to open a session. */
const IPMITOOL_SESSION_FAILED =
  /Unable to establish (IPMI v2 \/ RMCP\+|IPMI v1\.5 \/ RMCP|LAN) session/i;

/**
 * Lines that tools print on success too, or that only echo another failure; they never
 * decide a classification and are skipped when picking the reason line.
 */
const NOISE = [
  /^Get HPM\.x Capabilities request failed, compcode = [0-9a-f]+$/i,
  /^Close Session command failed/i,
  /^Loading IANA PEN Registry/i,
  /^Password:\s*$/i,
];

/** FreeIPMI says this when its SDR cache no longer matches the BMC (e.g. after a BMC reset). */
export const SDR_CACHE_STALE = /SDR Cache .*(out of date|invalid)|sdr cache (out of date|invalid)/i;

export function isSdrCacheStale(stderr: string): boolean {
  return SDR_CACHE_STALE.test(stderr);
}

function meaningfulLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !NOISE.some((n) => n.test(l)));
}

function clip(line: string): string {
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

export function classify(input: ClassifyInput): Classification {
  switch (input.termination) {
    case 'spawn-error':
      return input.spawnErrorCode === 'ENOENT' || input.spawnErrorCode === 'EACCES'
        ? {
            code: 'COL_TOOL_MISSING',
            reason: `tool not found or not executable (${input.spawnErrorCode})`,
          }
        : {
            code: 'COL_TOOL_FAILED',
            reason: `tool could not be started (${input.spawnErrorCode ?? 'unknown'})`,
          };
    case 'output-limit':
      return { code: 'COL_OUTPUT_TOO_LARGE', reason: 'output cap exceeded; process tree killed' };
    case 'timeout':
      return {
        code: 'COL_BMC_TIMEOUT',
        reason: `deadline of ${input.deadlineMs ?? Math.round(input.durationMs)} ms passed; process tree killed`,
      };
    case 'aborted':
      return { code: 'COL_TOOL_FAILED', reason: 'aborted by the collector (shutdown)' };
    case 'exit':
      break;
  }
  if (input.exitCode === 0) return { code: null, reason: 'ok' };

  const lines = meaningfulLines(input.stderr);
  for (const rule of STDERR_RULES) {
    const line = lines.find((l) => rule.pattern.test(l));
    if (line !== undefined) return { code: rule.code, reason: clip(line) };
  }
  const sessionFailed = lines.find((l) => IPMITOOL_SESSION_FAILED.test(l));
  if (sessionFailed !== undefined) {
    const waited =
      input.toolTimeoutMs !== undefined && input.durationMs >= 0.9 * input.toolTimeoutMs;
    return waited
      ? {
          code: 'COL_BMC_TIMEOUT',
          reason: `${sessionFailed} (no answer within ${input.toolTimeoutMs} ms)`,
        }
      : {
          code: 'COL_BMC_AUTH',
          reason: `${sessionFailed} (rejected quickly: wrong username or password?)`,
        };
  }
  const first = lines[0];
  if (first !== undefined && SDR_CACHE_STALE.test(first)) {
    return { code: 'COL_TOOL_FAILED', reason: clip(first) };
  }
  return {
    code: 'COL_TOOL_FAILED',
    reason:
      first !== undefined
        ? clip(first)
        : `exit code ${input.exitCode ?? 'none'} with nothing on stderr`,
  };
}
