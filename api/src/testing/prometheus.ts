/**
 * A real Prometheus (Debian's package) for tests: scrapes given targets every second with
 * `honor_labels: true`, as our scrape config does, optionally with a bearer token.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '@ipmi-monitor/runtime/testing';

export const PROMETHEUS = '/usr/bin/prometheus';

export interface PromSeries {
  metric: Record<string, string>;
  value: [number, string];
}

export interface TestPrometheus {
  url: string;
  /** An instant query; throws when Prometheus answers with an error. */
  query(expr: string): Promise<PromSeries[]>;
  /** What Prometheus printed last (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export async function startPrometheus(o: {
  job: string;
  /** `host:port` of each target. */
  targets: readonly string[];
  bearer?: string;
}): Promise<TestPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'ipmi-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  await writeFile(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      'scrape_configs:',
      `  - job_name: ${o.job}`,
      '    honor_labels: true',
      ...(o.bearer === undefined ? [] : ['    authorization:', `      credentials: '${o.bearer}'`]),
      '    static_configs:',
      `      - targets: [${o.targets.map((t) => `'${t}'`).join(', ')}]`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let printed = '';
  const keep = (c: Buffer) => (printed = (printed + c.toString()).slice(-8000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const done = await Promise.race([
        exited.then(() => true),
        sleep(15_000, false, { ref: false }),
      ]);
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await eventually(async () => ((await fetch(`${url}/-/ready`)).ok ? true : undefined), {
      timeoutMs: 30_000,
      what: 'prometheus ready',
    });
  } catch (err) {
    await stop();
    throw new Error(`prometheus did not start: ${printed}`, { cause: err });
  }
  return {
    url,
    output: () => printed,
    stop,
    async query(expr) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as {
        status: string;
        error?: string;
        data?: { result: PromSeries[] };
      };
      if (body.status !== 'success') throw new Error(`${expr}: ${body.error ?? body.status}`);
      return body.data?.result ?? [];
    },
  };
}
