import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpolateEnv, interpolateString } from '../src/config/interpolate.js';
import { parseConfig } from '../src/config/load.js';

const env = { HOST: 'example.test', EMPTY: '', PORT: '9090', TOKEN: 'abcdefghijklmnopqrstuvwxyz' };

const table: Array<[string, string]> = [
  ['plain text', 'plain text'],
  ['${HOST}', 'example.test'],
  ['http://${HOST}:${PORT}', 'http://example.test:9090'],
  ['${MISSING:-fallback}', 'fallback'],
  ['${EMPTY:-fallback}', 'fallback'],
  ['${HOST:-fallback}', 'example.test'],
  ['${MISSING:-}', ''],
  ['${MISSING:-a:-b}', 'a:-b'],
  ['$${HOST}', '${HOST}'],
  ['cost: $5', 'cost: $5'],
  ['$$', '$$'],
];

for (const [input, expected] of table) {
  test(`interpolates ${JSON.stringify(input)}`, () => {
    const result = interpolateString(input, env);
    assert.equal(result.ok, true);
    assert.equal(result.ok && result.text, expected);
  });
}

const failures: Array<[string, string]> = [
  ['${MISSING}', 'CONFIG_ENV_MISSING'],
  ['${EMPTY}', 'CONFIG_ENV_MISSING'],
  ['${HOST', 'CONFIG_ENV_SYNTAX'],
  ['${}', 'CONFIG_ENV_SYNTAX'],
  ['${1BAD}', 'CONFIG_ENV_SYNTAX'],
  ['${A-B}', 'CONFIG_ENV_SYNTAX'],
];

for (const [input, code] of failures) {
  test(`rejects ${JSON.stringify(input)} with ${code}`, () => {
    const result = interpolateString(input, env);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.code, code);
  });
}

test('interpolates string scalars only, never keys, and reports every missing variable with its path', () => {
  const result = interpolateEnv({ '${HOST}': 'x', a: ['${NOPE}', { b: '${ALSO_NOPE}' }], n: 5 }, env);
  assert.deepEqual(
    result.errors.map((e) => [e.path, e.code]),
    [
      ['a[0]', 'CONFIG_ENV_MISSING'],
      ['a[1].b', 'CONFIG_ENV_MISSING'],
    ],
  );
  assert.deepEqual(Object.keys(result.value as object), ['${HOST}', 'a', 'n']);
});

test('an interpolated value becomes a number or boolean where the schema wants one, a literal string does not', () => {
  const ok = parseConfig('listener:\n  port: ${PORT}\nlogging:\n  accessLog: ${ACCESS:-false}\nadmin:\n  token: ${TOKEN}\n', { env });
  assert.equal(ok.ok, true);
  assert.equal(ok.ok && ok.config.listener.port, 9090);
  assert.equal(ok.ok && ok.config.logging.accessLog, false);
  assert.equal(ok.ok && ok.config.admin.token, env.TOKEN);

  const quoted = parseConfig('listener:\n  port: "9090"\n', { env });
  assert.equal(quoted.ok, false);
  assert.deepEqual(!quoted.ok && quoted.errors.map((e) => [e.path, e.code]), [['listener.port', 'CONFIG_SCHEMA']]);
});

test('a value from the environment is never parsed as YAML', () => {
  const result = parseConfig('admin:\n  token: ${TOKEN}\n', { env: { TOKEN: '{ injected: yes, x: 1234567890 }' } });
  assert.equal(result.ok, true);
  assert.equal(result.ok && result.config.admin.token, '{ injected: yes, x: 1234567890 }');
});

test('missing variables fail the whole config with their paths', () => {
  const result = parseConfig('listener:\n  host: ${LISTEN_HOST}\nadmin:\n  token: ${ADMIN_TOKEN}\n', { env: {} });
  assert.equal(result.ok, false);
  assert.deepEqual(
    !result.ok && result.errors.map((e) => [e.path, e.code]),
    [
      ['listener.host', 'CONFIG_ENV_MISSING'],
      ['admin.token', 'CONFIG_ENV_MISSING'],
    ],
  );
});
