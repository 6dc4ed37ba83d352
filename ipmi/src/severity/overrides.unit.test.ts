import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isIpmiError } from '../errors.js';
import { parseSeverityOverrides } from './overrides.js';

function rejects(text: string, pattern: RegExp): void {
  assert.throws(
    () => parseSeverityOverrides(text),
    (err: unknown) =>
      isIpmiError(err) && err.code === 'IPMI_OVERRIDES_INVALID' && pattern.test(err.message),
  );
}

describe('parseSeverityOverrides', () => {
  test('YAML and JSON give the same rules', () => {
    const yaml = parseSeverityOverrides(`rules:
  - id: lab
    when:
      sensorType: PHYSICAL_SECURITY
      direction: Asserted
    severity: info
    reason: Lab racks run without lids.
`);
    const json = parseSeverityOverrides(
      JSON.stringify({
        rules: [
          {
            id: 'lab',
            when: { sensorType: 'physical_security', direction: 'asserted' },
            severity: 'info',
            reason: 'Lab racks run without lids.',
          },
        ],
      }),
    );
    assert.deepEqual(yaml, json);
    assert.deepEqual(yaml, [
      {
        id: 'lab',
        when: { sensorType: ['physical_security'], direction: 'asserted' },
        severity: 'info',
        reason: 'Lab racks run without lids.',
      },
    ]);
  });

  test('comments, quoting, flow lists and mappings, CRLF', () => {
    const rules = parseSeverityOverrides(
      [
        '# overrides',
        'rules:',
        '  - id: a   # trailing comment',
        '    when: { sensorType: [power_supply, \'fan\'], eventText: "OEM defined = 01h # not a comment" }',
        '    severity: warning',
        "    reason: 'it''s quoted'",
      ].join('\r\n'),
    );
    assert.deepEqual(rules, [
      {
        id: 'a',
        when: {
          sensorType: ['power_supply', 'fan'],
          eventText: ['OEM defined = 01h # not a comment'],
        },
        severity: 'warning',
        reason: "it's quoted",
      },
    ]);
  });

  test('an empty file or an empty rule list means no overrides', () => {
    assert.deepEqual(parseSeverityOverrides(''), []);
    assert.deepEqual(parseSeverityOverrides('rules: []\n'), []);
  });

  const BAD: [string, string, RegExp][] = [
    ['tab indentation', 'rules:\n\t- id: a\n', /line 2: /],
    ['alias', 'rules:\n  - &r { id: a, when: {}, severity: info, reason: x }\n  - *r\n', /aliases/],
    ['unterminated quote', 'rules:\n  - id: "a\n', /line \d: /],
    ['duplicate key', 'rules: []\nrules: []\n', /line 2: .*unique/i],
    ['bad indentation', 'rules:\n  - id: a\n     severity: info\n', /line \d: /],
    ['unknown top-level field', 'rulez: []\n', /unknown top-level field "rulez"/],
    [
      'unknown rule field',
      'rules:\n  - id: a\n    when: {}\n    level: info\n',
      /not supported|unknown field "level"/,
    ],
    [
      'unknown sensor type',
      'rules:\n  - id: a\n    when:\n      sensorType: toaster\n    severity: info\n    reason: x\n',
      /rules\[0\] \(a\)\.when\.sensorType: unknown sensor type "toaster"/,
    ],
    [
      'unknown state',
      'rules:\n  - id: a\n    when:\n      state: memory.nope\n    severity: info\n    reason: x\n',
      /unknown state "memory.nope"/,
    ],
    [
      'unknown table',
      'rules:\n  - id: a\n    when:\n      state: toaster.*\n    severity: info\n    reason: x\n',
      /unknown table/,
    ],
    [
      'bad severity',
      'rules:\n  - id: a\n    when:\n      oem: true\n    severity: urgent\n    reason: x\n',
      /severity: "urgent" is not one of critical, warning, info/,
    ],
    [
      'missing reason',
      'rules:\n  - id: a\n    when:\n      oem: true\n    severity: info\n',
      /reason: required/,
    ],
    [
      'empty when',
      'rules:\n  - id: a\n    when:\n    severity: info\n    reason: x\n',
      /when: expected a mapping/,
    ],
    [
      'match-all when',
      '{"rules":[{"id":"a","when":{},"severity":"info","reason":"x"}]}',
      /would match every entry/,
    ],
    [
      'bad regex',
      'rules:\n  - id: a\n    when:\n      sensorName: "(["\n    severity: info\n    reason: x\n',
      /not a valid regular expression/,
    ],
    [
      'duplicate id',
      '{"rules":[{"id":"a","when":{"oem":true},"severity":"info","reason":"x"},{"id":"a","when":{"oem":true},"severity":"info","reason":"x"}]}',
      /duplicate rule id "a"/,
    ],
    ['bad JSON', '{"rules": [', /line 1: /],
    [
      'flag not boolean',
      'rules:\n  - id: a\n    when:\n      oem: yes\n    severity: info\n    reason: x\n',
      /oem: expected true or false/,
    ],
    ['unsupported version', 'version: 2\nrules: []\n', /version 2 is not supported/],
  ];
  for (const [name, text, pattern] of BAD) {
    test(`rejects: ${name}`, () => rejects(text, pattern));
  }
});
