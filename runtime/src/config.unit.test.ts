import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  commonConfig,
  defineConfig,
  describeConfig,
  parseConfig,
  type CodedError,
} from './index.js';

const spec = defineConfig({
  brokers: { env: 'BROKERS', type: 'list', doc: 'brokers' },
  port: { env: 'PORT', type: 'int', default: 8080, min: 1, doc: 'port' },
  debug: { env: 'DEBUG', type: 'bool', default: false, doc: 'debug' },
  url: { env: 'URL', type: 'url', default: null, doc: 'url' },
});

const failsWith = (env: Record<string, string>, pattern: RegExp) =>
  assert.throws(
    () => parseConfig(spec, env),
    (err: CodedError) => err.code === 'RT_CONFIG_INVALID' && pattern.test(err.message),
  );

test('parses every type and applies defaults', () => {
  const c = parseConfig(spec, { BROKERS: 'a:1, b:2,', DEBUG: 'yes', URL: 'http://x:1/path/' });
  assert.deepEqual(c, { brokers: ['a:1', 'b:2'], port: 8080, debug: true, url: 'http://x:1/path' });
  assert.equal(parseConfig(spec, { BROKERS: 'a' }).url, null);
});

test('errors name the variable', () => {
  failsWith({}, /^BROKERS: is required/);
  failsWith({ BROKERS: 'a', PORT: '80x' }, /^PORT: expected an integer/);
  failsWith({ BROKERS: 'a', PORT: '0' }, /^PORT: must be >= 1/);
  failsWith({ BROKERS: 'a', DEBUG: 'maybe' }, /^DEBUG: expected true\/false/);
  failsWith({ BROKERS: 'a', URL: 'not a url' }, /^URL: expected a URL/);
});

test('the common config has working defaults for the local stack', () => {
  const c = parseConfig(commonConfig, {});
  assert.deepEqual(c.kafkaBrokers, ['127.0.0.1:9092']);
  assert.equal(c.registryUrl, 'http://127.0.0.1:8081/apis/ccompat/v7');
});

test('describeConfig documents every variable', () => {
  const doc = describeConfig(spec);
  for (const v of ['BROKERS', 'PORT', 'DEBUG', 'URL']) assert.match(doc, new RegExp(`\`${v}\``));
  assert.match(doc, /\(required\)/);
});
