/**
 * What both drivers share around one tool run: target validation, the credential file's
 * lifetime, the deadline, classification, redaction, and the result shape.
 */
import { join } from 'node:path';
import type { CodedError } from '@ipmi-monitor/runtime';
import { collectorErrors, type CollectorErrorCode } from '../errors.js';
import { classify, type Classification } from './classify.js';
import { withCredentialDir } from './credentials.js';
import { minimalEnv, runProcess, type RunResult } from './process.js';
import type {
  BmcTarget,
  DriverCommand,
  DriverOptions,
  DriverResult,
  IpmiFormat,
  Privilege,
} from './types.js';

/** Stands in for the per-invocation credential file path in `args`. */
export const CREDENTIALS_PLACEHOLDER = '<credentials>';

const PRIVILEGES: readonly Privilege[] = ['USER', 'OPERATOR', 'ADMIN'];

function invalid(message: string): CodedError<CollectorErrorCode> {
  return collectorErrors.error('COL_TARGET_INVALID', message);
}

/**
 * Rejects targets a tool would misread. Hosts go to FreeIPMI as `host:port` inside a
 * hostrange (`,` `[` `]` are syntax there) and to ipmitool as an option value, so they must
 * be a plain name or IPv4 address. Never mentions the password's value.
 */
export function validateTarget(t: BmcTarget): void {
  if (!/^[A-Za-z0-9._-]+$/.test(t.host) || t.host.startsWith('-')) {
    throw invalid(`host ${JSON.stringify(t.host)} is not a host name or IPv4 address`);
  }
  if (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535) {
    throw invalid(`port ${t.port} is not in 1-65535`);
  }
  // IPMI user names are at most 16 bytes (IPMI v2.0 section 22.28).
  // eslint-disable-next-line no-control-regex -- control characters are what is rejected
  if (Buffer.byteLength(t.username, 'utf8') > 16 || /[\0-\x1f]/.test(t.username)) {
    throw invalid('username is longer than 16 bytes or contains a control character');
  }
  if (t.privilege !== undefined && !PRIVILEGES.includes(t.privilege)) {
    throw invalid(`privilege ${JSON.stringify(t.privilege)} is not USER, OPERATOR or ADMIN`);
  }
  if (
    t.cipherSuite !== undefined &&
    (!Number.isInteger(t.cipherSuite) || t.cipherSuite < 0 || t.cipherSuite > 255)
  ) {
    throw invalid(`cipherSuite ${t.cipherSuite} is not an integer in 0-255`);
  }
  for (const flag of t.workaroundFlags ?? []) {
    if (!/^[a-z0-9]+$/.test(flag))
      throw invalid(`workaround flag ${JSON.stringify(flag)} is malformed`);
  }
  if (!Number.isFinite(t.timeoutMs) || t.timeoutMs < 100) {
    throw invalid(`timeoutMs ${t.timeoutMs} is below 100`);
  }
  if (!t.sdrCacheDir.startsWith('/')) {
    throw invalid(`sdrCacheDir ${JSON.stringify(t.sdrCacheDir)} is not an absolute path`);
  }
}

/**
 * Belt and braces: the tools do not echo passwords, but if one ever did (a debug flag, a
 * new version) it must not reach a log or an event. Very short passwords are not scrubbed
 * because replacing every "ab" in the output would do more harm than good.
 */
export function scrub(text: string, password: string): string {
  return password.length >= 4 ? text.split(password).join('***') : text;
}

export function redactArgs(args: readonly string[], credentialFile: string | null): string[] {
  if (credentialFile === null) return [...args];
  return args.map((a) => a.split(credentialFile).join(CREDENTIALS_PLACEHOLDER));
}

/** One planned tool run: everything but the credential file path is known up front. */
export interface Invocation {
  readonly command: DriverCommand;
  readonly tool: string;
  readonly format: IpmiFormat;
  /** argv, given the credential file path (null when the run needs none). */
  readonly args: (credentialFile: string | null) => string[];
  /** Credential file name and content; null runs without one. */
  readonly credential: { readonly name: string; readonly content: string } | null;
  /** Deadline for this process (fan-out runs get a longer one than `target.timeoutMs`). */
  readonly deadlineMs: number;
  /** The tool's own per-request timeout, for the AUTH/TIMEOUT split on ipmitool. */
  readonly toolTimeoutMs?: number | undefined;
}

export interface RawRun {
  readonly run: RunResult;
  /** argv as logged. */
  readonly args: string[];
  readonly classification: Classification;
}

/** Runs an invocation with its credential file alive for exactly the run. */
export async function runInvocation(
  inv: Invocation,
  password: string,
  options: DriverOptions,
): Promise<RawRun> {
  const exec = async (credentialFile: string | null, home: string): Promise<RawRun> => {
    const argv = inv.args(credentialFile);
    const command = options.binDir !== undefined ? join(options.binDir, inv.tool) : inv.tool;
    const run = await runProcess({
      command,
      args: argv,
      timeoutMs: inv.deadlineMs,
      killGraceMs: options.killGraceMs,
      maxStdoutBytes: options.maxStdoutBytes,
      maxStderrBytes: options.maxStderrBytes,
      env: minimalEnv(home),
      cwd: home,
      signal: options.signal,
    });
    const stderr = scrub(run.stderr, password);
    const cleanRun: RunResult = { ...run, stderr, args: redactArgs(run.args, credentialFile) };
    return {
      run: cleanRun,
      args: redactArgs(argv, credentialFile),
      classification: classify({
        termination: run.termination,
        exitCode: run.exitCode,
        stderr,
        durationMs: run.durationMs,
        deadlineMs: inv.deadlineMs,
        toolTimeoutMs: inv.toolTimeoutMs,
        spawnErrorCode: run.spawnErrorCode,
      }),
    };
  };
  return withCredentialDir(async (dir) => {
    const file =
      inv.credential === null
        ? null
        : await dir.writeFile(inv.credential.name, inv.credential.content);
    // The private dir doubles as HOME and cwd: anything a tool writes there is removed with it.
    return exec(file, dir.path);
  }, options.credentialBaseDir);
}

export function toResult(
  inv: Invocation,
  target: BmcTarget,
  raw: RawRun,
  extra: { attempts?: number; via?: 'single' | 'fanout' } = {},
): DriverResult {
  const { run, classification } = raw;
  const error =
    classification.code === null
      ? null
      : collectorErrors.error(
          classification.code,
          `${inv.tool} ${target.host}:${target.port}: ${scrub(classification.reason, target.password)}`,
        );
  return {
    command: inv.command,
    tool: inv.tool,
    args: raw.args,
    stdout: run.termination === 'output-limit' ? '' : run.stdout,
    stderr: run.stderr,
    exitCode: run.exitCode,
    durationMs: Math.round(run.durationMs * 10) / 10,
    format: inv.format,
    host: target.host,
    port: target.port,
    ok: error === null,
    error,
    timedOut: run.termination === 'timeout',
    attempts: extra.attempts ?? 1,
    via: extra.via ?? 'single',
  };
}

/** The result for a target that failed validation before anything ran. */
export function invalidResult(
  command: DriverCommand,
  tool: string,
  format: IpmiFormat,
  target: BmcTarget,
  err: unknown,
): DriverResult {
  const error =
    typeof err === 'object' &&
    err !== null &&
    (err as { code?: unknown }).code === 'COL_TARGET_INVALID'
      ? (err as CodedError<CollectorErrorCode>)
      : collectorErrors.error('COL_TOOL_FAILED', `${tool}: could not prepare the run`, err);
  return {
    command,
    tool,
    args: [],
    stdout: '',
    stderr: '',
    exitCode: null,
    durationMs: 0,
    format,
    host: target.host,
    port: target.port,
    ok: false,
    error,
    timedOut: false,
    attempts: 0,
    via: 'single',
  };
}
