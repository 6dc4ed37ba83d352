import avro from 'avsc';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Logger } from 'pino';
import { runtimeErrors } from '../errors.js';

/**
 * Avro in the Confluent wire format: byte 0 is the magic 0, bytes 1-4 the registry's
 * schema id (big-endian), then the Avro binary body. Any Confluent-compatible consumer
 * (Java, Python, Go, Kafka Connect) can read what we write.
 *
 * Writers register their record's schema under the subject
 * `<topic>-<namespace>.<Record>` (TopicRecordNameStrategy: our topics carry several
 * record types). Readers decode with the writer's schema (fetched by id, cached) resolved
 * against their own reader schema of the same name, so a v1 reader reads v2 records and
 * the other way round, as BACKWARD compatibility promises.
 */

export interface DecodedRecord {
  schemaId: number;
  /** Short record name, e.g. "SensorReadingRecorded". */
  recordName: string;
  value: unknown;
}

const MAGIC = 0;

type Resolver = ReturnType<avro.Type['createResolver']>;

export function frame(schemaId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(MAGIC, 0);
  header.writeUInt32BE(schemaId, 1);
  return Buffer.concat([header, body]);
}

/** Parses the 5-byte header; throws RT_DECODE_FAILED for anything that is not framed Avro. */
export function readFrame(buf: Buffer | null): { schemaId: number; body: Buffer } {
  if (buf === null) throw runtimeErrors.error('RT_DECODE_FAILED', 'message has no value');
  if (buf.length < 5 || buf.readUInt8(0) !== MAGIC) {
    throw runtimeErrors.error(
      'RT_DECODE_FAILED',
      `not Confluent-framed Avro (length ${buf.length}, first byte ${buf.length > 0 ? buf.readUInt8(0) : 'none'})`,
    );
  }
  return { schemaId: buf.readUInt32BE(1), body: buf.subarray(5) };
}

/**
 * avsc decodes records into instances of generated classes; handlers and tests expect
 * plain data (deep equality, spreading, JSON), so records are copied into plain objects.
 */
function toPlain(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Buffer.isBuffer(v)) return v;
  if (Array.isArray(v)) return v.map(toPlain);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = toPlain(x);
  return out;
}

function shortName(fullName: string): string {
  const i = fullName.lastIndexOf('.');
  return i < 0 ? fullName : fullName.slice(i + 1);
}

interface HttpFailure {
  status?: number;
  errorCode?: number;
}

export class SchemaCodec {
  private readonly registry: SchemaRegistry;
  /** Reader/writer types of our own schemas, by short record name. */
  private readonly localTypes = new Map<string, avro.Type>();
  /** The schema JSON as written in schemas/avro: what we register (see doRegister). */
  private readonly sources = new Map<string, object>();
  private readonly idBySubject = new Map<string, Promise<number>>();
  private readonly writerById = new Map<number, Promise<avro.Type>>();
  private readonly resolvers = new Map<string, Resolver>();

  constructor(
    private readonly url: string,
    schemas: Readonly<Record<string, object>>,
    private readonly logger: Logger,
  ) {
    this.registry = new SchemaRegistry({ host: url, retry: { retries: 2 } });
    for (const [name, schema] of Object.entries(schemas)) {
      this.localTypes.set(name, avro.Type.forSchema(schema as avro.Schema));
      this.sources.set(name, schema);
    }
  }

  private localType(recordName: string): avro.Type {
    const t = this.localTypes.get(recordName);
    if (!t) {
      throw runtimeErrors.error('RT_UNKNOWN_RECORD_TYPE', `no local schema for ${recordName}`);
    }
    return t;
  }

  private async http(method: string, path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (cause) {
      throw runtimeErrors.error(
        'RT_REGISTRY_UNAVAILABLE',
        `schema registry at ${this.url} unreachable`,
        cause,
      );
    }
    const text = await res.text();
    const json: unknown = text.length > 0 ? JSON.parse(text) : null;
    if (!res.ok) {
      const err = Object.assign(
        new Error(`registry ${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`),
        { status: res.status, errorCode: (json as { error_code?: number } | null)?.error_code },
      ) as Error & HttpFailure;
      throw err;
    }
    return json;
  }

  /** Sets BACKWARD compatibility as the registry-wide default (idempotent). */
  async setGlobalCompatibility(level = 'BACKWARD'): Promise<void> {
    try {
      await this.http('PUT', '/config', { compatibility: level });
    } catch (err) {
      if ((err as { code?: string }).code === 'RT_REGISTRY_UNAVAILABLE') throw err;
      throw runtimeErrors.error('RT_REGISTRY_UNAVAILABLE', 'could not set compatibility', err);
    }
  }

  /**
   * Registers `recordName`'s local schema under `subject` (once per process) and pins the
   * subject's compatibility to BACKWARD. Returns the registry id. An incompatible schema
   * fails with RT_SCHEMA_INCOMPATIBLE (the registry answers 409).
   */
  register(subject: string, recordName: string): Promise<number> {
    let id = this.idBySubject.get(subject);
    if (!id) {
      id = this.doRegister(subject, recordName);
      this.idBySubject.set(subject, id);
      // A failed registration must be retried on the next send, not cached forever.
      id.catch(() => this.idBySubject.delete(subject));
    }
    return id;
  }

  private async doRegister(subject: string, recordName: string): Promise<number> {
    const type = this.localType(recordName);
    const path = `/subjects/${encodeURIComponent(subject)}/versions`;
    let res: { id: number };
    try {
      // Register the source JSON, not avsc's `type.schema()`: that drops field defaults,
      // docs, enum defaults and logical types, and without defaults the registry could not
      // judge (or a Java reader honour) BACKWARD evolution.
      const source = this.sources.get(recordName);
      res = (await this.http('POST', path, { schema: JSON.stringify(source) })) as {
        id: number;
      };
    } catch (err) {
      const status = (err as HttpFailure).status;
      if (status === 409) {
        throw runtimeErrors.error(
          'RT_SCHEMA_INCOMPATIBLE',
          `schema ${recordName} is not BACKWARD compatible with subject ${subject}`,
          err,
        );
      }
      throw err;
    }
    await this.http('PUT', `/config/${encodeURIComponent(subject)}`, {
      compatibility: 'BACKWARD',
    });
    this.writerById.set(res.id, Promise.resolve(type));
    this.logger.debug({ subject, schemaId: res.id }, 'schema registered');
    return res.id;
  }

  async encode(subject: string, recordName: string, value: unknown): Promise<Buffer> {
    const type = this.localType(recordName);
    const schemaId = await this.register(subject, recordName);
    let body: Buffer;
    try {
      body = type.toBuffer(value);
    } catch (cause) {
      // The value does not match its own schema: a programming error, never retriable.
      const paths: string[] = [];
      type.isValid(value, { errorHook: (p) => paths.push(p.join('.')) });
      throw runtimeErrors.error(
        'RT_HANDLER_FAILED',
        `value is not a valid ${recordName}: ${paths.join(', ') || String(cause)}`,
        cause,
      );
    }
    return frame(schemaId, body);
  }

  private writerType(schemaId: number): Promise<avro.Type> {
    let t = this.writerById.get(schemaId);
    if (!t) {
      t = this.registry.getSchema(schemaId).then(
        (s) => avro.Type.forSchema(s as unknown as avro.Schema),
        (err: unknown) => {
          const status = (err as HttpFailure).status;
          if (status === 404) {
            throw runtimeErrors.error(
              'RT_DECODE_FAILED',
              `schema id ${schemaId} is unknown to the registry`,
              err,
            );
          }
          throw runtimeErrors.error(
            'RT_REGISTRY_UNAVAILABLE',
            `could not fetch schema id ${schemaId}`,
            err,
          );
        },
      );
      this.writerById.set(schemaId, t);
      t.catch(() => this.writerById.delete(schemaId));
    }
    return t;
  }

  /**
   * Decodes a framed message with the local reader schema of the same record name.
   * Throws RT_DECODE_FAILED (poison: DLQ) or RT_REGISTRY_UNAVAILABLE (retriable).
   */
  async decode(buf: Buffer | null): Promise<DecodedRecord> {
    const { schemaId, body } = readFrame(buf);
    const writer = await this.writerType(schemaId);
    const recordName = shortName(writer.name ?? '');
    const reader = this.localType(recordName);
    const key = `${schemaId}:${recordName}`;
    let resolver = this.resolvers.get(key);
    if (!resolver) {
      try {
        resolver = reader.createResolver(writer);
      } catch (cause) {
        throw runtimeErrors.error(
          'RT_DECODE_FAILED',
          `writer schema ${schemaId} cannot be read as our ${recordName}`,
          cause,
        );
      }
      this.resolvers.set(key, resolver);
    }
    try {
      return { schemaId, recordName, value: toPlain(reader.fromBuffer(body, resolver)) };
    } catch (cause) {
      throw runtimeErrors.error(
        'RT_DECODE_FAILED',
        `body does not decode with schema ${schemaId}`,
        cause,
      );
    }
  }
}
