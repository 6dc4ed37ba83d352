/**
 * Avro events per second through the Kafka seam (typed produce + consume, Confluent
 * framing, registry ids), beside Kafka's own ProducerPerformance from the same jars in the
 * same run: the ratio is the figure, because absolute rates on a shared 2-core machine
 * swing from run to run. Also measures the cold start and memory of the local stack.
 *
 *   npm run bench:seam                    # against the running stack (npm start)
 *   npm run bench:seam -- --events 20000 --runs 3 --cold-start
 *
 * Prints figures; asserts nothing.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { sampleEvents } from '@ipmi-monitor/schemas';
import { connectSeam, type Seam } from '@ipmi-monitor/runtime';
import { stackEnv, testPrefix } from '@ipmi-monitor/runtime/testing';

const run = promisify(execFile);
const repo = new URL('../', import.meta.url).pathname;
const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '3' },
    partitions: { type: 'string', default: '6' },
    batch: { type: 'string', default: '500' },
    'cold-start': { type: 'boolean', default: false },
  },
});
const N = Number(args.events);
const RUNS = Number(args.runs);
const BATCH = Number(args.batch);
const PARTS = Number(args.partitions);
const env = stackEnv();
const logger = pino({ level: 'warn' });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function readingsTopicWith(partitions: number) {
  return {
    'ipmi.readings.v1': {
      records: ['SensorReadingRecorded'],
      partitions,
      cleanupPolicy: 'delete' as const,
      retentionMs: 3_600_000,
    },
  };
}

/** Produce N readings in batches, then consume them all with one consumer. */
async function seamRun(
  partitions: number,
): Promise<{ produce: number; endToEnd: number; bytes: number }> {
  const seam: Seam = await connectSeam({
    brokers: env.brokers,
    registryUrl: env.registryUrl,
    clientId: 'bench',
    logger,
    topicPrefix: `bench-${testPrefix()}`,
    topics: readingsTopicWith(partitions),
  });
  const topic = 'ipmi.readings.v1';
  await seam.ensureTopics([topic]);
  const producer = await seam.producer();
  const base = sampleEvents.SensorReadingRecorded;
  const events = Array.from({ length: N }, (_, i) => ({
    type: 'SensorReadingRecorded',
    value: { ...base, eventId: `bench-${i}`, serverId: `srv-${i % 50}`, value: i % 100 },
  }));
  // Warm the registry id cache so the figure is steady-state throughput.
  await producer.sendRaw(topic, events.slice(0, 1));
  let bytes = 0;
  const t0 = performance.now();
  for (let i = 1; i < N; i += BATCH) await producer.sendRaw(topic, events.slice(i, i + BATCH));
  const t1 = performance.now();
  let seen = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => (done = r));
  const consumer = await seam.consumeRaw({ groupId: 'bench', topics: [topic] }, (m) => {
    bytes += m.raw?.length ?? 0;
    if (++seen >= N) done();
    return Promise.resolve();
  });
  await finished;
  const t2 = performance.now();
  await consumer.stop();
  await producer.close();
  await seam.deleteTopics([topic]);
  await seam.close();
  return {
    produce: (N - 1) / ((t1 - t0) / 1000),
    // Produce + consume of the same events, wall clock from the first send.
    endToEnd: N / ((t2 - t0) / 1000),
    bytes: bytes / N,
  };
}

function kafkaLibs(): string {
  const pom = readFileSync(join(repo, 'infra/local/kafka-pom.xml'), 'utf8');
  const version = /<kafka.version>([^<]+)</.exec(pom)?.[1];
  const cache = process.env.IPMI_CACHE_DIR ?? join(homedir(), '.cache/ipmi-monitor');
  return join(cache, `kafka-${version}`, 'libs');
}

/** Kafka's own producer benchmark, same broker, same durability (acks=all, idempotent). */
async function producerPerformance(recordSize: number, partitions: number): Promise<number> {
  const seam = await connectSeam({
    brokers: env.brokers,
    registryUrl: env.registryUrl,
    clientId: 'bench-pp',
    logger,
    topicPrefix: `bench-${testPrefix()}`,
    topics: readingsTopicWith(partitions),
  });
  await seam.ensureTopics(['ipmi.readings.v1']);
  const topic = seam.physical('ipmi.readings.v1');
  const { stdout } = await run(
    'java',
    [
      '-Xmx256m',
      '-cp',
      `${kafkaLibs()}/*`,
      'org.apache.kafka.tools.ProducerPerformance',
      '--topic',
      topic,
      '--num-records',
      String(N),
      '--record-size',
      String(Math.round(recordSize)),
      '--throughput',
      '-1',
      '--producer-props',
      `bootstrap.servers=${env.brokers.join(',')}`,
      'acks=all',
      'enable.idempotence=true',
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  await seam.deleteTopics(['ipmi.readings.v1']);
  await seam.close();
  // Last line: "N records sent, X records/sec (Y MB/sec), ..."
  const m = /([\d.]+) records\/sec/.exec(stdout.trim().split('\n').pop() ?? '');
  if (!m?.[1]) throw new Error(`unexpected ProducerPerformance output: ${stdout.slice(-300)}`);
  return Number(m[1]);
}

function coldStart(): void {
  const home = mkdtempSync(join(tmpdir(), 'ipmi-bench-stack-'));
  const envs = {
    ...process.env,
    IPMI_STACK_HOME: home,
    KAFKA_PORT: '29092',
    KAFKA_CONTROLLER_PORT: '29093',
    REGISTRY_PORT: '28081',
  };
  const t0 = performance.now();
  const start = spawnSync('bash', [join(repo, 'infra/local/stack.sh'), 'start'], {
    env: envs,
    encoding: 'utf8',
  });
  const secs = (performance.now() - t0) / 1000;
  const status = spawnSync('bash', [join(repo, 'infra/local/stack.sh'), 'status'], {
    env: envs,
    encoding: 'utf8',
  });
  spawnSync('bash', [join(repo, 'infra/local/stack.sh'), 'stop'], { env: envs });
  rmSync(home, { recursive: true, force: true });
  if (start.status !== 0) throw new Error(`stack start failed: ${start.stdout}${start.stderr}`);
  console.log(
    `\ncold start of the local stack (fresh state dir, jars cached): ${secs.toFixed(1)} s`,
  );
  console.log(
    status.stdout
      .trim()
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n'),
  );
}

console.log(
  `seam throughput: ${fmt(N)} SensorReadingRecorded events per run, ${RUNS} runs, batches of ${BATCH}`,
);
for (const partitions of [1, PARTS]) {
  const seamRuns: { produce: number; endToEnd: number; bytes: number }[] = [];
  const ppRuns: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const s = await seamRun(partitions);
    seamRuns.push(s);
    ppRuns.push(await producerPerformance(s.bytes, partitions));
  }
  const produce = median(seamRuns.map((s) => s.produce));
  const e2e = median(seamRuns.map((s) => s.endToEnd));
  const pp = median(ppRuns);
  const bytes = median(seamRuns.map((s) => s.bytes));
  console.log(`\n${partitions} partition(s), ~${Math.round(bytes)} B per framed event:`);
  console.log(
    `  seam produce          ${fmt(produce)} events/s  (runs: ${seamRuns.map((s) => fmt(s.produce)).join(', ')})`,
  );
  console.log(
    `  seam produce+consume  ${fmt(e2e)} events/s  (runs: ${seamRuns.map((s) => fmt(s.endToEnd)).join(', ')})`,
  );
  console.log(
    `  Kafka ProducerPerformance (same size, acks=all, idempotent)  ${fmt(pp)} records/s  (runs: ${ppRuns.map(fmt).join(', ')})`,
  );
  console.log(`  ratio seam produce / ProducerPerformance = ${(produce / pp).toFixed(3)}`);
  console.log(`  ratio seam produce+consume / ProducerPerformance = ${(e2e / pp).toFixed(3)}`);
}
if (args['cold-start']) coldStart();
