/**
 * The generator: committed output is current (the same check CI runs), output is
 * deterministic, staleness is detected, and the house rules reject bad schemas.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EVENTS_DOC_PATH,
  findStale,
  generate,
  lint,
  loadSchemas,
  repoRoot,
  SchemaError,
  TYPES_PATH,
  type LoadedSchema,
} from '../scripts/generate.js';
import { schemaSources } from './generated/types.js';
import type { AvroRecordSchema } from './avro.js';

describe('generator', () => {
  test('committed generated files are up to date (same as `npm run gen:check`)', () => {
    const stale = findStale(generate());
    assert.deepEqual(stale, [], `stale: ${stale.join(', ')}; run npm run gen`);
  });

  test('output is deterministic', () => {
    assert.deepEqual(generate(), generate());
  });

  test('gen.ts --check exits 0 when current', () => {
    const res = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'schemas/scripts/gen.ts'), '--check'],
      { cwd: repoRoot, encoding: 'utf8' },
    );
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /up to date/);
  });

  test('findStale reports changed and missing files', () => {
    const files = generate();
    const root = mkdtempSync(join(tmpdir(), 'schemas-gen-'));
    try {
      for (const f of files) {
        mkdirSync(dirname(join(root, f.path)), { recursive: true });
        writeFileSync(join(root, f.path), f.content);
      }
      assert.deepEqual(findStale(files, root), []);
      writeFileSync(
        join(root, TYPES_PATH),
        `${readFileSync(join(root, TYPES_PATH), 'utf8')}\n// edit`,
      );
      assert.deepEqual(findStale(files, root), [TYPES_PATH]);
      rmSync(join(root, EVENTS_DOC_PATH));
      assert.deepEqual(findStale(files, root), [TYPES_PATH, EVENTS_DOC_PATH]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('the docs cover every topic, record, subject and field', () => {
    const doc = generate().find((f) => f.path === EVENTS_DOC_PATH)?.content ?? '';
    for (const [name, schema] of Object.entries(schemaSources)) {
      assert.ok(doc.includes(`### ${name}\n`), name);
      for (const field of schema.fields)
        assert.ok(doc.includes(`| \`${field.name}\` |`), `${name}.${field.name}`);
    }
    assert.match(doc, /Subject: `ipmi\.sel\.v1-io\.ipmimonitor\.v1\.SelEntryRecorded`/);
    assert.match(doc, /magic byte `0`/);
    assert.match(doc, /BACKWARD/);
    assert.match(doc, /`ipmi\.readings\.v1\.dlq`/);
  });
});

describe('house rules (lint)', () => {
  const good = (): LoadedSchema[] => loadSchemas();
  const replace = (
    loaded: LoadedSchema[],
    name: string,
    edit: (s: AvroRecordSchema) => void,
  ): LoadedSchema[] =>
    loaded.map((l) => {
      if (l.schema.name !== name) return l;
      const schema = structuredClone(l.schema);
      edit(schema);
      return { file: l.file, schema };
    });
  const problemsOf = (loaded: LoadedSchema[]): string => {
    try {
      lint(loaded);
    } catch (err) {
      assert.ok(err instanceof SchemaError);
      return err.problems.join('\n');
    }
    assert.fail('lint accepted a bad schema');
  };

  test('accepts the committed schemas', () => {
    assert.doesNotThrow(() => lint(good()));
  });

  test('rejects a field without doc', () => {
    const bad = replace(good(), 'SelCleared', (s) => {
      s.fields.push({ name: 'x', type: 'string', doc: '' });
    });
    assert.match(problemsOf(bad), /SelCleared\.avsc: field x has no doc/);
  });

  test('rejects an optional field without a null default', () => {
    const bad = replace(good(), 'SelCleared', (s) => {
      s.fields.push({ name: 'x', type: ['null', 'string'], doc: 'x' });
    });
    assert.match(problemsOf(bad), /optional field x must have "default": null/);
  });

  test('rejects unions other than ["null", T]', () => {
    const bad = replace(good(), 'SelCleared', (s) => {
      s.fields.push({ name: 'x', type: ['string', 'null'], default: 'a', doc: 'x' });
    });
    assert.match(problemsOf(bad), /unions must be \["null", T\]/);
  });

  test('rejects an enum without default', () => {
    const bad = replace(good(), 'SelCleared', (s) => {
      s.fields.push({
        name: 'x',
        type: { type: 'enum', name: 'X', doc: 'x', symbols: ['A'], default: '' },
        doc: 'x',
      });
    });
    assert.match(problemsOf(bad), /enum X needs a "default" symbol/);
  });

  test('rejects a shared named type that differs between files', () => {
    const bad = replace(good(), 'AlertRaised', (s) => {
      const severity = s.fields.find((f) => f.name === 'severity');
      assert.ok(severity && typeof severity.type === 'object' && !Array.isArray(severity.type));
      assert.ok(severity.type.type === 'enum');
      severity.type.symbols = [...severity.type.symbols, 'EMERGENCY'];
    });
    assert.match(problemsOf(bad), /named type Severity differs/);
  });

  test('rejects a record without the common event fields first', () => {
    const bad = replace(good(), 'SelCleared', (s) => {
      s.fields = s.fields.filter((f) => f.name !== 'observedAt');
    });
    assert.match(problemsOf(bad), /field 4 must be observedAt/);
  });

  test('rejects a schema that is on no topic', () => {
    const extra = structuredClone(schemaSources.SelCleared);
    extra.name = 'SelReread';
    const bad = [...good(), { file: 'SelReread.avsc', schema: extra }];
    assert.match(problemsOf(bad), /SelReread\.avsc: record is on no topic/);
  });
});
