import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { isCodedError } from '@ipmi-monitor/runtime';
import type { SilenceEvent } from '@ipmi-monitor/streams';

export interface CommandIo {
  version: string;
  stdin: AsyncIterable<Buffer | string>;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const USAGE = `usage: ipmi-monitor <command> [options]

commands:
  parse <format>     read one IPMI tool's output on stdin, print one JSON object per record
  probe <host[:port]> --user U (--password-file F | --password-stdin)
                     [--driver freeipmi|ipmitool] [--cipher N] [--privilege USER|OPERATOR|ADMIN]
                     [--workaround FLAG]... [--timeout-ms N]
                     check one BMC step by step and say what worked and what failed
  import <servers.yaml|servers.csv> [--dry-run]
                     add or change servers in bulk: passwords go to the encrypted store,
                     each new or changed server becomes a ServerConfigured event
  tail [topic]... [--from-beginning] [--max N] [--server ID]
                     print the events of topics (default: readings, sel, polls) as JSON lines
  collector          run the collector: poll every configured BMC and publish to Kafka
                     (configured by environment variables: docs/configuration.md)
  silence add --server ID [--server ID]... (--for 2h | --until ISO) --comment TEXT
             [--component-type SENSOR|SEL|BMC|POWER|...] [--component ID] [--condition C]
             [--starts ISO] [--by NAME]
  silence list [--server ID]
  silence lift ID [--by NAME]
                     silence alerts for maintenance: they keep their lifecycle, carry
                     silencedBy, and are not notified; a silence ends by itself
  streams            run a stream processor: alerts from readings, SEL and polls, exactly
                     once; run several to share the partitions
  projections        write the log into the database (TimescaleDB): exactly once, with
                     retention and, on the embedded database, the policy job runner
  projections rebuild <name>... | --all
                     empty projections (readings, sel, polls, inventory, servers, alerts,
                     insights, silences) and replay their topics from the start of the log,
                     with progress and ETA; stop the projections service first
  api                run the results API (REST under /api/v1, docs at /api/v1/docs, /metrics);
                     with the embedded database it also runs the projections (one process
                     owns the database); the first start writes an admin password file
  web                run the web UI (the SvelteKit build; its only data source is the API at
                     API_URL); build it first: npm run build -w @ipmi-monitor/web
  migrate            apply pending database migrations and the configured retention, then exit
  --version          print the version
  help               this text
`;

async function readAll(stdin: AsyncIterable<Buffer | string>): Promise<string> {
  const chunks: string[] = [];
  for await (const c of stdin) chunks.push(typeof c === 'string' ? c : c.toString('utf8'));
  return chunks.join('');
}

/** Runs one command; returns the process exit code. Errors print as `CODE: message`. */
export async function runCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case '--version':
      case 'version':
        io.stdout(`${io.version}\n`);
        return 0;
      case undefined:
      case 'help':
      case '--help':
        io.stdout(USAGE);
        return command === undefined ? 2 : 0;
      case 'parse': {
        const { PARSE_USAGE, runParseCommand } = await import('@ipmi-monitor/ipmi');
        const format = rest[0];
        if (!format) {
          io.stderr(`${PARSE_USAGE}\n`);
          return 2;
        }
        const out = runParseCommand(format, await readAll(io.stdin), {
          onIssue: (m) => io.stderr(`warning: ${m}\n`),
        });
        io.stdout(out);
        return 0;
      }
      case 'probe':
        return await probeCommand(rest, io);
      case 'import':
        return await importCommand(rest, io);
      case 'tail':
        return await tailCommand(rest, io);
      case 'collector': {
        const { runCollectorProcess } = await import('@ipmi-monitor/collector');
        const { stopped } = await runCollectorProcess();
        await stopped;
        // A service ends when its graceful stop is done, even if a client library still
        // holds a timer (a retry towards a broker that went away).
        return process.exit(0);
      }
      case 'silence':
        return await silenceCommand(rest, io);
      case 'streams': {
        const { runStreamsProcess } = await import('@ipmi-monitor/streams');
        const { stopped } = await runStreamsProcess();
        return process.exit(await stopped);
      }
      case 'projections': {
        const prj = await import('@ipmi-monitor/projections');
        if (rest[0] === 'rebuild') {
          await prj.runRebuild(rest.slice(1), (line) => io.stdout(`${line}\n`));
          return process.exit(0);
        }
        if (rest.length > 0) {
          io.stderr(`unknown projections subcommand "${rest[0]}"\n${USAGE}`);
          return 2;
        }
        const { stopped } = await prj.runProjectionsProcess();
        return process.exit(await stopped);
      }
      case 'api': {
        const { runApiProcess } = await import('@ipmi-monitor/api');
        const { stopped } = await runApiProcess();
        return process.exit(await stopped);
      }
      case 'web': {
        const { runWebProcess } = await import('@ipmi-monitor/web');
        const { stopped } = await runWebProcess();
        return process.exit(await stopped);
      }
      case 'migrate': {
        const prj = await import('@ipmi-monitor/projections');
        const applied = await prj.runMigrate();
        io.stdout(
          applied.length > 0 ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n',
        );
        return 0;
      }
      default:
        io.stderr(`unknown command "${command}"\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (isCodedError(err) || (err instanceof Error && 'code' in err)) {
      const e = err as Error & { code: string };
      io.stderr(`${e.code}: ${e.message}\n`);
      return 1;
    }
    throw err;
  }
}

/**
 * `probe`: the password comes from a file or stdin, never from argv, where every user of
 * the machine could read it in the process list.
 */
async function probeCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      user: { type: 'string' },
      'password-file': { type: 'string' },
      'password-stdin': { type: 'boolean', default: false },
      driver: { type: 'string', default: 'freeipmi' },
      cipher: { type: 'string' },
      privilege: { type: 'string' },
      workaround: { type: 'string', multiple: true, default: [] },
      'timeout-ms': { type: 'string', default: '5000' },
    },
  });
  const [address] = positionals;
  const driverKind = values.driver;
  if (!address || !values.user || (driverKind !== 'freeipmi' && driverKind !== 'ipmitool')) {
    io.stderr(`${USAGE}`);
    return 2;
  }
  const password = values['password-stdin']
    ? (await readAll(io.stdin)).replace(/\r?\n$/, '')
    : values['password-file']
      ? (await readFile(values['password-file'], 'utf8')).replace(/\r?\n$/, '')
      : null;
  if (password === null) {
    io.stderr('probe: give the password with --password-file FILE or --password-stdin\n');
    return 2;
  }
  const [host = address, port = '623'] = address.split(/:(?=\d+$)/);
  const privilege = values.privilege?.toUpperCase();
  const { createDriver, formatProbe, probe } = await import('@ipmi-monitor/collector');
  const result = await probe(
    {
      host,
      port: Number(port),
      username: values.user,
      password,
      cipherSuite: values.cipher === undefined ? undefined : Number(values.cipher),
      privilege:
        privilege === 'USER' || privilege === 'OPERATOR' || privilege === 'ADMIN'
          ? privilege
          : undefined,
      workaroundFlags: values.workaround,
      timeoutMs: Number(values['timeout-ms']),
      sdrCacheDir: join(tmpdir(), 'ipmi-monitor-probe-sdr'),
    },
    createDriver(driverKind),
  );
  io.stdout(`${formatProbe(result)}\n`);
  return result.ok ? 0 : 1;
}

async function importCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { 'dry-run': { type: 'boolean', default: false } },
  });
  const [file] = positionals;
  if (!file) {
    io.stderr(USAGE);
    return 2;
  }
  const runtime = await import('@ipmi-monitor/runtime');
  const collector = await import('@ipmi-monitor/collector');
  const common = runtime.parseConfig(runtime.commonConfig);
  const creds = runtime.parseConfig(collector.credentialsConfig);
  const logger = runtime.createLogger({ name: 'import', level: common.logLevel }, process.stderr);
  const keys = await collector.loadSecretKeys(creds, logger);
  const seam = await runtime.connectSeam({
    brokers: common.kafkaBrokers,
    registryUrl: common.registryUrl,
    clientId: 'ipmi-monitor-import',
    logger,
    topicPrefix: common.topicPrefix,
  });
  try {
    const report = await collector.importServers({
      file,
      seam,
      credentialsFile: collector.credentialsFilePath(creds),
      key: keys.key,
      previousKeys: keys.previous,
      logger,
      dryRun: values['dry-run'],
    });
    for (const i of report.issues) {
      io.stderr(`${file}:${i.line}${i.field ? ` (${i.field})` : ''}: ${i.message}\n`);
    }
    if (report.issues.length > 0) {
      io.stderr(
        `nothing imported: fix the ${report.issues.length} problem(s) above and run again\n`,
      );
      return 1;
    }
    const verb = values['dry-run'] ? 'would configure' : 'configured';
    for (const e of report.published) io.stdout(`${verb} ${e.serverId} (revision ${e.revision})\n`);
    io.stdout(`${report.published.length} ${verb}, ${report.unchanged.length} unchanged\n`);
    return 0;
  } finally {
    await seam.close();
  }
}

/**
 * `tail`: what is on the topics, decoded, one JSON object per line: the quickest way to see
 * the collector working without the UI. A throw-away consumer group, so it never moves
 * another consumer's offsets.
 */
async function tailCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      'from-beginning': { type: 'boolean', default: false },
      max: { type: 'string' },
      server: { type: 'string' },
    },
  });
  const runtime = await import('@ipmi-monitor/runtime');
  const { topics } = await import('@ipmi-monitor/schemas');
  const names = positionals.length > 0 ? positionals : ['readings', 'sel', 'polls'];
  const full = names.map((n) => (n.startsWith('ipmi.') ? n : `ipmi.${n}.v1`));
  const unknown = full.filter((t) => !(t in topics));
  if (unknown.length > 0) {
    io.stderr(
      `unknown topic(s): ${unknown.join(', ')}; known: ${Object.keys(topics).join(', ')}\n`,
    );
    return 2;
  }
  const max = values.max === undefined ? Infinity : Number(values.max);
  const common = runtime.parseConfig(runtime.commonConfig);
  // stdout carries the events (JSON lines, for pipes and tests): logs go to stderr, or a
  // client's warning (e.g. a topic another process created first) would read as an event.
  const logger = runtime.createLogger({ name: 'tail', level: 'warn' }, process.stderr);
  const seam = await runtime.connectSeam({
    brokers: common.kafkaBrokers,
    registryUrl: common.registryUrl,
    clientId: 'ipmi-monitor-tail',
    logger,
    topicPrefix: common.topicPrefix,
  });
  // A consumer subscribed to a topic that does not exist yet would not see it appear for
  // minutes (metadata refresh); creating it first is what every service does anyway.
  await seam.ensureTopics(full);
  let printed = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((r) => (finish = r));
  const handle = await seam.consumeRaw(
    {
      groupId: `tail-${randomUUID()}`,
      topics: full,
      fromBeginning: values['from-beginning'],
      lagIntervalMs: 0,
    },
    (m) => {
      const value = m.event.value as { serverId?: string };
      if (printed < max && (values.server === undefined || value.serverId === values.server)) {
        io.stdout(`${JSON.stringify({ topic: m.topic, type: m.event.type, value })}\n`);
        printed += 1;
        if (printed >= max) finish();
      }
      return Promise.resolve();
    },
  );
  process.once('SIGINT', finish);
  process.once('SIGTERM', finish);
  await done;
  await handle.stop();
  await seam.close();
  return 0;
}

/**
 * `silence add|list|lift`: silences as events on ipmi.silences.v1 (one per server), which
 * the stream processors apply. The API offers the same through the silences model.
 */
async function silenceCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const [action, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      server: { type: 'string', multiple: true },
      for: { type: 'string' },
      until: { type: 'string' },
      starts: { type: 'string' },
      comment: { type: 'string' },
      by: { type: 'string' },
      'component-type': { type: 'string' },
      component: { type: 'string' },
      condition: { type: 'string' },
    },
  });
  if (action !== 'add' && action !== 'list' && action !== 'lift') {
    io.stderr(`usage: ipmi-monitor silence add|list|lift ...\n${USAGE}`);
    return 2;
  }
  const runtime = await import('@ipmi-monitor/runtime');
  const streams = await import('@ipmi-monitor/streams');
  const { userInfo, hostname } = await import('node:os');
  const common = runtime.parseConfig(runtime.commonConfig);
  const logger = runtime.createLogger({ name: 'silence', level: 'warn' }, process.stderr);
  const now = Date.now();
  const by = values.by ?? userInfo().username;
  const source = `cli@${hostname()}`;
  const time = (name: string, text: string) => {
    const t = Date.parse(text);
    if (Number.isNaN(t)) {
      throw streams.streamsErrors.error('STR_SILENCE_INVALID', `--${name} "${text}" is not a date`);
    }
    return t;
  };
  // Validate before connecting: a typo must not wait on the broker.
  let request: Parameters<typeof streams.silenceEvents>[0] | null = null;
  if (action === 'add') {
    const startsAt = values.starts === undefined ? now : time('starts', values.starts);
    if ((values.for === undefined) === (values.until === undefined)) {
      throw streams.streamsErrors.error('STR_SILENCE_INVALID', 'give one of --for or --until');
    }
    const endsAt =
      values.until !== undefined
        ? time('until', values.until)
        : startsAt + streams.parseDuration(values.for ?? '');
    const type = values['component-type'] ?? null;
    const types = ['SENSOR', 'SEL', 'BMC', 'POWER', 'INVENTORY', 'SERVER'] as const;
    if (type !== null && !types.includes(type as (typeof types)[number])) {
      throw streams.streamsErrors.error(
        'STR_SILENCE_INVALID',
        `--component-type must be one of ${types.join(', ')}`,
      );
    }
    request = {
      serverIds: values.server ?? [],
      componentType: type as (typeof types)[number] | null,
      component: values.component ?? null,
      condition: values.condition ?? null,
      startsAt,
      endsAt,
      createdBy: by,
      comment: values.comment ?? '',
    };
    streams.silenceEvents(request, { now, source });
  }
  const seam = await runtime.connectSeam({
    brokers: common.kafkaBrokers,
    registryUrl: common.registryUrl,
    clientId: 'ipmi-monitor-silence',
    logger,
    topicPrefix: common.topicPrefix,
  });
  try {
    await seam.ensureTopics(['ipmi.silences.v1']);
    if (request !== null) {
      const { silenceId, events } = streams.silenceEvents(request, { now, source });
      const producer = await seam.producer();
      await producer.send('ipmi.silences.v1', events);
      io.stdout(
        `${silenceId} silences ${events.length} server(s) until ${new Date(request.endsAt).toISOString()}\n`,
      );
      return 0;
    }
    const log = await seam.readAll('ipmi.silences.v1');
    const inForce = streams.silencesInForce(
      log.map((m) => m.event as SilenceEvent),
      now,
    );
    if (action === 'list') {
      for (const s of inForce) {
        if (values.server && !values.server.some((id) => s.serverIds.includes(id))) continue;
        io.stdout(`${JSON.stringify(s)}\n`);
      }
      return 0;
    }
    const id = positionals[0];
    const found = inForce.find((s) => s.silenceId === id);
    if (!id || !found) {
      throw streams.streamsErrors.error(
        'STR_SILENCE_UNKNOWN',
        `no silence in force with id "${id ?? ''}"`,
      );
    }
    const producer = await seam.producer();
    await producer.send(
      'ipmi.silences.v1',
      streams.liftEvents(found.silenceId, found.serverIds, { now, source, by }),
    );
    io.stdout(`${found.silenceId} lifted on ${found.serverIds.length} server(s)\n`);
    return 0;
  } finally {
    await seam.close();
  }
}
