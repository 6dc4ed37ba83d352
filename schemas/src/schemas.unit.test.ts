/**
 * The contract itself: every schema parses, is documented and evolvable, and every sample
 * event survives Avro binary encoding. The evolution tests are a pure (no registry) check of
 * the rules we promise integrators: optional fields added with null defaults can be read both
 * ways, and enum symbols unknown to a reader fall back to the enum default.
 */
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import avsc from 'avsc';
import type { AvroEnumSchema, AvroField, AvroRecordSchema, AvroSchema } from './avro.js';
import { sampleEvents } from './fixtures.js';
import { recordNames, schemaSources } from './generated/types.js';
import { NAMESPACE } from './topics.js';

const avroDir = new URL('../avro/', import.meta.url);

function typeOf(schema: AvroRecordSchema): avsc.Type {
  return avsc.Type.forSchema(schema as avsc.Schema, { registry: {} });
}

/** avsc decodes records into class instances; compare as plain JSON data. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

function invalidPaths(type: avsc.Type, value: unknown): string[] {
  const paths: string[] = [];
  type.isValid(value, { errorHook: (path) => paths.push(path.join('.') || '(root)') });
  return paths;
}

/** Every field of a record schema, nested records included, with a dotted path. */
function allFields(schema: AvroRecordSchema): { path: string; field: AvroField }[] {
  const out: { path: string; field: AvroField }[] = [];
  const visit = (type: AvroSchema, prefix: string) => {
    if (typeof type === 'string') return;
    if (Array.isArray(type)) {
      for (const t of type) visit(t, prefix);
      return;
    }
    if (type.type === 'record') {
      for (const f of type.fields) {
        out.push({ path: `${prefix}${f.name}`, field: f });
        visit(f.type, `${prefix}${f.name}.`);
      }
    } else if (type.type === 'array') visit(type.items, prefix);
    else if (type.type === 'map') visit(type.values, prefix);
  };
  visit(schema, `${schema.name}.`);
  return out;
}

type NamedDef = AvroEnumSchema | AvroRecordSchema;

/** Every named type (enum, nested record) a record schema defines. */
function namedDefs(schema: AvroRecordSchema): NamedDef[] {
  const out: NamedDef[] = [];
  const visit = (type: AvroSchema) => {
    if (typeof type === 'string') return;
    if (Array.isArray(type)) return type.forEach(visit);
    if (type.type === 'enum') out.push(type);
    else if (type.type === 'record') {
      out.push(type);
      type.fields.forEach((f) => visit(f.type));
    } else if (type.type === 'array') visit(type.items);
    else if (type.type === 'map') visit(type.values);
  };
  schema.fields.forEach((f) => visit(f.type));
  return out;
}

describe('schemas', () => {
  test('there is a schema for every record name and the set is not empty', () => {
    assert.ok(recordNames.length >= 16);
    assert.deepEqual(Object.keys(schemaSources).sort(), [...recordNames].sort());
  });

  for (const name of recordNames) {
    describe(name, () => {
      const schema = schemaSources[name];

      test('parses with avsc and is named io.ipmimonitor.v1.<file name>', () => {
        const type = typeOf(schema);
        assert.equal(type.name, `${NAMESPACE}.${name}`);
        assert.equal(schema.namespace, NAMESPACE);
      });

      test('the embedded schema is the .avsc on disk', () => {
        const onDisk: unknown = JSON.parse(readFileSync(new URL(`${name}.avsc`, avroDir), 'utf8'));
        assert.deepEqual(schema, onDisk);
      });

      test('starts with the common event fields', () => {
        const ts = { type: 'long', logicalType: 'timestamp-millis' };
        assert.deepEqual(
          schema.fields.slice(0, 5).map((f) => [f.name, f.type]),
          [
            ['eventId', 'string'],
            ['serverId', 'string'],
            ['occurredAt', ts],
            ['observedAt', ts],
            ['source', 'string'],
          ],
        );
      });

      test('the record, every field and every named type has a doc', () => {
        assert.ok(schema.doc.trim().length > 0, `${name} has no doc`);
        for (const { path, field } of allFields(schema)) {
          assert.ok(
            typeof field.doc === 'string' && field.doc.trim().length > 0,
            `${path} has no doc`,
          );
        }
        for (const def of namedDefs(schema)) {
          assert.ok(
            typeof def.doc === 'string' && def.doc.trim().length > 0,
            `${def.name} has no doc`,
          );
        }
      });

      test('optional fields are ["null", T] with "default": null', () => {
        for (const { path, field } of allFields(schema)) {
          if (!Array.isArray(field.type)) continue;
          assert.equal(field.type.length, 2, `${path}: only ["null", T] unions`);
          assert.equal(field.type[0], 'null', `${path}: null must be the first branch`);
          assert.ok('default' in field && field.default === null, `${path}: default must be null`);
        }
      });

      test('every enum has a default symbol', () => {
        for (const def of namedDefs(schema)) {
          if (def.type !== 'enum') continue;
          assert.ok(
            typeof def.default === 'string' && def.symbols.includes(def.default),
            `enum ${def.name} needs a default symbol`,
          );
        }
      });

      test('its sample is valid and round-trips through Avro binary unchanged', () => {
        const type = typeOf(schema);
        const sample: unknown = sampleEvents[name];
        assert.deepEqual(
          invalidPaths(type, sample),
          [],
          `sample ${name} does not match its schema`,
        );
        const decoded: unknown = type.fromBuffer(type.toBuffer(sample));
        assert.deepEqual(plain(decoded), plain(sample));
      });
    });
  }
});

describe('schema evolution (avsc resolver, the rules we promise)', () => {
  const extraField: AvroField = {
    name: 'addedInV2',
    type: ['null', 'string'],
    default: null,
    doc: 'A field a later version adds.',
  };
  const withExtraField = (schema: AvroRecordSchema, field: AvroField): AvroRecordSchema => ({
    ...structuredClone(schema),
    fields: [...structuredClone(schema.fields), field],
  });

  for (const name of recordNames) {
    test(`${name}: v2 with an extra optional field reads v1 bytes, v1 reads v2 bytes`, () => {
      const v1 = typeOf(schemaSources[name]);
      const v2 = typeOf(withExtraField(schemaSources[name], extraField));
      const sample = sampleEvents[name] as object;

      const v2FromV1: unknown = v2.fromBuffer(v1.toBuffer(sample), v2.createResolver(v1));
      assert.deepEqual(plain(v2FromV1), plain({ ...sample, addedInV2: null }));

      const v1FromV2: unknown = v1.fromBuffer(
        v2.toBuffer({ ...sample, addedInV2: 'from v2' }),
        v1.createResolver(v2),
      );
      assert.deepEqual(plain(v1FromV2), plain(sample));
    });
  }

  test('a field added without a default cannot read old data (why the rule exists)', () => {
    const v1 = typeOf(schemaSources.SelCleared);
    const v2 = typeOf(
      withExtraField(schemaSources.SelCleared, { name: 'required', type: 'string', doc: 'x' }),
    );
    assert.throws(() => v2.createResolver(v1), /incompatible|missing|required/i);
  });

  // Every record with a top-level enum field: a newer writer's extra symbol reads as the default.
  const withEnum = recordNames.flatMap((name) => {
    const field = schemaSources[name].fields.find(
      (f) => typeof f.type === 'object' && !Array.isArray(f.type) && f.type.type === 'enum',
    );
    return field === undefined ? [] : [{ name, field }];
  });

  test('every record type with enums is covered below', () => {
    assert.ok(withEnum.length >= 10);
  });

  for (const { name, field } of withEnum) {
    test(`${name}.${field.name}: a symbol added by a newer writer reads as the enum default`, () => {
      const v1Schema = schemaSources[name];
      const v2Schema = structuredClone(v1Schema);
      const v2Field = v2Schema.fields.find((f) => f.name === field.name);
      assert.ok(
        v2Field !== undefined && typeof v2Field.type === 'object' && !Array.isArray(v2Field.type),
      );
      const enumDef = v2Field.type;
      assert.ok(enumDef.type === 'enum');
      enumDef.symbols = [...enumDef.symbols, 'ADDED_IN_V2'];

      const v1 = typeOf(v1Schema);
      const v2 = typeOf(v2Schema);
      const bytes = v2.toBuffer({ ...(sampleEvents[name] as object), [field.name]: 'ADDED_IN_V2' });
      const read = v1.fromBuffer(bytes, v1.createResolver(v2)) as Record<string, unknown>;
      assert.equal(read[field.name], (field.type as { default: string }).default);
      assert.equal(read[field.name], 'UNKNOWN');
    });
  }

  test('without an enum default a v1 reader could not resolve the new symbol (why the rule exists)', () => {
    const v1 = avsc.Type.forSchema({ type: 'enum', name: 'E', symbols: ['A', 'B'] });
    const v2 = avsc.Type.forSchema({ type: 'enum', name: 'E', symbols: ['A', 'B', 'C'] });
    assert.throws(() => v1.createResolver(v2));
  });
});
