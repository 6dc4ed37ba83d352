/**
 * Prints every alert event of an IPMI Monitor installation as one line on stdout.
 *
 * Written as an integrator would write it: only kafkajs and
 * @kafkajs/confluent-schema-registry, none of IPMI Monitor's own packages. See README.md.
 */
import { Kafka, logLevel } from 'kafkajs';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';

const env = process.env;
const brokers = (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim());
const registryUrl = env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7';
// IPMI Monitor prepends IPMI_TOPIC_PREFIX to every topic name; the default install uses none.
const topic = `${env.IPMI_TOPIC_PREFIX ?? ''}ipmi.alerts.v1`;
const groupId = env.ALERT_CONSUMER_GROUP ?? 'ipmi-alert-consumer-example';
const fromBeginning =
  process.argv.includes('--from-beginning') ||
  /^(1|true|yes|on)$/i.test(env.ALERT_CONSUMER_FROM_BEGINNING ?? '');

const kafka = new Kafka({
  clientId: 'ipmi-alert-consumer-example',
  brokers,
  logLevel: logLevel.WARN,
  // kafkajs logs to stdout by default, which would mix with the alert lines.
  logCreator:
    () =>
    ({ log }) =>
      process.stderr.write(`kafkajs: ${log.message}\n`),
});
const registry = new SchemaRegistry({ host: registryUrl });

// The collector and the stream processors write in Kafka transactions: read_committed keeps
// records of aborted transactions out (kafkajs' default, spelled out because it matters).
const consumer = kafka.consumer({ groupId, readUncommitted: false });

interface Alert {
  serverId: string;
  alertId: string;
  revision: number;
  occurredAt: number;
  severity: string;
  summary: string;
  resolutionReason?: string;
}

const LIFECYCLE: Record<string, string> = {
  'io.ipmimonitor.v1.AlertRaised': 'raised',
  'io.ipmimonitor.v1.AlertUpdated': 'updated',
  'io.ipmimonitor.v1.AlertResolved': 'resolved',
};

/** Full name of the writer schema: the topic carries several record types, told apart by it. */
async function recordName(value: Buffer): Promise<string | undefined> {
  // Confluent framing: magic byte 0, then the 4-byte big-endian schema id, then Avro.
  if (value.length < 5 || value.readUInt8(0) !== 0) return undefined;
  const schema = (await registry.getSchema(value.readUInt32BE(1))) as { name?: string };
  return schema.name;
}

function line(kind: string, a: Alert): string {
  const reason = a.resolutionReason ? ` (${a.resolutionReason})` : '';
  const at = new Date(a.occurredAt).toISOString();
  return `${at} ${kind.padEnd(8)} server=${a.serverId} severity=${a.severity} ${a.summary}${reason} [${a.alertId} r${a.revision}]`;
}

async function main(): Promise<void> {
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning });
  await consumer.run({
    eachMessage: async ({ message, partition }) => {
      if (!message.value) return;
      const name = await recordName(message.value);
      const kind = name === undefined ? undefined : LIFECYCLE[name];
      if (kind === undefined) {
        // A record type added after this consumer was written: skip it rather than stop.
        process.stderr.write(`skipped ${name ?? 'unframed'} at ${partition}/${message.offset}\n`);
        return;
      }
      // Decoded with the writer's schema: an enum symbol newer than this code shows up as
      // its own string, which is fine for printing.
      const alert = (await registry.decode(message.value)) as Alert;
      process.stdout.write(`${line(kind, alert)}\n`);
    },
  });
  running = true;
  process.stderr.write(`consuming ${topic} as group ${groupId} from ${brokers.join(',')}\n`);
}

let running = false;
let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  // Not in the group yet (kafkajs may still be retrying an unreachable broker): nothing to leave.
  if (!running) process.exit(0);
  process.stderr.write(`${signal}: leaving the group\n`);
  // Force the exit if the broker does not answer the leave request in time.
  setTimeout(() => process.exit(1), 10_000).unref();
  await consumer.disconnect();
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stop(signal).catch((err: unknown) => {
      process.stderr.write(`disconnect failed: ${String(err)}\n`);
      process.exitCode = 1;
    });
  });
}

main().catch(async (err: unknown) => {
  if (stopping) return;
  process.stderr.write(`alert-consumer: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
  await consumer.disconnect().catch(() => undefined);
});
