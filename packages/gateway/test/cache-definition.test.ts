import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import pino from 'pino';
import { Registry } from 'prom-client';
import { cacheFilterDefinition } from '../src/filters/cache/definition.js';
import { CacheFilterConfigSchema, type CacheFilterConfig } from '../src/filters/cache/schema.js';
import type { SharedResources } from '../src/filters/registry.js';
import { makeContext } from './cache-harness.js';

const defaults = (partial: Partial<CacheFilterConfig> = {}) => Value.Default(CacheFilterConfigSchema, structuredClone(partial)) as CacheFilterConfig;

// [name, filters, index of cache, expected issue paths]
const orderCases: [string, Record<string, unknown>[], number, string[]][] = [
  ['after jwtAuth and authorize', [{ jwtAuth: {} }, { authorize: {} }, { cache: {} }], 2, []],
  ['before jwtAuth', [{ cache: {} }, { jwtAuth: {} }], 0, ['']],
  ['between jwtAuth and authorize', [{ jwtAuth: {} }, { cache: {} }, { authorize: {} }], 1, ['']],
  ['no access filters at all', [{ cache: {} }], 0, []],
];

for (const [name, filters, index, paths] of orderCases) {
  test(`validate order: ${name}`, () => {
    const issues = cacheFilterDefinition.validate?.(defaults(), filters, index) ?? [];
    assert.deepEqual(issues.map((i) => i.path), paths);
  });
}

test('validate statuses: 5xx, 401, 403 are refused even if configured', () => {
  const issues = cacheFilterDefinition.validate?.(defaults({ statuses: [200, 401, 403, 500, 503] }), [{ cache: {} }], 0) ?? [];
  assert.deepEqual(issues.map((i) => i.path), ['/statuses/1', '/statuses/2', '/statuses/3', '/statuses/4']);
});

test('schema: defaults, and only GET/HEAD as cached methods', () => {
  const config = defaults();
  assert.deepEqual(config.methods, ['GET', 'HEAD']);
  assert.deepEqual(config.statuses, [200, 203, 204, 300, 301, 404, 410]);
  assert.equal(config.coalesce.maxWaiters, 1000);
  assert.equal(Value.Check(CacheFilterConfigSchema, { ...config, methods: ['POST'] }), false);
});

test('create: one store shared by routes through SharedResources', async () => {
  const made = new Map<string, unknown>();
  const resources: SharedResources = {
    acquire(key, create) {
      if (!made.has(key)) made.set(key, create());
      return made.get(key) as never;
    },
  };
  const deps = { routeId: 'r1', logger: pino({ level: 'silent' }), metrics: new Registry(), resources, gatewayConfig: { stores: { cache: { type: 'memory', maxBytes: 1 << 20, maxEntryBytes: 4096 } } } };
  const f1 = await cacheFilterDefinition.create(defaults({ defaultTtlSeconds: 60 }), deps);
  const f2 = await cacheFilterDefinition.create(defaults({ defaultTtlSeconds: 60 }), { ...deps, routeId: 'r2' });
  assert.equal(made.size, 1);
  let calls = 0;
  const upstream = (ctx: ReturnType<typeof makeContext>) => async () => {
    calls++;
    ctx.response = { status: 200, headers: { 'content-length': '2' }, body: Buffer.from('ok') };
  };
  const a = makeContext({});
  await f1(a, upstream(a));
  const b = makeContext({});
  await f2(b, upstream(b));
  assert.equal(calls, 1);
  assert.match(String(b.response?.headers['cache-status']), /^Portero; hit/);
  await (made.get('cache:runtime') as { close(): Promise<void> }).close();
});
