import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRouter, type MatchSpec } from '../src/router/router.js';

interface R extends MatchSpec {
  id: string;
}

function route(id: string, kind: R['kind'], path: string, methods?: string[], host?: string): R {
  return { id, kind, path, methods: methods === undefined ? null : new Set(methods), host: host ?? null };
}

const routes: R[] = [
  route('prefix-api', 'prefix', '/api'),
  route('prefix-api-v1', 'prefix', '/api/v1/'),
  route('exact-health', 'exact', '/api/health'),
  route('pattern-customer', 'pattern', '/api/customers/{id}'),
  route('pattern-customer-me', 'pattern', '/api/customers/me'),
  route('pattern-orders', 'pattern', '/api/{tenant}/orders'),
  route('pattern-any-orders', 'pattern', '/api/{tenant}/{kind}'),
  route('root', 'prefix', '/'),
  route('host-api', 'prefix', '/api', undefined, 'admin.example.com'),
  route('get-only', 'exact', '/items', ['GET']),
  route('post-only', 'exact', '/items', ['POST', 'PUT']),
  route('first-in-order', 'prefix', '/dup', ['GET']),
  route('second-in-order', 'prefix', '/dup', ['GET']),
  route('widgets-get', 'prefix', '/widgets', ['GET']),
  route('widgets-delete', 'pattern', '/widgets/{id}', ['DELETE']),
];

test('precedence table: host > any host, exact > pattern > prefix, literal > param, longer prefix, then config order', () => {
  const router = createRouter(routes);
  const table: [host: string, method: string, path: string, expected: string, params?: Record<string, string>][] = [
    ['x', 'GET', '/api/health', 'exact-health'],
    ['x', 'GET', '/api/customers/42', 'pattern-customer', { id: '42' }],
    ['x', 'GET', '/api/customers/me', 'pattern-customer-me'],
    ['x', 'GET', '/api/acme/orders', 'pattern-orders', { tenant: 'acme' }],
    ['x', 'GET', '/api/acme/invoices', 'pattern-any-orders', { tenant: 'acme', kind: 'invoices' }],
    ['x', 'GET', '/api/customers/42/notes', 'prefix-api'],
    ['x', 'GET', '/api/v1/things', 'pattern-any-orders', { tenant: 'v1', kind: 'things' }],
    ['x', 'GET', '/api/v1/things/9', 'prefix-api-v1'],
    ['x', 'GET', '/api/v1', 'prefix-api-v1'],
    ['x', 'GET', '/api', 'prefix-api'],
    ['x', 'GET', '/api/', 'prefix-api'],
    ['x', 'GET', '/apix', 'root'],
    ['x', 'GET', '/', 'root'],
    ['admin.example.com', 'GET', '/api/health', 'host-api'],
    ['admin.example.com', 'GET', '/other', 'root'],
    ['x', 'GET', '/items', 'get-only'],
    ['x', 'PUT', '/items', 'post-only'],
    ['x', 'GET', '/dup/a', 'first-in-order'],
    ['x', 'DELETE', '/widgets/7', 'widgets-delete', { id: '7' }],
    ['x', 'GET', '/widgets/7', 'widgets-get'],
  ];
  for (const [host, method, path, expected, params] of table) {
    const m = router.match(host, method, path);
    assert.equal(m.kind, 'route', `${method} ${host}${path}`);
    if (m.kind !== 'route') continue;
    assert.equal(m.route.id, expected, `${method} ${host}${path}`);
    if (params !== undefined) assert.deepEqual({ ...m.params }, params);
  }
});

test('a pattern parameter never matches an empty segment', () => {
  const router = createRouter([route('p', 'pattern', '/a/{id}/b')]);
  assert.equal(router.match('h', 'GET', '/a//b').kind, 'not-found');
});

test('405 with the union of the methods of every route matching the path', () => {
  const router = createRouter(routes.filter((r) => r.id !== 'root'));
  const m = router.match('x', 'DELETE', '/items');
  assert.deepEqual(m, { kind: 'method-not-allowed', allow: ['GET', 'POST', 'PUT'] });
  const w = router.match('x', 'PATCH', '/widgets/7');
  assert.deepEqual(w, { kind: 'method-not-allowed', allow: ['DELETE', 'GET'] });
});

test('404 when nothing matches the path', () => {
  const router = createRouter([route('a', 'prefix', '/api'), route('b', 'exact', '/x')]);
  assert.equal(router.match('h', 'GET', '/apix').kind, 'not-found');
  assert.equal(router.match('h', 'GET', '/x/y').kind, 'not-found');
});

test('refuses a pattern segment that mixes text and a parameter', () => {
  assert.throws(() => createRouter([route('p', 'pattern', '/a/v{id}')]));
});
