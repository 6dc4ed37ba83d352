/**
 * The production compose stack must run what the local stack runs, configured the way the code
 * reads its configuration. Nothing else would notice a drift: CI has no Docker engine, so a
 * renamed config variable, a service missing from compose or a Prometheus target on the wrong
 * port would first show on an operator's machine.
 *
 * Checks, for every service built from the root Dockerfile, on the file as `docker-compose
 * config` renders it with .env.example:
 *   (a) it runs an `ipmi-monitor` command that exists, and the set of them is the set the local
 *       stack runs (scripts/services.sh);
 *   (b) every variable compose sets is one the service's config specs read, every required one
 *       is set, and every default that only works in a checkout (loopback addresses, paths
 *       under .state) is replaced; secrets and state paths point into what is mounted;
 *   (c) its HTTP port is the one its healthcheck probes, Prometheus scrapes, compose publishes
 *       and its clients call.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { commonConfig, type ConfigSpec, type ConfigVar } from '@ipmi-monitor/runtime';
import { dbConfig } from '@ipmi-monitor/db';
import { collectorConfig, credentialsConfig, scheduleConfig } from '@ipmi-monitor/collector';
import { streamsConfig } from '@ipmi-monitor/streams';
import { projectionsConfig } from '@ipmi-monitor/projections';
import { apiConfig } from '@ipmi-monitor/api';
import { webConfig } from '@ipmi-monitor/web';
import { runCommand } from '@ipmi-monitor/cli';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const composeFile = join(here, 'docker-compose.yml');

/**
 * The config specs each service's process parses: its run*Process in
 * <package>/src/service/main.ts. The API also parses projectionsConfig, through
 * startDatabaseHost, because it can host the projections.
 */
const SERVICE_CONFIG: Readonly<Record<string, readonly ConfigSpec[]>> = {
  collector: [commonConfig, collectorConfig, credentialsConfig, scheduleConfig],
  streams: [commonConfig, streamsConfig],
  projections: [commonConfig, projectionsConfig, dbConfig],
  api: [commonConfig, apiConfig, credentialsConfig, dbConfig, projectionsConfig],
  web: [commonConfig, webConfig],
};

/** Services that serve no /metrics, so Prometheus must not scrape them. */
const WITHOUT_METRICS: Readonly<Record<string, string>> = {
  web: 'the UI server (web/service/main.ts) answers /health and hands everything else to SvelteKit',
};

/**
 * Variables a service reads whose checkout-only default is harmless in its container; with
 * `whileSet`, only as long as that other variable is set.
 */
const UNUSED_DEFAULTS: Readonly<
  Record<string, Readonly<Record<string, { why: string; whileSet?: string }>>>
> = {
  web: {
    KAFKA_BROKERS: {
      why: 'the UI parses the common settings for LOG_LEVEL only; its data source is the API',
    },
    SCHEMA_REGISTRY_URL: { why: 'as KAFKA_BROKERS' },
  },
  projections: {
    IPMI_DATA_DIR: { why: 'the embedded database directory', whileSet: 'DATABASE_URL' },
  },
  api: { IPMI_DATA_DIR: { why: 'the embedded database directory', whileSet: 'DATABASE_URL' } },
};

interface ComposeService {
  build?: { context?: string; dockerfile?: string; target?: string };
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  ports?: (string | { target?: number | string })[];
  secrets?: (string | { source: string; target?: string })[];
  volumes?: (string | { type?: string; source?: string; target: string })[];
}

interface ScrapeConfig {
  job_name: string;
  static_configs?: { targets?: string[] }[];
  dns_sd_configs?: { names?: string[]; port?: number }[];
  authorization?: { credentials_file?: string };
}

function composeCommand(): string[] {
  const probe = (cmd: string, args: string[]) =>
    spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
  if (probe('docker-compose', ['version'])) return ['docker-compose'];
  if (probe('docker', ['compose', 'version'])) return ['docker', 'compose'];
  assert.fail(
    'docker-compose is not installed, so the compose stack cannot be rendered: run bash scripts/bootstrap.sh (Debian: apt-get install -y docker-compose)',
  );
}

let rendered: Record<string, ComposeService> | undefined;

/** The compose file as docker-compose renders it with .env.example, like validate.sh. */
function services(): Record<string, ComposeService> {
  if (rendered) return rendered;
  const [cmd = 'docker-compose', ...pre] = composeCommand();
  const run = spawnSync(
    cmd,
    [
      ...pre,
      '-f',
      composeFile,
      '--project-directory',
      here,
      '--env-file',
      join(here, '.env.example'),
      'config',
    ],
    {
      encoding: 'utf8',
      // A caller's KAFKA_BROKERS or LOG_LEVEL would otherwise override .env.example.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    },
  );
  if (run.status !== 0) {
    assert.fail(`${cmd} ${pre.join(' ')} config rejects ${composeFile}:\n${run.stderr}`);
  }
  const doc = parse(run.stdout) as { services?: Record<string, ComposeService> };
  rendered = doc.services ?? {};
  return rendered;
}

/** Our services: those compose builds from the root Dockerfile. */
function ours(): [string, ComposeService][] {
  return Object.entries(services()).filter(
    ([, s]) =>
      s.build !== undefined &&
      (s.build.dockerfile ?? 'Dockerfile') === 'Dockerfile' &&
      s.build.context === repo,
  );
}

function envOf(s: ComposeService): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.environment ?? {})) out[k] = v === null ? '' : String(v);
  return out;
}

function varsOf(name: string): Map<string, ConfigVar> {
  const vars = new Map<string, ConfigVar>();
  for (const spec of SERVICE_CONFIG[name] ?? []) {
    for (const v of Object.values(spec)) vars.set(v.env, v);
  }
  return vars;
}

/** A renamed variable is the likely cause: name the nearest one, else list them all. */
function closest(key: string, known: string[]): string {
  const distance = (a: string, b: string): number => {
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++) {
        next[j] = Math.min(
          (row[j] ?? 0) + 1,
          (next[j - 1] ?? 0) + 1,
          (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
        );
      }
      row = next;
    }
    return row[b.length] ?? 0;
  };
  const [best] = known
    .map((k) => ({ k, d: distance(key, k) }))
    .sort((x, y) => x.d - y.d)
    .filter((x) => x.d <= key.length / 3);
  return best ? `did you mean ${best.k}?` : `it reads: ${known.sort().join(', ')}`;
}

function fail(problems: string[]): void {
  if (problems.length > 0) assert.fail(`\n${problems.join('\n')}`);
}

/** SERVICES=(...) in scripts/services.sh: what `npm start` runs, one process each. */
function localServices(): string[] {
  const text = readFileSync(join(repo, 'scripts', 'services.sh'), 'utf8');
  const m = /^SERVICES=\(([^)]*)\)/m.exec(text);
  assert.ok(m?.[1], 'scripts/services.sh has no SERVICES=(...) line');
  return m[1].trim().split(/\s+/);
}

/** `ipmi-monitor help`: the commands, and those that run with no argument (the services). */
async function cliCommands(): Promise<{ all: Set<string>; bare: Set<string> }> {
  let usage = '';
  const code = await runCommand(['help'], {
    version: '0.0.0',
    stdin: Readable.from([]),
    stdout: (s) => (usage += s),
    stderr: () => undefined,
  });
  assert.equal(code, 0, 'ipmi-monitor help failed');
  const all = new Set<string>();
  const bare = new Set<string>();
  for (const line of usage.split('\n')) {
    const m = /^ {2}([a-z][a-z-]*)( {2,}\S)?/.exec(line);
    if (!m?.[1]) continue;
    all.add(m[1]);
    if (m[2]) bare.add(m[1]);
  }
  return { all, bare };
}

/** The loopback addresses and checkout-relative paths the defaults are made of. */
function checkoutOnly(value: unknown): boolean {
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  return values.some(
    (v) =>
      typeof v === 'string' &&
      (/(^|\/\/|@)(127\.0\.0\.1|localhost|\[::1\])([:/]|$)/.test(v) ||
        v === '.state' ||
        v.startsWith('.state/')),
  );
}

function containerPort(p: string | { target?: number | string }): number {
  if (typeof p === 'object') return Number(p.target);
  // [host_ip:][published:]target[/protocol]
  return Number(p.split('/')[0]?.split(':').at(-1));
}

function secretNames(s: ComposeService): Set<string> {
  return new Set(
    (s.secrets ?? []).map((x) => (typeof x === 'string' ? x : (x.target ?? x.source))),
  );
}

function volumeTargets(s: ComposeService): string[] {
  return (s.volumes ?? []).map((v) => (typeof v === 'string' ? (v.split(':')[1] ?? '') : v.target));
}

test('compose runs the services of the local stack, each as an ipmi-monitor command', async () => {
  const { all, bare } = await cliCommands();
  const problems: string[] = [];
  const local = localServices();
  // Local mode has no DATABASE_URL, so the API opens the embedded database and, as only one
  // process may, runs the projections itself (IPMI_API_WITH_PROJECTIONS=auto). Compose has a
  // database server, so the projections are a service of their own there.
  assert.equal(apiConfig.withProjections.default, 'auto');
  assert.equal(dbConfig.databaseUrl.default, null);
  assert.ok(
    !local.includes('projections'),
    'scripts/services.sh runs projections on its own now: drop the exception in this test',
  );
  const expected = [...local, 'projections'].sort();

  const entrypoint = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(
    readFileSync(join(repo, 'Dockerfile'), 'utf8'),
  );
  assert.ok(entrypoint?.[1], 'the Dockerfile has no exec-form ENTRYPOINT');
  assert.equal(
    (JSON.parse(entrypoint[1]) as string[]).at(-1),
    'ipmi-monitor',
    'the image must run the project CLI, so a compose command is an ipmi-monitor subcommand',
  );

  const commands: string[] = [];
  for (const [name, s] of ours()) {
    if (s.build?.target !== 'runtime') {
      problems.push(`service "${name}" builds target "${s.build?.target}", not "runtime"`);
    }
    if (s.entrypoint !== undefined) {
      problems.push(`service "${name}" replaces the image's ipmi-monitor entrypoint`);
    }
    const command = typeof s.command === 'string' ? s.command.split(/\s+/) : (s.command ?? []);
    const [sub, ...args] = command;
    if (sub === undefined) {
      problems.push(`service "${name}" has no command (ipmi-monitor <service>)`);
      continue;
    }
    commands.push(sub);
    if (!all.has(sub)) {
      problems.push(
        `service "${name}" runs "ipmi-monitor ${command.join(' ')}", but the CLI has no command "${sub}" (it has: ${[...all].join(', ')})`,
      );
    } else if (args.length > 0 || !bare.has(sub)) {
      problems.push(
        `service "${name}" runs "ipmi-monitor ${command.join(' ')}": a service is a command without arguments, as scripts/services.sh runs it`,
      );
    }
  }
  const missing = expected.filter((c) => !commands.includes(c));
  const extra = commands.filter((c) => !expected.includes(c));
  if (missing.length > 0) {
    problems.push(
      `the local stack runs ${missing.join(', ')} (scripts/services.sh SERVICES, plus projections), but no compose service does`,
    );
  }
  if (extra.length > 0) {
    problems.push(`compose runs ${extra.join(', ')}, which the local stack does not run`);
  }
  const unmapped = expected.filter((c) => !(c in SERVICE_CONFIG));
  if (unmapped.length > 0) {
    problems.push(`SERVICE_CONFIG in this test lacks ${unmapped.join(', ')}: list its specs`);
  }
  fail(problems);
});

test('compose sets only variables each service reads, and every one it needs', () => {
  const problems: string[] = [];
  for (const [name, s] of ours()) {
    const command = (Array.isArray(s.command) ? s.command[0] : s.command?.split(/\s+/)[0]) ?? '';
    const vars = varsOf(command);
    if (vars.size === 0) continue; // reported by the first test
    const env = envOf(s);
    const set = (key: string) => (env[key] ?? '') !== '';
    for (const key of Object.keys(env)) {
      if (!vars.has(key)) {
        problems.push(
          `service "${name}" sets ${key}, which ipmi-monitor ${command} does not read (${closest(key, [...vars.keys()])})`,
        );
      }
    }
    for (const [key, v] of vars) {
      if (v.default === undefined && !set(key)) {
        problems.push(
          `service "${name}" does not set ${key}, which ipmi-monitor ${command} requires`,
        );
      }
      const unused = UNUSED_DEFAULTS[command]?.[key];
      if (checkoutOnly(v.default) && !(unused && (!unused.whileSet || set(unused.whileSet)))) {
        if (!set(key)) {
          const or = unused?.whileSet ? ` (nor ${unused.whileSet}, which makes it unused)` : '';
          problems.push(
            `service "${name}" does not set ${key}${or}: its default (${String(v.default)}) only works in a checkout, not in a container`,
          );
        } else if (checkoutOnly(env[key])) {
          problems.push(
            `service "${name}" sets ${key}=${env[key]}: loopback or checkout-relative, unreachable or unwritable in a container`,
          );
        }
      }
    }
    const secrets = secretNames(s);
    const volumes = volumeTargets(s);
    for (const [key, value] of Object.entries(env)) {
      const secret = /^\/run\/secrets\/([^/]+)$/.exec(value)?.[1];
      if (secret !== undefined && !secrets.has(secret)) {
        problems.push(
          `service "${name}" sets ${key}=${value}, but secret "${secret}" is not mounted`,
        );
      }
      // State lives under /var/lib (the Dockerfile creates those directories for uid 1000);
      // outside a volume it would vanish with the container.
      if (value.startsWith('/var/lib/')) {
        const dir = key.endsWith('_FILE') ? posix.dirname(value) : value;
        if (!volumes.some((t) => dir === t || dir.startsWith(`${t}/`))) {
          problems.push(
            `service "${name}" sets ${key}=${value}, which is on no volume (volumes: ${volumes.join(', ') || 'none'})`,
          );
        }
      } else if (key.endsWith('_DIR') && value !== '' && !isAbsolute(value)) {
        problems.push(
          `service "${name}" sets ${key}=${value}: relative to /app, which is read-only`,
        );
      }
    }
  }
  fail(problems);
});

test('healthchecks, Prometheus, published ports and clients use the HTTP_PORT compose sets', () => {
  const all = services();
  const problems: string[] = [];
  const port = new Map<string, number>();
  for (const [name, s] of ours()) {
    const env = envOf(s);
    if (!env.HTTP_PORT) {
      problems.push(`service "${name}" does not set HTTP_PORT, which its healthcheck probes`);
      continue;
    }
    const p = Number(env.HTTP_PORT);
    port.set(name, p);
    const probe = [s.healthcheck?.test ?? []].flat().join(' ');
    const literal = /\/\/(?:127\.0\.0\.1|localhost):(\d+)\/health\b/.exec(probe)?.[1];
    if (s.healthcheck?.disable || !probe.includes('/health')) {
      problems.push(`service "${name}" has no healthcheck probing /health`);
    } else if (
      literal !== undefined ? Number(literal) !== p : !probe.includes('process.env.HTTP_PORT')
    ) {
      problems.push(
        `service "${name}" listens on HTTP_PORT=${p}, but its healthcheck probes ${literal ?? 'another port'}`,
      );
    }
    for (const published of s.ports ?? []) {
      const target = containerPort(published);
      if (target !== p) {
        problems.push(
          `service "${name}" publishes container port ${target}, but listens on HTTP_PORT=${p}`,
        );
      }
    }
  }

  // Clients on the compose network: a URL naming one of our services must use its port.
  for (const [name, s] of ours()) {
    for (const [key, value] of Object.entries(envOf(s))) {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        continue;
      }
      const target = port.get(url.hostname);
      if (target !== undefined && Number(url.port || 80) !== target) {
        problems.push(
          `service "${name}" sets ${key}=${value}, but "${url.hostname}" listens on HTTP_PORT=${target}`,
        );
      }
    }
  }

  // Prometheus' config is a template its entrypoint renders with sed from its environment.
  // `config` prints the shell's $VAR escaped as $$VAR, as it appears in the compose file.
  const prometheus = all.prometheus;
  assert.ok(prometheus, 'compose has no prometheus service');
  const script = [prometheus.command ?? []].flat().join(' ');
  const promEnv = envOf(prometheus);
  let config = readFileSync(join(here, 'prometheus', 'prometheus.yml'), 'utf8');
  for (const [, placeholder, variable] of script.matchAll(/s\/(__[A-Z_]+__)\/\$\$?([A-Z_]+)\/g/g)) {
    if (!placeholder || !variable) continue;
    config = config.replaceAll(placeholder, promEnv[variable] ?? `<${variable} unset>`);
  }
  const left = /__[A-Z_]+__/.exec(config);
  if (left)
    problems.push(`prometheus.yml has ${left[0]}, which the prometheus entrypoint never renders`);
  const scrape = (parse(config) as { scrape_configs?: ScrapeConfig[] }).scrape_configs ?? [];
  const jobsOf = new Map<string, { job: ScrapeConfig; port: number }[]>();
  for (const job of scrape) {
    const targets = [
      ...(job.static_configs ?? []).flatMap((c) => c.targets ?? []),
      ...(job.dns_sd_configs ?? []).flatMap((c) => (c.names ?? []).map((n) => `${n}:${c.port}`)),
    ];
    for (const t of targets) {
      const [host = '', p = ''] = t.split(':');
      if (host === 'localhost') continue;
      if (!(host in all)) {
        problems.push(
          `prometheus job "${job.job_name}" scrapes ${t}, but compose has no service "${host}"`,
        );
      }
      jobsOf.set(host, [...(jobsOf.get(host) ?? []), { job, port: Number(p) }]);
    }
  }
  for (const [name, s] of ours()) {
    const jobs = jobsOf.get(name) ?? [];
    if (name in WITHOUT_METRICS) {
      if (jobs.length > 0) {
        problems.push(
          `prometheus scrapes "${name}", which serves no /metrics: ${WITHOUT_METRICS[name]}`,
        );
      }
      continue;
    }
    if (jobs.length !== 1) {
      problems.push(
        `prometheus scrapes "${name}" in ${jobs.length} jobs; /metrics wants exactly one`,
      );
      continue;
    }
    const [{ job, port: scraped }] = jobs as [{ job: ScrapeConfig; port: number }];
    if (scraped !== port.get(name)) {
      problems.push(
        `prometheus job "${job.job_name}" scrapes ${name}:${scraped}, but "${name}" listens on HTTP_PORT=${port.get(name)}`,
      );
    }
    // The API's /metrics wants a bearer token unless IPMI_API_METRICS_AUTH is off: Prometheus
    // must present the file the API reads its scrape token from.
    const vars = varsOf(name);
    if (vars.has('IPMI_API_METRICS_AUTH')) {
      const env = envOf(s);
      if (/^(0|false|no|off)$/i.test(env.IPMI_API_METRICS_AUTH ?? '')) continue;
      const file = job.authorization?.credentials_file;
      const secret = /^\/run\/secrets\/([^/]+)$/.exec(file ?? '')?.[1];
      if (secret === undefined) {
        problems.push(
          `prometheus job "${job.job_name}" sends no token from a secret, but "${name}" requires one on /metrics`,
        );
      } else if (!secretNames(prometheus).has(secret) || !secretNames(s).has(secret)) {
        problems.push(`secret "${secret}" must be mounted in both prometheus and "${name}"`);
      } else if (env.IPMI_API_METRICS_TOKEN_FILE !== file) {
        problems.push(
          `"${name}" reads its scrape token from IPMI_API_METRICS_TOKEN_FILE=${env.IPMI_API_METRICS_TOKEN_FILE ?? '(unset)'}, but prometheus sends ${file}`,
        );
      }
    }
  }
  fail(problems);
});
