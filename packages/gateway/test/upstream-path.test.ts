import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileLocationRewrite, compileUpstreamPath } from '../src/router/upstream-path.js';

test('stripPrefix / addPrefix / rewrite table', () => {
  const table: [spec: Parameters<typeof compileUpstreamPath>[0], path: string, query: string, params: Record<string, string>, expected: string][] = [
    [{ paramNames: [] }, '/a/b', '', {}, '/a/b'],
    [{ paramNames: [] }, '/a/b', 'x=1', {}, '/a/b?x=1'],
    [{ stripPrefix: '/api', paramNames: [] }, '/api/customers', '', {}, '/customers'],
    [{ stripPrefix: '/api', paramNames: [] }, '/api', 'q=1', {}, '/?q=1'],
    [{ stripPrefix: '/api', paramNames: [] }, '/apix', '', {}, '/apix'],
    [{ stripPrefix: '/api/', paramNames: [] }, '/api/x', '', {}, '/x'],
    [{ addPrefix: '/v2', paramNames: [] }, '/customers', '', {}, '/v2/customers'],
    [{ addPrefix: '/v2', paramNames: [] }, '/', '', {}, '/v2'],
    [{ stripPrefix: '/api', addPrefix: '/internal', paramNames: [] }, '/api/c/1', 'a=b', {}, '/internal/c/1?a=b'],
    [{ rewrite: '/customers/{id}/profile', paramNames: ['id'] }, '/people/7', 'v=1', { id: '7' }, '/customers/7/profile?v=1'],
    [{ rewrite: '/fixed', paramNames: [] }, '/anything', '', {}, '/fixed'],
  ];
  for (const [spec, path, query, params, expected] of table) {
    assert.equal(compileUpstreamPath(spec)(path, query, params), expected, JSON.stringify(spec));
  }
});

test('refuses a rewrite with an unknown parameter or combined with prefixes', () => {
  assert.throws(() => compileUpstreamPath({ rewrite: '/x/{nope}', paramNames: ['id'] }));
  assert.throws(() => compileUpstreamPath({ rewrite: '/x', stripPrefix: '/a', paramNames: [] }));
});

test('Location rewrite maps upstream paths back into the route path space', () => {
  const table: [spec: Parameters<typeof compileLocationRewrite>[0], location: string, expected: string][] = [
    [{ stripPrefix: '/api' }, '/customers/42', '/api/customers/42'],
    [{ stripPrefix: '/api' }, '/', '/api/'],
    [{ stripPrefix: '/api' }, 'http://elsewhere.example/customers/1', 'http://elsewhere.example/customers/1'],
    [{ stripPrefix: '/api' }, '//evil.example/x', '//evil.example/x'],
    [{ stripPrefix: '/api' }, 'customers/1', 'customers/1'],
    [{ addPrefix: '/v2' }, '/v2/customers/1', '/customers/1'],
    [{ addPrefix: '/v2' }, '/v2', '/'],
    [{ addPrefix: '/v2' }, '/v2x/customers', '/v2x/customers'],
    [{ addPrefix: '/v2' }, '/other', '/other'],
    [{ stripPrefix: '/api', addPrefix: '/internal' }, '/internal/c/1?x=1', '/api/c/1?x=1'],
    [{ stripPrefix: '/api', addPrefix: '/internal' }, '/internal', '/api'],
  ];
  for (const [spec, location, expected] of table) {
    const rewrite = compileLocationRewrite(spec);
    assert.ok(rewrite, JSON.stringify(spec));
    assert.equal(rewrite(location), expected, `${JSON.stringify(spec)} ${location}`);
  }
  assert.equal(compileLocationRewrite({}), undefined);
  assert.equal(compileLocationRewrite({ rewrite: '/x' }), undefined);
  assert.equal(compileLocationRewrite({ stripPrefix: '/a', addPrefix: '/a' }), undefined);
});
