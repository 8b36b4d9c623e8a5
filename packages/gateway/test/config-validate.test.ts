import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { filterDefinitions, type FilterDefinition } from '../src/filters/registry.js';
import { loadConfigFile, parseConfig } from '../src/config/load.js';
import { validateConfig } from '../src/config/validate.js';

/** A valid config the cases below break one thing at a time. */
function base(): any {
  return {
    services: { customers: { endpoints: [{ url: 'http://127.0.0.1:3001' }] } },
    routes: [
      { id: 'customers', match: { path: '/api/customers' }, service: 'customers', stripPrefix: '/api' },
      { id: 'one-customer', match: { path: '/v2/customers/{id}', type: 'pattern' }, service: 'customers', rewrite: '/customers/{id}' },
    ],
  };
}

function errorsOf(config: unknown): Array<[string, string]> {
  const result = validateConfig(config);
  // Sorted: the order between independent checks is not part of the contract.
  return result.ok ? [] : result.errors.map((e): [string, string] => [e.path, e.code]).sort(([a], [b]) => a.localeCompare(b));
}

test('the base config is valid', () => {
  assert.deepEqual(errorsOf(base()), []);
});

test('defaults fill every section, services and endpoints, without touching the input', () => {
  const input = base();
  const snapshot = structuredClone(input);
  const result = validateConfig(input);
  assert.equal(result.ok, true);
  if (!result.ok) return;
  assert.deepEqual(input, snapshot);
  assert.deepEqual(result.config.listener, { host: '127.0.0.1', port: 8080, trustedProxies: [], backlog: 4096 });
  assert.equal(result.config.admin.port, 8081);
  assert.equal(result.config.admin.token, undefined);
  assert.equal(result.config.limits.maxBodyBytes, 1048576);
  assert.equal(result.config.logging.level, 'info');
  const service = result.config.services.customers;
  assert.ok(service);
  assert.equal(service.connectionsPerEndpoint, 128);
  assert.equal(service.loadBalancer.policy, 'round-robin');
  assert.equal(service.endpoints[0]?.weight, 1);
  assert.equal(result.config.routes[0]?.match.type, 'prefix');
  assert.deepEqual(result.config.routes[0]?.filters, []);
});

test('an empty document is the all-defaults config', () => {
  const result = parseConfig('');
  assert.equal(result.ok, true);
  assert.deepEqual(result.ok && result.config.routes, []);
});

test('unknown keys are errors, at every level, and all are reported', () => {
  const config = base();
  config.listner = {};
  config.listener = { prot: 80 };
  config.services.customers.endpoint = [];
  config.routes[0].match.paht = '/x';
  config.services['Bad.Name'] = { endpoints: [] };
  assert.deepEqual(errorsOf(config), [
    ['listener.prot', 'CONFIG_UNKNOWN_KEY'],
    ['listner', 'CONFIG_UNKNOWN_KEY'],
    ['routes[0].match.paht', 'CONFIG_UNKNOWN_KEY'],
    ['services.customers.endpoint', 'CONFIG_UNKNOWN_KEY'],
    ['services["Bad.Name"]', 'CONFIG_SCHEMA'],
  ]);
});

test('a __proto__ key is an unknown key, not a prototype', () => {
  const result = parseConfig('{"listener": {"__proto__": {"port": 1}}}', { format: 'json' });
  assert.deepEqual(!result.ok && result.errors.map((e) => [e.path, e.code]), [['listener.__proto__', 'CONFIG_UNKNOWN_KEY']]);
});

test('schema errors name the path; a missing property is reported once', () => {
  const config = base();
  config.listener = { port: 70000 };
  config.logging = { level: 'verbose' };
  config.admin = { token: 'short' };
  delete config.routes[1].service;
  config.routes[0].match.methods = ['get'];
  assert.deepEqual(errorsOf(config), [
    ['admin.token', 'CONFIG_SCHEMA'],
    ['listener.port', 'CONFIG_SCHEMA'],
    ['logging.level', 'CONFIG_SCHEMA'],
    ['routes[0].match.methods[0]', 'CONFIG_SCHEMA'],
    ['routes[1].service', 'CONFIG_SCHEMA'],
  ]);
});

const semanticCases: Array<[string, (c: any) => void, Array<[string, string]>]> = [
  ['unknown service', (c) => (c.routes[1].service = 'customer'), [['routes[1].service', 'CONFIG_UNKNOWN_SERVICE']]],
  ['duplicate route id', (c) => (c.routes[1].id = 'customers'), [['routes[1].id', 'CONFIG_DUPLICATE_ROUTE_ID']]],
  ['same match twice', (c) => c.routes.push({ ...c.routes[0], id: 'again' }), [['routes[2].match', 'CONFIG_DUPLICATE_MATCH']]],
  ['rewrite with stripPrefix', (c) => (c.routes[1].stripPrefix = '/v2'), [['routes[1].rewrite', 'CONFIG_REWRITE_EXCLUSIVE']]],
  ['rewrite with addPrefix', (c) => (c.routes[1].addPrefix = '/v2'), [['routes[1].rewrite', 'CONFIG_REWRITE_EXCLUSIVE']]],
  ['rewrite param not captured', (c) => (c.routes[1].rewrite = '/customers/{customerId}'), [['routes[1].rewrite', 'CONFIG_REWRITE_PARAM']]],
  ['rewrite param on a prefix route', (c) => (c.routes[0] = { ...c.routes[0], stripPrefix: undefined, rewrite: '/c/{id}' }), [['routes[0].rewrite', 'CONFIG_REWRITE_PARAM']]],
  ['bad param syntax', (c) => (c.routes[1].match.path = '/v2/customers/{1d}'), [['routes[1].match.path', 'CONFIG_PATH_SYNTAX']]],
  ['param inside a segment', (c) => (c.routes[1].match.path = '/v2/customers/id-{id}'), [['routes[1].match.path', 'CONFIG_PATH_SYNTAX']]],
  ['param twice', (c) => (c.routes[1].match.path = '/v2/{id}/{id}'), [['routes[1].match.path', 'CONFIG_PATH_SYNTAX']]],
  ['param on a prefix route', (c) => (c.routes[0].match.path = '/api/{id}'), [['routes[0].match.path', 'CONFIG_PATH_SYNTAX']]],
  ['dot-dot segment', (c) => (c.routes[0].match.path = '/api/../admin'), [['routes[0].match.path', 'CONFIG_PATH_SYNTAX']]],
  ['empty segment', (c) => (c.routes[0].match.path = '/api//customers'), [['routes[0].match.path', 'CONFIG_PATH_SYNTAX']]],
  ['stripPrefix not a prefix', (c) => (c.routes[0].stripPrefix = '/v1'), [['routes[0].stripPrefix', 'CONFIG_STRIP_PREFIX']]],
  ['stripPrefix not on a segment boundary', (c) => (c.routes[0].stripPrefix = '/ap'), [['routes[0].stripPrefix', 'CONFIG_STRIP_PREFIX']]],
  ['stripPrefix past the first pattern param', (c) => (c.routes[1] = { ...c.routes[1], rewrite: undefined, stripPrefix: '/v2/customers/x' }), [['routes[1].stripPrefix', 'CONFIG_STRIP_PREFIX']]],
  ['endpoint with a path', (c) => (c.services.customers.endpoints[0].url = 'http://127.0.0.1:3001/customers'), [['services.customers.endpoints[0].url', 'CONFIG_ENDPOINT_URL']]],
  ['endpoint with a query', (c) => (c.services.customers.endpoints[0].url = 'http://127.0.0.1:3001?x=1'), [['services.customers.endpoints[0].url', 'CONFIG_ENDPOINT_URL']]],
  ['endpoint not http', (c) => (c.services.customers.endpoints[0].url = 'ftp://127.0.0.1'), [['services.customers.endpoints[0].url', 'CONFIG_ENDPOINT_URL']]],
  ['endpoint with credentials', (c) => (c.services.customers.endpoints[0].url = 'http://u:p@127.0.0.1:3001'), [['services.customers.endpoints[0].url', 'CONFIG_ENDPOINT_URL']]],
  ['endpoint not a URL', (c) => (c.services.customers.endpoints[0].url = 'localhost:3001/'), [['services.customers.endpoints[0].url', 'CONFIG_ENDPOINT_URL']]],
  ['bad trusted proxy', (c) => (c.listener = { trustedProxies: ['10.0.0.0/8', '::1', '10.0.0.0/33', 'proxy.local'] }), [['listener.trustedProxies[2]', 'CONFIG_TRUSTED_PROXY'], ['listener.trustedProxies[3]', 'CONFIG_TRUSTED_PROXY']]],
  ['admin on the listener address', (c) => (c.admin = { port: 8080 }), [['admin.port', 'CONFIG_ADDRESS_CONFLICT']]],
  ['headers timeout above request timeout', (c) => (c.limits = { headersTimeoutMs: 40000 }), [['limits.headersTimeoutMs', 'CONFIG_LIMITS']]],
];

for (const [name, mutate, expected] of semanticCases) {
  test(`semantic check: ${name}`, () => {
    const config = base();
    mutate(config);
    assert.deepEqual(errorsOf(JSON.parse(JSON.stringify(config))), expected);
  });
}

test('every problem is reported in one run, schema and semantic together', () => {
  const config = base();
  config.routes[0].service = 'nope';
  config.routes[1].id = 'customers';
  config.listener = { port: 'x' };
  assert.deepEqual(errorsOf(config), [
    ['listener.port', 'CONFIG_SCHEMA'],
    ['routes[0].service', 'CONFIG_UNKNOWN_SERVICE'],
    ['routes[1].id', 'CONFIG_DUPLICATE_ROUTE_ID'],
  ]);
});

test('filters: shape, unknown name, defaults, schema and the validate hook', (t) => {
  const definition: FilterDefinition<{ limit: number; after?: string }> = {
    name: 'testFilter',
    schema: Type.Object(
      { testFilter: Type.Object({ limit: Type.Integer({ minimum: 1, default: 10 }), after: Type.Optional(Type.String()) }, { additionalProperties: false, default: {} }) },
      { additionalProperties: false },
    ),
    validate: (config, filters, index) =>
      config.after !== undefined && !filters.slice(0, index).some((f) => Object.keys(f)[0] === config.after)
        ? [{ path: 'after', message: `must come after ${config.after}` }]
        : [],
    create: () => async (_ctx, next) => next(),
  };
  filterDefinitions.push(definition);
  t.after(() => filterDefinitions.splice(filterDefinitions.indexOf(definition), 1));

  const config = base();
  config.routes[0].filters = [{ testFilter: {} }, { testFilter: { limit: 0 } }, { nope: {} }, { testFilter: {}, other: {} }, 'x', { testFilter: { after: 'jwtAuth' } }, { testFilter: { extra: 1 } }];
  assert.deepEqual(errorsOf(config), [
    ['routes[0].filters[1].testFilter.limit', 'CONFIG_SCHEMA'],
    ['routes[0].filters[2].nope', 'CONFIG_UNKNOWN_FILTER'],
    ['routes[0].filters[3]', 'CONFIG_FILTER_SHAPE'],
    ['routes[0].filters[4]', 'CONFIG_FILTER_SHAPE'],
    ['routes[0].filters[5].testFilter.after', 'CONFIG_FILTER'],
    ['routes[0].filters[6].testFilter.extra', 'CONFIG_UNKNOWN_KEY'],
  ]);

  const good = base();
  good.routes[0].filters = [{ testFilter: {} }];
  const result = validateConfig(good);
  assert.equal(result.ok, true);
  assert.deepEqual(result.ok && result.config.routes[0]?.filters, [{ testFilter: { limit: 10 } }]);
});

test('YAML and JSON syntax errors, and duplicate YAML keys, are CONFIG_SYNTAX', () => {
  for (const [text, format] of [['listener: [', 'yaml'], ['listener:\n  port: 1\n  port: 2\n', 'yaml'], ['{"listener": ', 'json']] as const) {
    const result = parseConfig(text, { format });
    assert.deepEqual(!result.ok && result.errors.map((e) => e.code), ['CONFIG_SYNTAX'], text);
  }
});

test('loadConfigFile reads YAML and JSON by extension and reports an unreadable file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'portero-config-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'gw.json'), JSON.stringify(base()));
  await writeFile(join(dir, 'gw.yaml'), 'listener:\n  port: ${GW_PORT}\n');
  const json = await loadConfigFile(join(dir, 'gw.json'), {});
  assert.equal(json.ok, true);
  const yaml = await loadConfigFile(join(dir, 'gw.yaml'), { GW_PORT: '8181' });
  assert.equal(yaml.ok && yaml.config.listener.port, 8181);
  const missing = await loadConfigFile(join(dir, 'absent.yaml'), {});
  assert.deepEqual(!missing.ok && missing.errors.map((e) => [e.path, e.code]), [['', 'CONFIG_FILE_UNREADABLE']]);
});

test('auth checks (issuer consistency, jwtAuth issuer references) are reported with their paths', () => {
  const config = base();
  config.auth = { issuers: { main: { issuer: 'https://id.example.test', algorithms: ['HS256'] } } };
  config.routes[0].filters = [{ jwtAuth: { issuers: ['main', 'other'], audiences: ['customers-api'] } }];
  assert.deepEqual(errorsOf(config), [
    ['auth.issuers.main.algorithms', 'CONFIG_AUTH'],
    ['routes[0].filters[0].jwtAuth.issuers[1]', 'CONFIG_AUTH'],
  ]);
  config.auth.issuers.main.hmacSecret = 'a-shared-secret-of-at-least-32-chars!';
  config.routes[0].filters[0].jwtAuth.issuers = ['main'];
  assert.deepEqual(errorsOf(config), []);
});
