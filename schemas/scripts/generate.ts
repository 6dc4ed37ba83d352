/**
 * Generates `schemas/src/generated/types.ts` and `docs/events.md` from `schemas/avro/*.avsc`
 * and the topic map. Pure apart from reading the .avsc files: `gen.ts` writes or checks.
 *
 * Besides validating every schema with avsc, it enforces the house rules that keep the
 * contract evolvable and documented (see `lint`), so a schema that breaks them fails in CI
 * rather than at the registry or in a subscriber.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import avsc from 'avsc';
import type { AvroEnumSchema, AvroField, AvroRecordSchema, AvroSchema } from '../src/avro.js';
import { dlqTopicFor, NAMESPACE, subjectFor, topics, type TopicSpec } from '../src/topics.js';

/** Repository root (/work/main), from this file's location. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const avroDir = join(repoRoot, 'schemas', 'avro');
export const TYPES_PATH = 'schemas/src/generated/types.ts';
export const EVENTS_DOC_PATH = 'docs/events.md';

export interface GeneratedFile {
  /** Relative to the repository root, `/`-separated. */
  readonly path: string;
  readonly content: string;
}

export interface LoadedSchema {
  readonly file: string;
  readonly schema: AvroRecordSchema;
}

export class SchemaError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`schema check failed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SchemaError';
  }
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'string']);
const WIDTH = 100;

/** The fields every event starts with, in this order, with these types. */
const COMMON_FIELDS: readonly { name: string; type: string }[] = [
  { name: 'eventId', type: '"string"' },
  { name: 'serverId', type: '"string"' },
  { name: 'occurredAt', type: '{"type":"long","logicalType":"timestamp-millis"}' },
  { name: 'observedAt', type: '{"type":"long","logicalType":"timestamp-millis"}' },
  { name: 'source', type: '"string"' },
];

// ---------------------------------------------------------------------------------------------
// Loading and linting

export function loadSchemas(dir: string = avroDir): LoadedSchema[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.avsc'))
    .sort();
  const problems: string[] = [];
  const loaded: LoadedSchema[] = [];
  for (const file of files) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    } catch (err) {
      problems.push(`${file}: not valid JSON: ${(err as Error).message}`);
      continue;
    }
    try {
      // Each file on its own registry: shared named types are defined in every file that
      // uses them (registry subjects hold self-contained schemas, no references).
      avsc.Type.forSchema(parsed as avsc.Schema, { registry: {} });
    } catch (err) {
      problems.push(`${file}: avsc rejects it: ${(err as Error).message}`);
      continue;
    }
    loaded.push({ file, schema: parsed as AvroRecordSchema });
  }
  if (problems.length > 0) throw new SchemaError(problems);
  return loaded;
}

interface NamedDef {
  readonly kind: 'enum' | 'record';
  readonly schema: AvroEnumSchema | AvroRecordSchema;
  readonly file: string;
  readonly canonical: string;
}

/** Walks a field type, calling `onNamed` for every named type definition (not references). */
function walkType(
  type: AvroSchema,
  onNamed: (def: AvroEnumSchema | AvroRecordSchema) => void,
): void {
  if (typeof type === 'string') return;
  if (Array.isArray(type)) {
    for (const branch of type) walkType(branch, onNamed);
    return;
  }
  switch (type.type) {
    case 'enum':
      onNamed(type);
      return;
    case 'record':
      onNamed(type);
      for (const field of type.fields) walkType(field.type, onNamed);
      return;
    case 'array':
      walkType(type.items, onNamed);
      return;
    case 'map':
      walkType(type.values, onNamed);
      return;
    default:
      return;
  }
}

/**
 * The house rules: every record/enum/field documented; unions only as `["null", T]` with
 * `"default": null`; every enum with a default symbol; the common event fields first; file
 * name = record name; one namespace; a named type shared between files identical everywhere
 * (TS gets one declaration for it); the topic map and the schema set agree.
 */
export function lint(
  loaded: readonly LoadedSchema[],
  topicMap: Readonly<Record<string, TopicSpec>> = topics,
): Map<string, NamedDef> {
  const problems: string[] = [];
  const named = new Map<string, NamedDef>();

  for (const { file, schema } of loaded) {
    const where = (path: string) => `${file}: ${path}`;
    if (schema.type !== 'record') {
      problems.push(`${file}: top level must be a record`);
      continue;
    }
    if (`${schema.name}.avsc` !== file) {
      problems.push(`${file}: record name ${schema.name} must match the file name`);
    }
    if (schema.name.includes('.')) problems.push(`${file}: use a simple name plus "namespace"`);
    if (schema.namespace !== NAMESPACE) {
      problems.push(`${file}: namespace must be ${NAMESPACE}, not ${String(schema.namespace)}`);
    }
    COMMON_FIELDS.forEach((expected, i) => {
      const actual = schema.fields[i];
      if (actual?.name !== expected.name || JSON.stringify(actual.type) !== expected.type) {
        problems.push(
          `${file}: field ${i + 1} must be ${expected.name}: ${expected.type} (common event fields first)`,
        );
      }
    });

    const checkDoc = (doc: unknown, path: string) => {
      if (typeof doc !== 'string' || doc.trim() === '') problems.push(where(`${path} has no doc`));
    };
    const checkFields = (fields: readonly AvroField[], prefix: string) => {
      const seen = new Set<string>();
      for (const field of fields) {
        const path = `${prefix}${field.name}`;
        if (seen.has(field.name)) problems.push(where(`duplicate field ${path}`));
        seen.add(field.name);
        checkDoc(field.doc, `field ${path}`);
        checkFieldType(field, path);
      }
    };
    const checkType = (type: AvroSchema, path: string): void => {
      if (typeof type === 'string') {
        if (type === 'bytes' || type === 'fixed') {
          problems.push(where(`${path}: bytes are not used in events; use a hex string`));
        }
        return;
      }
      if (Array.isArray(type)) {
        if (type.length !== 2 || type[0] !== 'null' || type[1] === 'null') {
          problems.push(where(`${path}: unions must be ["null", T]`));
        }
        for (const branch of type) {
          if (Array.isArray(branch)) problems.push(where(`${path}: nested union`));
          else checkType(branch, path);
        }
        return;
      }
      switch (type.type) {
        case 'record':
          checkDoc(type.doc, `record ${type.name}`);
          checkFields(type.fields, `${path}.`);
          return;
        case 'enum':
          checkDoc(type.doc, `enum ${type.name}`);
          if (typeof type.default !== 'string' || !type.symbols.includes(type.default)) {
            problems.push(
              where(`enum ${type.name} needs a "default" symbol so older readers can evolve`),
            );
          }
          return;
        case 'array':
          checkType(type.items, `${path}[]`);
          return;
        case 'map':
          checkType(type.values, `${path}{}`);
          return;
        default:
          if ((type.type as string) === 'fixed' || (type.type as string) === 'bytes') {
            problems.push(where(`${path}: bytes/fixed are not used in events; use a hex string`));
          }
      }
    };
    const checkFieldType = (field: AvroField, path: string) => {
      checkType(field.type, path);
      if (Array.isArray(field.type) && field.type[0] === 'null' && field.default !== null) {
        problems.push(where(`optional field ${path} must have "default": null`));
      }
    };

    checkDoc(schema.doc, `record ${schema.name}`);
    checkFields(schema.fields, '');

    for (const field of schema.fields) {
      walkType(field.type, (def) => {
        if (
          def.name.includes('.') ||
          (def.namespace !== undefined && def.namespace !== NAMESPACE)
        ) {
          problems.push(where(`named type ${def.name} must live in ${NAMESPACE}, by simple name`));
        }
        if (def.name === schema.name || loaded.some((l) => l.schema.name === def.name)) {
          problems.push(where(`named type ${def.name} collides with an event record name`));
        }
        const canonical = JSON.stringify(def);
        const prior = named.get(def.name);
        if (prior === undefined) {
          named.set(def.name, { kind: def.type, schema: def, file, canonical });
        } else if (prior.canonical !== canonical) {
          problems.push(
            `${file}: named type ${def.name} differs from its definition in ${prior.file}; shared types must be identical (docs included)`,
          );
        }
      });
    }
  }

  const schemaNames = new Set(loaded.map((l) => l.schema.name));
  const placed = new Map<string, string>();
  for (const [topic, spec] of Object.entries(topicMap)) {
    for (const record of spec.records) {
      if (!schemaNames.has(record)) problems.push(`topic ${topic}: no schema for record ${record}`);
      const other = placed.get(record);
      if (other !== undefined) problems.push(`record ${record} is on both ${other} and ${topic}`);
      placed.set(record, topic);
    }
  }
  for (const name of schemaNames) {
    if (!placed.has(name)) problems.push(`${name}.avsc: record is on no topic in src/topics.ts`);
  }

  if (problems.length > 0) throw new SchemaError(problems);
  return named;
}

// ---------------------------------------------------------------------------------------------
// TypeScript output

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

function jsdoc(text: string, indent: string): string {
  const safe = text.replace(/\*\//g, '*\\/');
  const oneLine = `${indent}/** ${safe} */`;
  if (oneLine.length <= WIDTH && !safe.includes('\n')) return `${oneLine}\n`;
  const body = wrap(safe, WIDTH - indent.length - 3).map((l) => `${indent} * ${l}`);
  return `${indent}/**\n${body.join('\n')}\n${indent} */\n`;
}

function tsType(type: AvroSchema): string {
  if (typeof type === 'string') {
    switch (type) {
      case 'null':
        return 'null';
      case 'boolean':
        return 'boolean';
      case 'int':
      case 'long':
      case 'float':
      case 'double':
        return 'number';
      case 'string':
        return 'string';
      default:
        return type.slice(type.lastIndexOf('.') + 1); // a named-type reference
    }
  }
  // ["null", T] reads better as `T | null`.
  if (Array.isArray(type)) {
    const branches = type.map(tsType);
    return [...branches.filter((b) => b !== 'null'), ...branches.filter((b) => b === 'null')].join(
      ' | ',
    );
  }
  switch (type.type) {
    case 'record':
    case 'enum':
      return type.name;
    case 'array': {
      const item = tsType(type.items);
      return item.includes('|') ? `(${item})[]` : `${item}[]`;
    }
    case 'map':
      return `Record<string, ${tsType(type.values)}>`;
    default:
      // A logical type: the TS type is that of the underlying primitive (timestamp-millis → number).
      return tsType(type.type);
  }
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** A string literal the way prettier prints it with `singleQuote: true`. */
function quote(s: string): string {
  const singles = (s.match(/'/g) ?? []).length;
  const doubles = (s.match(/"/g) ?? []).length;
  const q = singles > doubles ? '"' : "'";
  const escaped = s
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(new RegExp(q, 'g'), `\\${q}`);
  return `${q}${escaped}${q}`;
}

function emitEnum(def: AvroEnumSchema): string {
  const name = def.name;
  const literals = def.symbols.map(quote);
  let out = jsdoc(def.doc, '');
  const inline = `export type ${name} = ${literals.join(' | ')};`;
  const nextLine = `  ${literals.join(' | ')};`;
  out +=
    inline.length <= WIDTH
      ? `${inline}\n`
      : nextLine.length <= WIDTH
        ? `export type ${name} =\n${nextLine}\n`
        : `export type ${name} =\n${literals.map((l) => `  | ${l}`).join('\n')};\n`;
  const constName = `${lowerFirst(name)}Symbols`;
  out += jsdoc(`Symbols of {@link ${name}} in schema order.`, '');
  const tail = `] as const satisfies readonly ${name}[];`;
  const arrInline = `export const ${constName} = [${literals.join(', ')}${tail}`;
  out +=
    arrInline.length <= WIDTH
      ? `${arrInline}\n`
      : `export const ${constName} = [\n${literals.map((l) => `  ${l},`).join('\n')}\n${tail}\n`;
  return out;
}

function emitInterface(def: AvroRecordSchema): string {
  let out = jsdoc(def.doc, '');
  out += `export interface ${def.name} {\n`;
  for (const field of def.fields) {
    out += jsdoc(field.doc, '  ');
    out += `  ${field.name}: ${tsType(field.type)};\n`;
  }
  return `${out}}\n`;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A JS literal of JSON data, laid out the way prettier lays out an object literal. */
function literal(value: unknown, indent: string, prefix: number, suffix: number): string {
  const flat = flatLiteral(value);
  if (indent.length + prefix + flat.length + suffix <= WIDTH) return flat;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    const items = value.map((v) => `${inner}${literal(v, inner, 0, 1)},`);
    return `[\n${items.join('\n')}\n${indent}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(([k, v]) => {
      const key = IDENT.test(k) ? k : quote(k);
      return `${inner}${key}: ${literal(v, inner, key.length + 2, 1)},`;
    });
    return `{\n${entries.join('\n')}\n${indent}}`;
  }
  return flat;
}

function flatLiteral(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (Array.isArray(value)) return `[${value.map(flatLiteral).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(
      ([k, v]) => `${IDENT.test(k) ? k : quote(k)}: ${flatLiteral(v)}`,
    );
    return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
  }
  return JSON.stringify(value);
}

/** Record names in topic-map order (which lint guarantees covers every schema exactly once). */
function orderedRecords(
  loaded: readonly LoadedSchema[],
  topicMap: Readonly<Record<string, TopicSpec>>,
): { topic: string; schema: AvroRecordSchema }[] {
  const byName = new Map(loaded.map((l) => [l.schema.name, l.schema]));
  const out: { topic: string; schema: AvroRecordSchema }[] = [];
  for (const [topic, spec] of Object.entries(topicMap)) {
    for (const record of spec.records) {
      const schema = byName.get(record);
      if (schema !== undefined) out.push({ topic, schema });
    }
  }
  return out;
}

export function generateTypes(
  loaded: readonly LoadedSchema[],
  topicMap: Readonly<Record<string, TopicSpec>> = topics,
): string {
  lint(loaded, topicMap);
  const records = orderedRecords(loaded, topicMap);
  const emitted = new Set<string>();
  let out =
    '// Generated by schemas/scripts/gen.ts from schemas/avro/*.avsc: do not edit, run `npm run gen`.\n' +
    '// Avro long (timestamp-millis included) is a TS number: epoch milliseconds stay exact below 2^53.\n' +
    "import type { AvroRecordSchema } from '../avro.js';\n";

  let currentTopic = '';
  for (const { topic, schema } of records) {
    if (topic !== currentTopic) {
      out += `\n// ${'-'.repeat(3)} ${topic} ${'-'.repeat(Math.max(3, 92 - topic.length))}\n`;
      currentTopic = topic;
    }
    const nested: (AvroEnumSchema | AvroRecordSchema)[] = [];
    for (const field of schema.fields) walkType(field.type, (def) => nested.push(def));
    for (const def of nested) {
      if (emitted.has(def.name)) continue;
      emitted.add(def.name);
      out += `\n${def.type === 'enum' ? emitEnum(def) : emitInterface(def)}`;
    }
    out += `\n${emitInterface(schema)}`;
  }

  out += `\n// ${'-'.repeat(3)} all records ${'-'.repeat(84)}\n\n`;
  out += jsdoc('Record name → TS type of its value, for every event record.', '');
  out += 'export interface RecordTypes {\n';
  for (const { schema } of records) out += `  ${schema.name}: ${schema.name};\n`;
  out += '}\n\n';
  out += 'export type RecordName = keyof RecordTypes;\n\n';
  out += jsdoc('Every record name, in topic-map order.', '');
  const names = records.map((r) => quote(r.schema.name));
  out += `export const recordNames = [\n${names.map((n) => `  ${n},`).join('\n')}\n] as const satisfies readonly RecordName[];\n\n`;
  out += jsdoc(
    'The parsed .avsc of every record, embedded so runtime code (registration, decoding) reads no files.',
    '',
  );
  out += 'export const schemaSources: { readonly [R in RecordName]: AvroRecordSchema } = {\n';
  for (const { schema } of records) {
    out += `  ${schema.name}: ${literal(schema, '  ', schema.name.length + 2, 1)},\n`;
  }
  out += '};\n';
  return out;
}

// ---------------------------------------------------------------------------------------------
// docs/events.md

function mdEscape(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function anchor(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
}

function mdType(type: AvroSchema, enums: Set<string>): string {
  if (typeof type === 'string') {
    const short = type.slice(type.lastIndexOf('.') + 1);
    if (PRIMITIVES.has(type)) return type;
    return enums.has(short) ? `[${short}](#${anchor(short)})` : short;
  }
  if (Array.isArray(type))
    return type
      .map((t) => mdType(t, enums))
      .reverse()
      .join(' \\| ');
  switch (type.type) {
    case 'record':
      return `${type.name} (record)`;
    case 'enum':
      return `[${type.name}](#${anchor(type.name)})`;
    case 'array':
      // "array of T", not "array<T>": bare <...> would be taken for HTML by markdown renderers.
      return `array of ${mdType(type.items, enums)}`;
    case 'map':
      return `map of string to ${mdType(type.values, enums)}`;
    default:
      return type.logicalType === 'timestamp-millis'
        ? 'timestamp-millis (long, UTC epoch ms)'
        : `${type.type} (${type.logicalType})`;
  }
}

function mdDefault(field: AvroField): string {
  if (!('default' in field)) return '';
  return `\`${JSON.stringify(field.default)}\``;
}

/** Field rows, nested records flattened with dotted paths (`thresholds.lnr`, `fru[].fruId`). */
function fieldRows(
  fields: readonly AvroField[],
  prefix: string,
  enums: Set<string>,
  records: Map<string, AvroRecordSchema>,
): string[] {
  const rows: string[] = [];
  for (const field of fields) {
    const path = `${prefix}${field.name}`;
    rows.push(
      `| \`${path}\` | ${mdType(field.type, enums)} | ${mdDefault(field)} | ${mdEscape(field.doc)} |`,
    );
    // Descend into a nested record, directly, optional, or as array items.
    let inner: AvroSchema = field.type;
    let suffix = '.';
    if (Array.isArray(inner)) inner = inner[1] ?? inner;
    if (typeof inner === 'object' && !Array.isArray(inner) && inner.type === 'array') {
      inner = inner.items;
      suffix = '[].';
    }
    if (typeof inner === 'object' && !Array.isArray(inner) && inner.type === 'map') {
      inner = inner.values;
      suffix = '{}.';
    }
    const rec =
      typeof inner === 'string'
        ? records.get(inner)
        : !Array.isArray(inner) && inner.type === 'record'
          ? inner
          : undefined;
    if (rec !== undefined) rows.push(...fieldRows(rec.fields, `${path}${suffix}`, enums, records));
  }
  return rows;
}

function humanRetention(spec: TopicSpec): string {
  if (spec.retentionMs === null) return 'none (compacted: the latest event per key is kept)';
  const day = 24 * 60 * 60 * 1000;
  const human =
    spec.retentionMs % day === 0 ? `${spec.retentionMs / day} days` : `${spec.retentionMs} ms`;
  return `${human} (\`retention.ms=${spec.retentionMs}\`)`;
}

export function generateEventsDoc(
  loaded: readonly LoadedSchema[],
  topicMap: Readonly<Record<string, TopicSpec>> = topics,
): string {
  const named = lint(loaded, topicMap);
  const enums = new Set(
    [...named.values()].filter((d) => d.kind === 'enum').map((d) => d.schema.name),
  );
  const nestedRecords = new Map(
    [...named.values()]
      .filter((d) => d.kind === 'record')
      .map((d) => [d.schema.name, d.schema as AvroRecordSchema]),
  );
  const byName = new Map(loaded.map((l) => [l.schema.name, l.schema]));
  const lines: string[] = [];
  const push = (...l: string[]) => lines.push(...l);

  push(
    '<!-- Generated by schemas/scripts/gen.ts from schemas/avro/*.avsc and schemas/src/topics.ts: do not edit, run `npm run gen`. -->',
    '',
    '# Events',
    '',
    'IPMI Monitor records every fact as an Avro event on Kafka: the collector publishes sensor readings, SEL entries, poll outcomes and inventory; the API publishes the configured fleet; the stream processors publish alerts and insights. Every view (database, dashboard, API) is a projection of these topics, and integrators can subscribe to the same topics. This page is the contract: it is generated from the schemas, which are the source of truth (`schemas/avro/*.avsc`, TypeScript types in `@ipmi-monitor/schemas`).',
    '',
    '## Wire format',
    '',
    '- **Key**: the server id (`serverId`) as plain UTF-8 bytes, not Avro encoded. All events of one server go to one partition and are ordered there.',
    '- **Value**: Confluent framing: byte 0 is the magic byte `0`, bytes 1-4 the schema id (big-endian int32) in the schema registry, the rest the Avro binary encoding of the record.',
    '- **Subjects**: TopicRecordNameStrategy, `<topic>-<fully qualified record name>`, e.g. `ipmi.sel.v1-io.ipmimonitor.v1.SelCleared`, because a topic carries several record types and each evolves under its own subject. Use the record name of the writer schema (fetched by schema id) to tell the types apart.',
    `- **Namespace**: every record is in \`${NAMESPACE}\`.`,
    '- **Timestamps**: `long` with logicalType `timestamp-millis`, UTC epoch milliseconds. `occurredAt` is when the fact happened (for SEL entries, the BMC time normalised to UTC; the raw BMC time and the clock offset used are kept in the event), `observedAt` when the emitting process saw it.',
    '- **Delivery**: at least once. Deduplicate by `eventId`: it is deterministic where the fact is (a re-read SEL entry, a re-sent reading, a replayed alert keep their id).',
    '- **Transactions**: the collector and the stream processors write in Kafka transactions. Read with `isolation.level=read_committed` (the Java client reads uncommitted records by default; kafkajs reads committed ones), or you may see records of a transaction that was later aborted. [integrators.md](integrators.md) has the details.',
    '- **Dead letters**: a message our consumers cannot process is parked on `<topic>.dlq` with its original key and value and the error in headers, and the pipeline moves on.',
    '',
    '## Compatibility',
    '',
    'Subjects are registered with **BACKWARD** compatibility, and we promise more than the registry checks, so that readers built from an older schema keep working:',
    '',
    '- Fields are only ever **added**, and always with a default (optional fields are `["null", T]` with `"default": null`). Fields are never removed, renamed or re-typed.',
    '- Enum symbols are only added. Every enum has a default symbol (usually `UNKNOWN`): a reader that meets a symbol it does not know reads the default instead, so handle `UNKNOWN` (it may mean "a value newer than your schema").',
    '- Decode with your own reader schema (Avro schema resolution against the writer schema from the registry): fields you do not know are skipped, fields you know but the writer lacks take their default.',
    '- A breaking change gets a new topic (`.v2`) and namespace (`io.ipmimonitor.v2`), published side by side with v1 during a migration period.',
    '',
    '## Topics',
    '',
    '| Topic | Records | Key | Partitions | Cleanup | Retention | Dead letters |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const [topic, spec] of Object.entries(topicMap)) {
    const records = spec.records.map((r) => `[${r}](#${anchor(r)})`).join(', ');
    const retention = spec.retentionMs === null ? 'compacted' : humanRetention(spec).split(' (')[0];
    push(
      `| [\`${topic}\`](#${anchor(topic)}) | ${records} | \`${spec.key}\` | ${spec.partitions} | ${spec.cleanupPolicy} | ${retention} | \`${dlqTopicFor(topic)}\` |`,
    );
  }
  push('');

  for (const [topic, spec] of Object.entries(topicMap)) {
    push(
      `## ${topic}`,
      '',
      spec.doc,
      '',
      `- Key: \`${spec.key}\` (UTF-8 string)`,
      `- Partitions: ${spec.partitions}`,
      `- Cleanup policy: \`${spec.cleanupPolicy}\``,
      `- Retention: ${humanRetention(spec)}`,
      `- Dead-letter topic: \`${dlqTopicFor(topic)}\``,
      `- Record types: ${spec.records.map((r) => `[${r}](#${anchor(r)})`).join(', ')}`,
      '',
    );
    for (const record of spec.records) {
      const schema = byName.get(record);
      if (schema === undefined) continue;
      push(
        `### ${record}`,
        '',
        schema.doc,
        '',
        `Subject: \`${subjectFor(topic, record)}\``,
        '',
        '| Field | Type | Default | Description |',
        '| --- | --- | --- | --- |',
        ...fieldRows(schema.fields, '', enums, nestedRecords),
        '',
      );
    }
  }

  push('## Enums', '');
  const enumDefs = [...named.values()]
    .filter((d) => d.kind === 'enum')
    .map((d) => d.schema as AvroEnumSchema)
    .sort((a, b) => a.name.localeCompare(b.name));
  for (const def of enumDefs) {
    push(
      `### ${def.name}`,
      '',
      def.doc,
      '',
      `Symbols: ${def.symbols.map((s) => `\`${s}\``).join(', ')}.`,
      '',
      `Unknown symbols read as: \`${def.default}\`.`,
      '',
    );
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

// ---------------------------------------------------------------------------------------------

/** Everything the generator writes, from the .avsc files on disk and the topic map. */
export function generate(dir: string = avroDir): GeneratedFile[] {
  const loaded = loadSchemas(dir);
  return [
    { path: TYPES_PATH, content: generateTypes(loaded) },
    { path: EVENTS_DOC_PATH, content: generateEventsDoc(loaded) },
  ];
}

/** Paths (relative to `root`) whose content on disk differs from `files` or is missing. */
export function findStale(files: readonly GeneratedFile[], root: string = repoRoot): string[] {
  return files
    .filter((file) => {
      let onDisk: string;
      try {
        onDisk = readFileSync(join(root, file.path), 'utf8');
      } catch {
        return true;
      }
      return onDisk !== file.content;
    })
    .map((file) => file.path);
}
