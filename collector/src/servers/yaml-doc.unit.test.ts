import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { YamlDocError, parseYamlDoc, type YamlNode } from './yaml-doc.js';

function js(n: YamlNode | null): unknown {
  if (n === null) return null;
  if (n.kind === 'scalar') return n.value;
  if (n.kind === 'seq') return n.items.map(js);
  return Object.fromEntries(n.entries.map((e) => [e.key, js(e.value)]));
}
const parse = (s: string) => js(parseYamlDoc(s));

test('maps, sequences, flow collections and YAML 1.2 core scalars', () => {
  assert.deepEqual(
    parse(
      'defaults:\n  username: admin # c\nservers:\n- name: a\n  port: 623\n  tags: [rack:a1, "role: db"]\n- {name: b, enabled: false, note: ~}\n',
    ),
    {
      defaults: { username: 'admin' },
      servers: [
        { name: 'a', port: 623, tags: ['rack:a1', 'role: db'] },
        { name: 'b', enabled: false, note: null },
      ],
    },
  );
  assert.deepEqual(parse('a: yes\nb: 0x1F\nc: "0123"\nd: 10.0.0.1\n'), {
    a: 'yes',
    b: 31,
    c: '0123',
    d: '10.0.0.1',
  });
  const doc = parseYamlDoc('p: 0123\nq: "0123"\n');
  assert.ok(doc?.kind === 'map');
  const [p, q] = doc.entries;
  assert.ok(p?.value.kind === 'scalar' && q?.value.kind === 'scalar');
  assert.deepEqual([p.value.raw, p.value.quoted, q.value.quoted], ['0123', false, true]);
});

test('lines are tracked for keys and items', () => {
  const doc = parseYamlDoc('\n# c\nservers:\n  - name: a\n\n    host: h\n');
  assert.ok(doc?.kind === 'map');
  const servers = doc.entries[0];
  assert.equal(servers?.line, 3);
  assert.ok(servers?.value.kind === 'seq');
  const item = servers.value.items[0];
  assert.ok(item?.kind === 'map');
  assert.deepEqual(
    item.entries.map((e) => [e.key, e.line]),
    [
      ['name', 4],
      ['host', 6],
    ],
  );
  assert.equal(parseYamlDoc('# only a comment\n'), null);
});

test('anchors, aliases, custom tags, duplicate keys and malformed YAML are refused with a line', () => {
  const cases: [string, number, RegExp][] = [
    ['a: 1\nb: &x 1\n', 2, /anchors/],
    ['a: &x 1\nb: *x\n', 1, /anchors|aliases/],
    ['a: !secret 1\n', 1, /tag/i],
    ['a: 1\na: 2\n', 2, /unique|duplicate/i],
    ['a: [1, 2\n', 2, /flow sequence/i],
  ];
  for (const [src, line, re] of cases) {
    assert.throws(
      () => parseYamlDoc(src),
      (e: unknown) => e instanceof YamlDocError && e.line === line && re.test(e.message),
      JSON.stringify(src),
    );
  }
});

test('property: arbitrary text either parses or fails with a YamlDocError', () => {
  const parts = fc.array(
    fc.oneof(
      fc.constantFrom(
        '- ',
        '  ',
        ': ',
        '#',
        '"',
        '[',
        ']',
        '{',
        '}',
        ',',
        '\n',
        '&a ',
        '*a',
        '!t ',
        'a',
        '1',
      ),
      fc.string({ maxLength: 4 }),
    ),
    { maxLength: 40 },
  );
  fc.assert(
    fc.property(parts, (p) => {
      try {
        parseYamlDoc(p.join(''));
      } catch (e) {
        assert.ok(e instanceof YamlDocError, String(e));
      }
    }),
    { numRuns: 1000 },
  );
});
