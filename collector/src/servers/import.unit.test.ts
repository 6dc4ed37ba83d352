import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { isCodedError } from '@ipmi-monitor/runtime';
import { schemaSources } from '@ipmi-monitor/schemas';
import { parseCsv, sniffDelimiter } from './csv.js';
import { bmcKey, serverEventId, slugifyServerId } from './ids.js';
import {
  importError,
  parseServerImport,
  toServerConfigured,
  type ImportResult,
  type ServerDefinition,
} from './import.js';

const issuesOf = (r: ImportResult) =>
  r.issues.map((i) => `${i.line}:${i.field ?? '-'}: ${i.message}`);
const only = (r: ImportResult): ServerDefinition => {
  assert.deepEqual(issuesOf(r), []);
  assert.equal(r.servers.length, 1);
  return r.servers[0] as ServerDefinition;
};

test('the example file imports cleanly', () => {
  const text = readFileSync(new URL('./servers.example.yaml', import.meta.url), 'utf8');
  const r = parseServerImport(text, { fileName: 'servers.example.yaml' });
  assert.deepEqual(issuesOf(r), []);
  assert.equal(r.format, 'yaml');
  assert.deepEqual(
    r.servers.map((s) => [s.serverId, s.host, s.port, s.driver, s.enabled]),
    [
      ['sim-bmc-01', '127.0.0.1', 16001, 'FREEIPMI', true],
      ['sim-bmc-02', '127.0.0.1', 16002, 'FREEIPMI', true],
      ['sim-bmc-03', '127.0.0.1', 16003, 'IPMITOOL', true],
      ['sim-bmc-04', '127.0.0.1', 16004, 'FREEIPMI', false],
    ],
  );
  const [a, b, , d] = r.servers;
  assert.equal(a?.username, 'admin', 'from defaults');
  assert.equal(a?.privilege, 'ADMINISTRATOR');
  assert.equal(a?.cipherSuite, 3);
  assert.deepEqual(a?.workaroundFlags, ['opensesspriv']);
  assert.deepEqual(a?.tags, ['site:sim', 'rack:a1', 'role:db'], 'a row list replaces the default');
  assert.equal(a?.model, 'Simcorp SimServer 1000');
  assert.equal(a?.password.reveal(), 'fake-Sim-Pass-01');
  assert.deepEqual(b?.intervals, {
    sensorsMs: 30_000,
    selMs: 60_000,
    powerMs: 60_000,
    inventoryMs: 86_400_000,
  });
  assert.deepEqual(r.servers[2]?.workaroundFlags, [], 'an empty list overrides the default');
  assert.equal(d?.name, 'Simulated BMC 4 (paused)');
  assert.equal(d?.intervals.powerMs, 0);
  // Every password in the example is visibly fake.
  for (const s of r.servers) assert.match(s.password.reveal(), /^fake-/);
});

test('defaults for a minimal server; serverId derived from the name', () => {
  const s = only(
    parseServerImport(
      '- name: "Db-07.FRA1 (Rack Ä)"\n  host: bmc-db07.example.net\n  username: ADMIN\n  password: x\n',
    ),
  );
  assert.equal(s.serverId, 'db-07.fra1-rack-a');
  assert.equal(s.name, 'Db-07.FRA1 (Rack Ä)');
  assert.equal(s.port, 623);
  assert.equal(s.driver, 'FREEIPMI');
  assert.equal(s.privilege, 'USER');
  assert.equal(s.cipherSuite, null);
  assert.deepEqual([s.workaroundFlags, s.tags, s.model, s.enabled], [[], [], null, true]);
  assert.deepEqual(s.intervals, { sensorsMs: null, selMs: null, powerMs: null, inventoryMs: null });
  assert.equal(s.line, 1);
});

test('plain YAML numbers stay text where text is wanted', () => {
  const s = only(
    parseServerImport('- name: 1.10\n  host: 10.0.0.1\n  username: 0123\n  password: 007\n'),
  );
  assert.equal(s.name, '1.10');
  assert.equal(s.username, '0123');
  assert.equal(s.password.reveal(), '007');
});

test('per-row errors with lines and fields; good rows still import', () => {
  const r = parseServerImport(
    [
      'servers:', //                                   1
      '  - name: ok-1', //                             2
      '    host: 10.0.0.1', //                         3
      '    username: admin', //                        4
      '    password: fake', //                         5
      '  - name: bad-port', //                         6
      '    host: 10.0.0.2', //                         7
      '    port: 70000', //                            8
      '    username: admin', //                        9
      '    password: fake', //                         10
      '  - name: bad-host', //                         11
      '    host: -oProxyCommand=evil', //              12
      '    username: admin', //                        13
      '    password: fake', //                         14
      '  - name: no-creds', //                         15
      '    host: 10.0.0.4', //                         16
      '  - name: typo', //                             17
      '    host: 10.0.0.5', //                         18
      '    username: admin', //                        19
      '    pasword: fake', //                          20
      '  - name: ok-2', //                             21
      '    host: 10.0.0.6', //                         22
      '    username: admin', //                        23
      '    password: fake', //                         24
      '    driver: IPMItool', //                       25
      '    privilege: admin', //                       26
      '    intervals: { sensors: 2s, sel: soon }', //  27
    ].join('\n'),
  );
  assert.deepEqual(
    r.servers.map((s) => s.serverId),
    ['ok-1'],
  );
  assert.deepEqual(issuesOf(r), [
    '8:port: port: expected a whole number from 1 to 65535, got "70000"',
    '12:host: host: "-oProxyCommand=evil" is not an IPv4 or IPv6 address or a DNS name',
    '15:username: username is required (use "" for the anonymous user)',
    '15:password: password is required',
    '20:pasword: unknown field "pasword" in server',
    '27:intervals.sensors: interval sensors is shorter than the minimum of 5s',
    '27:intervals.sel: interval sel expected a duration like 60s, 5m, 24h or off, got "soon"',
  ]);
});

test('credentials: length limits, line breaks, empty values; never echoed', () => {
  const secret = 'fake-this-password-is-too-long';
  const r = parseServerImport(
    [
      `- { name: a, host: h1, username: admin, password: ${secret} }`,
      '- { name: b, host: h2, username: "adm\\nin", password: x }',
      '- { name: c, host: h3, username: seventeen-bytes-x, password: x }',
      '- { name: d, host: h4, username: "", password: "" }',
      '- { name: e, host: h5, username: admin, password: }',
      '- { name: f, host: h6, username: admin, password: "fake\\r\\nusername root" }',
    ].join('\n'),
  );
  assert.deepEqual(
    r.servers.map((s) => [s.serverId, s.username, s.password.isEmpty]),
    [['d', '', true]],
  );
  assert.deepEqual(
    r.issues.map((i) => [i.line, i.field]),
    [
      [1, 'password'],
      [2, 'username'],
      [3, 'username'],
      [5, 'password'],
      [6, 'password'],
    ],
  );
  const all = JSON.stringify(r.issues);
  assert.ok(!all.includes(secret) && !all.includes('seventeen') && !all.includes('root'));
  assert.match(r.issues[0]?.message ?? '', /20 bytes/);
});

test('duplicates: the same serverId or the same BMC twice', () => {
  const r = parseServerImport(
    [
      'name,host,port,username,password',
      'web-1,10.0.0.1,,admin,fake',
      'Web 1,10.0.0.2,,admin,fake',
      'web-2,10.0.0.1,623,admin,fake',
      'web-3,10.0.0.1,624,admin,fake',
      'web-4,[FE80::1],,admin,fake',
      'web-5,fe80::1,623,admin,fake',
    ].join('\n'),
  );
  assert.deepEqual(
    r.servers.map((s) => s.serverId),
    ['web-1', 'web-3', 'web-4'],
  );
  assert.deepEqual(issuesOf(r), [
    '3:serverId: serverId web-1 is already used on line 2',
    '4:host: BMC 10.0.0.1:623 is already configured on line 2',
    '7:host: BMC [fe80::1]:623 is already configured on line 6',
  ]);
});

test('CSV: aliases, semicolons, quoting, multi-line cells, comments, lists, intervals', () => {
  const csv = [
    '\uFEFFServer ID;Name;BMC Address;Port;User;Password;Driver;Privilege Level;Cipher;Workarounds;Labels;Model;Enabled;sensors_interval;interval_inventory',
    '# decommissioned: old-1;...',
    'db-1;"DB 1; primary";10.1.0.1;623;ADMIN;"fake;pw""q";freeipmi;operator;17;authcap intel20;rack:b1,role:db;"Supermicro X11DPi-NT";yes;2m;off',
    'db-x;x;10.1.0.9;;ADMIN;fake;;;;;;"two',
    'lines";;;',
    '',
    ';db 2;10.1.0.2;;ADMIN;fake;;;;;;;0;;',
  ].join('\r\n');
  assert.equal(sniffDelimiter(csv), ';');
  const r = parseServerImport(csv, { fileName: 'fleet.CSV' });
  assert.deepEqual(issuesOf(r), ['4:model: model: must be up to 200 printable characters']);
  assert.equal(r.format, 'csv');
  const [a, b] = r.servers;
  assert.deepEqual(
    a && {
      ...a,
      password: a.password.reveal(),
    },
    {
      line: 3,
      serverId: 'db-1',
      name: 'DB 1; primary',
      host: '10.1.0.1',
      port: 623,
      driver: 'FREEIPMI',
      username: 'ADMIN',
      password: 'fake;pw"q',
      privilege: 'OPERATOR',
      cipherSuite: 17,
      workaroundFlags: ['authcap', 'intel20'],
      tags: ['rack:b1', 'role:db'],
      model: 'Supermicro X11DPi-NT',
      enabled: true,
      intervals: { sensorsMs: 120_000, selMs: null, powerMs: null, inventoryMs: 0 },
    },
  );
  assert.equal(b?.serverId, 'db-2');
  assert.equal(b?.line, 7, 'line numbers count the line break inside the quoted cell');
  assert.equal(b?.enabled, false);
});

test('CSV: unknown and duplicate columns are reported, rows with extra cells refused', () => {
  const r = parseServerImport(
    'name,host,username,password,colour,host\nx,10.0.0.1,admin,fake,blue,10.0.0.9\ny,10.0.0.2,admin,fake,,,extra\n',
    { format: 'csv' },
  );
  assert.deepEqual(
    r.servers.map((s) => [s.serverId, s.host]),
    [['x', '10.0.0.1']],
  );
  assert.deepEqual(issuesOf(r), [
    '1:colour: unknown column "colour" (ignored)',
    '1:host: column host appears twice (the later one is ignored)',
    '3:-: 7 cells but the header has 6 columns',
  ]);
});

test('file-level problems: syntax errors, wrong shapes, empty files', () => {
  const cases: [string, string[]][] = [
    ['servers:\n  - name: a\n   host: b\n', ['3:-: Sequence item without - indicator']],
    ['servers: 5\n', ['1:servers: "servers" must be a list']],
    [
      'hosts:\n  - a\n',
      [
        '1:hosts: unknown top-level key "hosts" (expected servers, defaults)',
        '1:servers: no "servers:" list in the file',
      ],
    ],
    ['servers:\n  - just-a-string\n', ['2:-: each server must be a mapping of field: value']],
    ['', ['1:-: no servers in the file']],
    ['name,host\n"unterminated\n', ['2:-: unterminated quoted field']],
    [
      'defaults:\n  host: x\nservers: []\n',
      ['2:host: host cannot have a default: it differs per server'],
    ],
  ];
  for (const [text, expected] of cases) {
    assert.deepEqual(issuesOf(parseServerImport(text)), expected, JSON.stringify(text));
  }
});

test('an invalid default is reported once, not once per server', () => {
  const r = parseServerImport(
    'defaults:\n  port: nope\nservers:\n  - { name: a, host: h1, username: u, password: p }\n  - { name: b, host: h2, username: u, password: p }\n',
  );
  assert.deepEqual(issuesOf(r), [
    '2:port: port: expected a whole number from 1 to 65535, got "nope"',
  ]);
  assert.equal(r.servers.length, 0);
});

test('format detection', () => {
  assert.equal(parseServerImport('servers: []').format, 'yaml');
  assert.equal(parseServerImport('- name: a').format, 'yaml');
  assert.equal(parseServerImport('# x\nname,host\n').format, 'csv');
  assert.equal(parseServerImport('name: x', { fileName: 'a.csv' }).format, 'csv');
  assert.equal(
    parseServerImport('name,host', { format: 'yaml', fileName: 'a.csv' }).format,
    'yaml',
  );
});

test('definitions and results hide passwords in JSON and inspect', () => {
  const r = parseServerImport('- { name: a, host: h, username: admin, password: fake-Sekrit-1 }\n');
  assert.ok(!JSON.stringify(r).includes('fake-Sekrit-1'));
  assert.ok(!inspect(r, { depth: 10 }).includes('fake-Sekrit-1'));
});

test('importError summarises the issues as one coded error', () => {
  assert.equal(
    importError(parseServerImport('- { name: a, host: h, username: u, password: p }')),
    null,
  );
  const e = importError(parseServerImport('- { name: a }\n'), 'servers.yaml');
  assert.ok(isCodedError(e));
  assert.equal(e.code, 'COL_CONFIG_IMPORT_INVALID');
  assert.match(e.message, /^servers\.yaml: 3 problem\(s\): line 1 \(host\): host is required/);
});

test('toServerConfigured: the Avro value, no credentials, deterministic id', () => {
  const def = only(
    parseServerImport(
      '- { name: sim-1, host: 127.0.0.1, port: 16001, username: admin, password: fake-pw-xyz, tags: [a], cipherSuite: 3, intervals: { sel: 30s } }',
    ),
  );
  const ev = toServerConfigured(def, {
    now: 1000,
    source: 'collector@test',
    revision: 1,
    credentialVersion: 4,
    actor: 'import:servers.yaml',
  });
  assert.deepEqual(ev, {
    eventId: serverEventId('ServerConfigured', 'sim-1', 1),
    serverId: 'sim-1',
    occurredAt: 1000,
    observedAt: 1000,
    source: 'collector@test',
    revision: 1,
    name: 'sim-1',
    host: '127.0.0.1',
    port: 16001,
    driver: 'FREEIPMI',
    cipherSuite: 3,
    privilegeLevel: 'USER',
    workaroundFlags: [],
    tags: ['a'],
    model: null,
    pollIntervals: { sensorsMs: null, selMs: 30_000, powerMs: null, inventoryMs: null },
    enabled: true,
    credentialVersion: 4,
    changedFields: [],
    actor: 'import:servers.yaml',
  });
  const text = JSON.stringify(ev);
  assert.ok(!text.includes('fake-pw-xyz') && !text.includes('admin'));
  // Exactly the schema's fields: nothing extra (a stray `password` would be caught here).
  const schema = schemaSources.ServerConfigured;
  assert.deepEqual(Object.keys(ev).sort(), schema.fields.map((f) => f.name).sort());
  assert.ok(
    !schema.fields.some((f) => /user|pass/i.test(f.name)),
    'schema has no credential field',
  );
  assert.notEqual(serverEventId('ServerConfigured', 'sim-1', 2), ev.eventId);
  assert.notEqual(serverEventId('ServerRemoved', 'sim-1', 1), ev.eventId);
});

test('ids: slugs and BMC keys', () => {
  assert.equal(slugifyServerId('  --Hello  World!!--  '), 'hello-world');
  assert.equal(slugifyServerId('Ünïcödé'), 'unicode');
  assert.equal(slugifyServerId('★★★'), '');
  assert.equal(slugifyServerId('x'.repeat(100)).length, 63);
  assert.equal(bmcKey('FE80::1', 623), '[fe80::1]:623');
  assert.equal(bmcKey('Host.Example', 623), 'host.example:623');
  const r = parseServerImport('- { name: "★", host: h, username: u, password: p }');
  assert.deepEqual(issuesOf(r), [
    '1:serverId: cannot derive a serverId from this name; set serverId',
  ]);
});

test('property: arbitrary input never throws, and every server is valid', () => {
  const piece = fc.oneof(
    fc.constantFrom(
      'servers:\n',
      '- ',
      '  ',
      'name: a',
      'host: 10.0.0.1',
      'username: u',
      'password: p',
      'port: 99999',
      ',',
      ';',
      '"',
      '\n',
      ': ',
      '{',
      '}',
      '[',
      ']',
      'intervals: {sensors: 1m}',
      '#',
    ),
    fc.string({ maxLength: 6 }),
  );
  fc.assert(
    fc.property(
      fc.array(piece, { maxLength: 40 }),
      fc.constantFrom<'yaml' | 'csv' | undefined>('yaml', 'csv', undefined),
      (parts, format) => {
        const r = parseServerImport(parts.join(''), { format });
        for (const s of r.servers) {
          assert.match(s.serverId, /^[a-z0-9][a-z0-9._-]{0,62}$/);
          assert.ok(s.port >= 1 && s.port <= 65535);
          assert.ok(!s.host.startsWith('-'));
        }
        for (const i of r.issues) assert.ok(Number.isInteger(i.line) && i.line >= 1);
      },
    ),
    { numRuns: 1500 },
  );
});

test('csv parser: lines of records, quotes, trailing newline', () => {
  assert.deepEqual(parseCsv('a,b\n"x\ny",z\n\nq,"r"""\n'), [
    { line: 1, cells: ['a', 'b'] },
    { line: 2, cells: ['x\ny', 'z'] },
    { line: 5, cells: ['q', 'r"'] },
  ]);
  assert.throws(() => parseCsv('a,"b"c\n'), /after a closing quote/);
});

test('workaround flags are FreeIPMI names: upper case is folded, other characters are refused', () => {
  const yaml = (flags: string) =>
    `- name: w\n  host: 10.0.0.1\n  username: admin\n  password: fake\n  workaroundFlags: ${flags}\n`;
  assert.deepEqual(only(parseServerImport(yaml('OpenSessPriv intel20'))).workaroundFlags, [
    'opensesspriv',
    'intel20',
  ]);
  // The drivers take [a-z0-9]+ only: a flag they would refuse on every poll fails the import.
  const r = parseServerImport(yaml('open_sess_priv'));
  assert.equal(r.servers.length, 0);
  assert.match(JSON.stringify(r.issues), /is not a workaround flag/);
});
