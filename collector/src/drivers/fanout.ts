/**
 * Multi-host FreeIPMI runs: one `ipmi-sensors` (or `ipmi-sel`, ...) process over many BMCs
 * that share credentials and options, instead of one process per BMC. FreeIPMI takes the
 * hosts as a comma list, `-h 'h1:p1,h2:p2'`, polls up to `--fanout` of them in parallel
 * threads, and with `--always-prefix` starts every output line with `host:port: `, on
 * stdout and stderr alike (lines of different hosts interleave). That prefix splits the
 * output back per host.
 *
 * A host whose part has error lines failed. Conclusive failures (timeout, auth, refused,
 * protocol) are reported from the fan-out itself: running the host again would only wait
 * for the same timeout twice. Anything inconclusive falls back to a single-host run:
 * unknown errors, a stale SDR cache, and every host without an answer when the fan-out
 * process itself was killed (deadline, output cap), since its part may be cut short.
 */
import { createHash } from 'node:crypto';
import { freeipmiConfigText } from './credentials.js';
import { classify } from './classify.js';
import { invalidResult, runInvocation, validateTarget, type Invocation, scrub } from './exec.js';
import {
  ensureSdrCacheDir,
  freeipmiCommand,
  freeipmiCommonArgs,
  runFreeipmi,
  sdrCacheArgs,
} from './freeipmi.js';
import { collectorErrors } from '../errors.js';
import type { BmcTarget, DriverCommand, DriverOptions, DriverResult, SelOptions } from './types.js';

export interface FanoutOptions extends DriverOptions {
  /** FreeIPMI `--fanout`: hosts polled in parallel inside one process. Default 16. */
  readonly fanout?: number | undefined;
  /** Hosts per process at most. Default 128. */
  readonly maxHostsPerProcess?: number | undefined;
  /**
   * Which failed hosts get a single-host re-run: `inconclusive` (default) as described
   * above, `all` failed hosts, or `none`.
   */
  readonly fallback?: 'inconclusive' | 'all' | 'none' | undefined;
  /** Single-host re-runs in flight at once. Default 4. */
  readonly fallbackConcurrency?: number | undefined;
}

export interface FanoutItem {
  readonly target: BmcTarget;
  /** SEL range per host; hosts are grouped by it, since the range is a process option. */
  readonly sel?: SelOptions | undefined;
}

export interface HostPart {
  stdout: string;
  stderr: string;
}

export interface SplitOutput {
  readonly parts: Map<string, HostPart>;
  /** Lines no host prefix matched (errors FreeIPMI prints before it starts on the hosts). */
  readonly unattributedStdout: string;
  readonly unattributedStderr: string;
}

/**
 * Splits `--always-prefix` output by host. `hosts` are the `host:port` strings passed to
 * `-h`; the longest matching prefix wins, so `10.0.0.1:623` never takes the lines of
 * `10.0.0.1:6230`. Pure.
 */
export function splitFanoutOutput(
  stdout: string,
  stderr: string,
  hosts: readonly string[],
): SplitOutput {
  const byLength = [...new Set(hosts)].sort((a, b) => b.length - a.length);
  const parts = new Map<string, HostPart>(hosts.map((h) => [h, { stdout: '', stderr: '' }]));
  const rest = { stdout: '', stderr: '' };
  const route = (text: string, stream: 'stdout' | 'stderr'): void => {
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    for (const line of lines) {
      const host = byLength.find((h) => line.startsWith(`${h}: `) || line === `${h}:`);
      if (host === undefined) {
        rest[stream] += `${line}\n`;
        continue;
      }
      const part = parts.get(host);
      if (part !== undefined) part[stream] += `${line.slice(host.length + 2)}\n`;
    }
  };
  route(stdout, 'stdout');
  route(stderr, 'stderr');
  return { parts, unattributedStdout: rest.stdout, unattributedStderr: rest.stderr };
}

/** Hosts that can share one process: same credentials, options and command arguments. */
export function fanoutGroupKey(command: DriverCommand, item: FanoutItem): string {
  const t = item.target;
  const key = JSON.stringify([
    command,
    t.username,
    t.password,
    t.privilege ?? null,
    t.cipherSuite ?? null,
    [...(t.workaroundFlags ?? [])],
    t.timeoutMs,
    t.sdrCacheDir,
    item.sel?.fromRecordId ?? null,
  ]);
  // Hashed so that a key that ends up in a log or a debugger never shows a password.
  return createHash('sha256').update(key).digest('hex');
}

/** Group hosts for fan-out; a host:port seen twice in a group goes to a group of its own. */
export function planFanout(
  command: DriverCommand,
  items: readonly FanoutItem[],
  maxHostsPerProcess: number,
): number[][] {
  const groups = new Map<string, number[][]>();
  items.forEach((item, index) => {
    const key = fanoutGroupKey(command, item);
    const host = `${item.target.host}:${item.target.port}`;
    const chunks = groups.get(key) ?? [];
    let chunk = chunks.find(
      (c) =>
        c.length < maxHostsPerProcess &&
        !c.some((i) => `${items[i]?.target.host}:${items[i]?.target.port}` === host),
    );
    if (chunk === undefined) {
      chunk = [];
      chunks.push(chunk);
    }
    chunk.push(index);
    groups.set(key, chunks);
  });
  return [...groups.values()].flat();
}

const CONCLUSIVE = new Set([
  'COL_BMC_TIMEOUT',
  'COL_BMC_AUTH',
  'COL_BMC_REFUSED',
  'COL_BMC_PROTOCOL',
]);

async function runGroup(
  command: DriverCommand,
  items: readonly FanoutItem[],
  options: FanoutOptions,
): Promise<DriverResult[]> {
  const first = items[0];
  if (first === undefined) return [];
  const sel = first.sel ?? {};
  if (items.length === 1) return [await runFreeipmi(command, first.target, options, sel)];

  const spec = freeipmiCommand(command, sel);
  const target = first.target;
  const hosts = items.map((i) => `${i.target.host}:${i.target.port}`);
  const fanout = Math.max(1, Math.min(items.length, options.fanout ?? 16));
  // Worst case every slot waits a full per-host timeout, one round per `fanout` hosts.
  const deadlineMs = target.timeoutMs * Math.ceil(items.length / fanout) + 1000;
  const inv: Invocation = {
    command,
    tool: spec.tool,
    format: spec.format,
    args: (file) => [
      ...freeipmiCommonArgs(target, file, hosts.join(',')),
      ...(spec.usesSdr ? sdrCacheArgs(target) : []),
      ...spec.args,
      '--always-prefix',
      `--fanout=${fanout}`,
    ],
    credential: { name: 'freeipmi.conf', content: freeipmiConfigText(target.password) },
    deadlineMs,
  };
  if (spec.usesSdr) await ensureSdrCacheDir(target);
  const raw = await runInvocation(inv, target.password, options);
  const { run } = raw;

  function hostResult(
    item: FanoutItem,
    stdout: string,
    stderr: string,
    exitCode: number | null,
    error: DriverResult['error'],
  ): DriverResult {
    return {
      command,
      tool: spec.tool,
      args: raw.args,
      stdout,
      stderr,
      exitCode,
      durationMs: Math.round(run.durationMs * 10) / 10,
      format: spec.format,
      host: item.target.host,
      port: item.target.port,
      ok: error === null,
      error,
      timedOut: run.termination === 'timeout',
      attempts: 1,
      via: 'fanout',
    };
  }

  if (run.termination === 'spawn-error' || run.termination === 'aborted') {
    // Nothing ran for any host: every host gets the process's own error.
    return items.map((item) => {
      const error = collectorErrors.error(
        raw.classification.code ?? 'COL_TOOL_FAILED',
        `${spec.tool} ${item.target.host}:${item.target.port}: ${raw.classification.reason}`,
      );
      return { ...hostResult(item, '', '', null, error), attempts: 1 };
    });
  }

  const split = splitFanoutOutput(run.stdout, run.stderr, hosts);
  const killed = run.termination !== 'exit';
  const fallback = options.fallback ?? 'inconclusive';
  const globalError = split.unattributedStderr.trim();

  const results: DriverResult[] = [];
  const retries: number[] = [];
  items.forEach((item, i) => {
    const host = hosts[i] ?? '';
    const part = split.parts.get(host) ?? { stdout: '', stderr: '' };
    const stderr = scrub(part.stderr, item.target.password);
    const failedHere = stderr.trim() !== '';
    // A process-wide error (config file, bad option) with no per-host lines hits all.
    const hostStderr = failedHere
      ? stderr
      : globalError !== '' && part.stdout === ''
        ? globalError
        : '';
    if (hostStderr === '' && !killed) {
      results[i] = hostResult(item, part.stdout, '', 0, null);
      return;
    }
    const c =
      hostStderr === ''
        ? { code: null, reason: 'fan-out process killed before this host finished' }
        : classify({
            termination: 'exit',
            exitCode: 1,
            stderr: hostStderr,
            durationMs: run.durationMs,
          });
    const conclusive = c.code !== null && CONCLUSIVE.has(c.code);
    if (fallback === 'all' || (fallback === 'inconclusive' && !conclusive)) {
      retries.push(i);
      return;
    }
    const error = collectorErrors.error(
      c.code ?? (run.termination === 'timeout' ? 'COL_BMC_TIMEOUT' : 'COL_TOOL_FAILED'),
      `${spec.tool} ${item.target.host}:${item.target.port}: ${scrub(c.reason, item.target.password)}`,
    );
    results[i] = hostResult(item, part.stdout, hostStderr, 1, error);
  });

  // Single-host re-runs, a few at a time: a fan-out killed as a whole must not turn into
  // a burst of one process per host.
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < retries.length) {
      const i = retries[next++] as number;
      const item = items[i] as FanoutItem;
      const single = await runFreeipmi(command, item.target, options, item.sel ?? {});
      results[i] = { ...single, attempts: single.attempts + 1 };
    }
  };
  const workers = Math.min(retries.length, Math.max(1, options.fallbackConcurrency ?? 4));
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}

/**
 * Runs `command` over many BMCs with as few FreeIPMI processes as their options allow and
 * returns one result per item, in input order, shaped like the single-host driver's.
 * Per-host `durationMs` is the duration of the shared process; `exitCode` is 0 for a host
 * whose part had no error lines and 1 otherwise (FreeIPMI's own exit code covers all hosts).
 */
export async function fanoutRun(
  command: DriverCommand,
  items: readonly FanoutItem[],
  options: FanoutOptions = {},
): Promise<DriverResult[]> {
  const results: (DriverResult | undefined)[] = new Array<DriverResult | undefined>(items.length);
  const valid: number[] = [];
  items.forEach((item, i) => {
    try {
      validateTarget(item.target);
      freeipmiConfigText(item.target.password);
      valid.push(i);
    } catch (err) {
      const spec = freeipmiCommand(command, item.sel ?? {});
      results[i] = invalidResult(command, spec.tool, spec.format, item.target, err);
    }
  });
  const validItems = valid.map((i) => items[i] as FanoutItem);
  const plan = planFanout(command, validItems, options.maxHostsPerProcess ?? 128);
  await Promise.all(
    plan.map(async (group) => {
      const groupItems = group.map((g) => validItems[g] as FanoutItem);
      let out: DriverResult[];
      try {
        out = await runGroup(command, groupItems, options);
      } catch (err) {
        out = groupItems.map((item) => {
          const spec = freeipmiCommand(command, item.sel ?? {});
          return invalidResult(command, spec.tool, spec.format, item.target, err);
        });
      }
      group.forEach((g, k) => {
        results[valid[g] as number] = out[k];
      });
    }),
  );
  return results.map((r, i) => {
    if (r !== undefined) return r;
    const item = items[i] as FanoutItem;
    const spec = freeipmiCommand(command, item.sel ?? {});
    return invalidResult(command, spec.tool, spec.format, item.target, new Error('no result'));
  });
}

export const fanoutSensors = (targets: readonly BmcTarget[], options?: FanoutOptions) =>
  fanoutRun(
    'sensors',
    targets.map((target) => ({ target })),
    options,
  );

export const fanoutSel = (items: readonly FanoutItem[], options?: FanoutOptions) =>
  fanoutRun('sel', items, options);

export const fanoutSelInfo = (targets: readonly BmcTarget[], options?: FanoutOptions) =>
  fanoutRun(
    'selInfo',
    targets.map((target) => ({ target })),
    options,
  );
