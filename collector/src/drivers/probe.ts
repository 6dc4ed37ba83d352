/**
 * One-off connection check of a BMC (`ipmi-monitor probe`): walks from the network up to
 * each data source and says exactly what worked and what failed. Every step runs even
 * when an earlier optional one failed (a BMC may ignore ASF pings and still speak IPMI),
 * but nothing past the session step is tried without a session.
 */
import { collectorErrors, type CollectorErrorCode } from '../errors.js';
import { rmcpPing } from './rmcp-ping.js';
import type { BmcTarget, Driver, DriverResult } from './types.js';

export type ProbeStepName = 'rmcp-ping' | 'session' | 'sensors' | 'sel-info' | 'dcmi' | 'chassis';

export interface ProbeStep {
  readonly name: ProbeStepName;
  readonly ok: boolean;
  readonly durationMs: number;
  /** What was seen: a summary on success, the deciding error line on failure. */
  readonly detail: string;
  readonly errorCode?: CollectorErrorCode | undefined;
  /** True when the step was not attempted (no session). */
  readonly skipped?: boolean | undefined;
  /** The command that ran, redacted, for the operator to repeat by hand. */
  readonly command?: string | undefined;
}

export interface ProbeResult {
  readonly host: string;
  readonly port: number;
  readonly driver: Driver['kind'];
  /** A session could be opened and sensors read: the BMC can be polled. */
  readonly ok: boolean;
  readonly steps: readonly ProbeStep[];
}

function field(text: string, pattern: RegExp): string | null {
  const m = pattern.exec(text);
  return m?.[1]?.trim() ?? null;
}

/** One-line summaries of the tool output; for people, not for the data path (no parsing). */
const SUMMARIES: Record<Exclude<ProbeStepName, 'rmcp-ping'>, (out: string) => string> = {
  session: (out) => {
    const parts = [
      ['manufacturer', /^Manufacturer Name\s*:\s*(.+)$/m],
      ['manufacturer', /^Manufacturer ID\s*:\s*(.+)$/m],
      ['product', /^Product ID\s*:\s*(.+)$/m],
      ['firmware', /^Firmware Revision\s*:\s*(.+)$/m],
      ['IPMI', /^IPMI Version\s*:\s*(.+)$/m],
    ] as const;
    const seen: string[] = [];
    const labels = new Set<string>();
    for (const [label, re] of parts) {
      const v = field(out, re);
      if (v === null || labels.has(label)) continue;
      labels.add(label);
      seen.push(`${label} ${v}`);
    }
    return `session opened${seen.length > 0 ? `: ${seen.join(', ')}` : ''}`;
  },
  sensors: (out) => {
    const rows = out.split('\n').filter((l) => l.trim() !== '' && !/^ID\s*[,|]/.test(l));
    return `${rows.length} sensor rows`;
  },
  'sel-info': (out) => {
    const n = field(out, /^(?:Entries|Number of log entries)\s*:\s*(\d+)/m);
    return n === null ? 'SEL info read' : `SEL has ${n} entries`;
  },
  dcmi: (out) => {
    const w = field(out, /(?:Current Power|Instantaneous power reading)\s*:\s*(\d+)/im);
    return w === null ? 'DCMI power read' : `DCMI power ${w} W`;
  },
  chassis: (out) => {
    const p = field(out, /^System Power\s*:\s*(\S+)/m);
    return p === null ? 'chassis status read' : `system power ${p}`;
  },
};

function fromResult(name: Exclude<ProbeStepName, 'rmcp-ping'>, r: DriverResult): ProbeStep {
  const command = `${r.tool} ${r.args.join(' ')}`;
  if (r.ok) {
    return { name, ok: true, durationMs: r.durationMs, detail: SUMMARIES[name](r.stdout), command };
  }
  return {
    name,
    ok: false,
    durationMs: r.durationMs,
    detail: r.error?.message ?? 'failed',
    errorCode: r.error?.code,
    command,
  };
}

/** Failures after which no later IPMI step can work. */
const NO_SESSION: ReadonlySet<string> = new Set([
  'COL_BMC_TIMEOUT',
  'COL_BMC_AUTH',
  'COL_BMC_REFUSED',
  'COL_TOOL_MISSING',
  'COL_TARGET_INVALID',
]);

export async function probe(
  target: BmcTarget,
  driver: Driver,
  options: { pingTimeoutMs?: number } = {},
): Promise<ProbeResult> {
  const steps: ProbeStep[] = [];

  const ping = await rmcpPing(
    target.host,
    target.port,
    options.pingTimeoutMs ?? Math.min(2000, target.timeoutMs),
  );
  steps.push(
    ping.ok
      ? {
          name: 'rmcp-ping',
          ok: true,
          durationMs: ping.durationMs,
          detail: `presence pong${ping.ipmiSupported ? ', IPMI supported' : ', IPMI not advertised'}`,
        }
      : {
          name: 'rmcp-ping',
          ok: false,
          durationMs: ping.durationMs,
          detail:
            ping.reason === 'refused'
              ? `unreachable: ${ping.detail} (nothing listens on UDP ${target.port}, or the name does not resolve)`
              : `no presence pong (${ping.detail}); some BMCs ignore ASF pings, so the session step decides`,
          errorCode: ping.reason === 'timeout' ? 'COL_BMC_TIMEOUT' : 'COL_BMC_REFUSED',
        },
  );

  let session = await driver.bmcInfo(target);
  if (!session.ok && session.error?.code === 'COL_BMC_AUTH' && driver.kind === 'ipmitool') {
    // ipmitool only says "Unable to establish IPMI v2 / RMCP+ session"; -v says why.
    const diagnosed = await driver.bmcInfo(target, { diagnose: true });
    const why = diagnosed.stderr
      .split('\n')
      .map((l) => l.trim())
      .find((l) => /RAKP|unauthorized|privilege|invalid/i.test(l));
    if (why !== undefined && session.error !== null) {
      session = {
        ...session,
        error: collectorErrors.error(
          session.error.code,
          `${session.error.message}; ipmitool -v: ${why}`,
        ),
      };
    }
  }
  const sessionStep = fromResult('session', session);
  steps.push(sessionStep);

  const rest: [Exclude<ProbeStepName, 'rmcp-ping' | 'session'>, () => Promise<DriverResult>][] = [
    ['sensors', () => driver.sensors(target)],
    ['sel-info', () => driver.selInfo(target)],
    ['dcmi', () => driver.dcmiPower(target)],
    ['chassis', () => driver.chassisStatus(target)],
  ];
  const blocked = !session.ok && session.error !== null && NO_SESSION.has(session.error.code);
  for (const [name, run] of rest) {
    if (blocked) {
      steps.push({ name, ok: false, durationMs: 0, detail: 'skipped: no session', skipped: true });
      continue;
    }
    steps.push(fromResult(name, await run()));
  }
  const sensors = steps.find((s) => s.name === 'sensors');
  return {
    host: target.host,
    port: target.port,
    driver: driver.kind,
    ok: sessionStep.ok && sensors?.ok === true,
    steps,
  };
}

/** Plain-text report, one line per step, for the CLI. */
export function formatProbe(result: ProbeResult): string {
  const lines = [
    `probe ${result.host}:${result.port} with ${result.driver}: ${result.ok ? 'OK' : 'FAILED'}`,
  ];
  for (const s of result.steps) {
    const mark = s.skipped === true ? '-' : s.ok ? '✓' : '✗';
    const code = s.errorCode !== undefined ? ` [${s.errorCode}]` : '';
    lines.push(
      `  ${mark} ${s.name.padEnd(9)} ${String(Math.round(s.durationMs)).padStart(6)} ms  ${s.detail}${code}`,
    );
  }
  return lines.join('\n');
}
