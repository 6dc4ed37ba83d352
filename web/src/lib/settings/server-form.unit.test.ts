import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createBody,
  emptyForm,
  fieldProblems,
  formOfServer,
  intervalText,
  intervalsSummary,
  numberProblems,
  patchBody,
  splitList,
  type ConfiguredServer,
} from './server-form';

const server: ConfiguredServer = {
  serverId: 'bmc1',
  name: 'bmc1',
  host: '127.0.0.1',
  port: 16001,
  driver: 'FREEIPMI',
  cipherSuite: 3,
  privilegeLevel: 'ADMINISTRATOR',
  workaroundFlags: ['opensesspriv'],
  tags: ['demo', 'site:sim'],
  model: 'Simcorp SimServer 1000',
  enabled: true,
  intervals: { sensorsMs: 30_000, selMs: null, powerMs: 0, inventoryMs: 86_400_000 },
};

test('intervals read back in the import syntax', () => {
  assert.equal(intervalText(null), '');
  assert.equal(intervalText(0), 'off');
  assert.equal(intervalText(30_000), '30s');
  assert.equal(intervalText(300_000), '5m');
  assert.equal(intervalText(7_200_000), '2h');
  assert.equal(intervalText(86_400_000), '1d');
  assert.equal(intervalText(1500), '1500ms');
  assert.equal(intervalsSummary(server.intervals), 'sensors 30s · power off · inventory 1d');
  assert.equal(intervalsSummary({ sensorsMs: null }), 'collector defaults');
});

test('a server into the form: the password is never filled in', () => {
  const f = formOfServer(server, 'admin');
  assert.equal(f.password, '');
  assert.equal(f.username, 'admin');
  assert.equal(f.port, '16001');
  assert.equal(f.privilege, 'ADMINISTRATOR');
  assert.equal(f.tags, 'demo site:sim');
  assert.deepEqual(f.intervals, { sensors: '30s', sel: '', power: 'off', inventory: '1d' });
});

test('create sends every field, the id only when given, empty intervals as null', () => {
  const f = {
    ...emptyForm(),
    name: ' db-01 ',
    host: '10.0.0.1',
    port: '623',
    username: 'admin',
    password: 'secret',
    tags: 'rack:a1, role:db;x',
  };
  const body = createBody(f);
  assert.equal(body.serverId, undefined);
  assert.equal(body.name, 'db-01');
  assert.equal(body.port, 623);
  assert.equal(body.password, 'secret');
  assert.equal(body.cipherSuite, null);
  assert.equal(body.model, null);
  assert.deepEqual(body.tags, ['rack:a1', 'role:db', 'x']);
  assert.deepEqual(body.intervals, { sensors: null, sel: null, power: null, inventory: null });
  assert.equal(createBody({ ...f, serverId: 'db01' }).serverId, 'db01');
  // A port that is not a number goes as text: the API says what is wrong with it.
  assert.equal(createBody({ ...f, port: '70x' }).port, '70x');
});

test('patch sends only what changed; an empty password keeps the stored one', () => {
  const initial = formOfServer(server, 'admin');
  assert.deepEqual(patchBody(initial, { ...initial }), {});
  assert.deepEqual(patchBody(initial, { ...initial, host: '127.0.0.2' }), { host: '127.0.0.2' });
  assert.deepEqual(patchBody(initial, { ...initial, password: 'new' }), { password: 'new' });
  assert.deepEqual(patchBody(initial, { ...initial, tags: 'site:sim demo' }), {
    tags: ['site:sim', 'demo'],
  });
  assert.deepEqual(patchBody(initial, { ...initial, tags: ' demo,site:sim ' }), {});
  assert.deepEqual(patchBody(initial, { ...initial, model: '', cipherSuite: '' }), {
    model: null,
    cipherSuite: null,
  });
  assert.deepEqual(
    patchBody(initial, { ...initial, intervals: { ...initial.intervals, sel: '2m', power: '' } }),
    { intervals: { sel: '2m', power: null } },
  );
  assert.deepEqual(patchBody(initial, { ...initial, enabled: false }), { enabled: false });
});

test('API problems land on their fields', () => {
  const p = fieldProblems([
    { field: 'host', message: 'host: bad' },
    { field: 'intervals.sel', message: 'interval sel is shorter than the minimum of 5s' },
    { field: 'body.port', message: 'must be integer' },
    { field: 'privilegeLevel', message: 'x' },
    { field: null, message: 'a server must be an object' },
    { field: 'foo', message: 'unknown field "foo"' },
  ]);
  assert.deepEqual(p.byField.host, ['host: bad']);
  assert.deepEqual(p.byField['intervals.sel'], ['interval sel is shorter than the minimum of 5s']);
  assert.deepEqual(p.byField.port, ['must be integer']);
  assert.deepEqual(p.byField.privilege, ['x']);
  assert.deepEqual(p.other, ['a server must be an object', 'foo: unknown field "foo"']);
});

test('lists split on the importer separators', () => {
  assert.deepEqual(splitList(' a, b;c  d|e '), ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(splitList(''), []);
});

test('port and cipher suite are checked as numbers before sending', () => {
  const f = emptyForm();
  assert.deepEqual(numberProblems(f), []);
  assert.deepEqual(numberProblems({ ...f, port: '', cipherSuite: '17' }), []);
  assert.deepEqual(
    numberProblems({ ...f, port: 'abc', cipherSuite: '20' }).map((p) => p.field),
    ['port', 'cipherSuite'],
  );
  assert.deepEqual(
    numberProblems({ ...f, port: '70000' }).map((p) => p.field),
    ['port'],
  );
});
