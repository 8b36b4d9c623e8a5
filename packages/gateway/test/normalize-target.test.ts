import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeTarget } from '../src/http/normalize-target.js';

test('normalises paths once: dot-segments, duplicate slashes, unreserved escapes, escape case', () => {
  const table: [string, string, string][] = [
    ['/', '/', ''],
    ['/api/customers', '/api/customers', ''],
    ['/api/customers?x=1&y=%2F', '/api/customers', 'x=1&y=%2F'],
    ['/a/./b', '/a/b', ''],
    ['/a/b/../c', '/a/c', ''],
    ['/a/b/..', '/a/', ''],
    ['/a/.', '/a/', ''],
    ['//a///b//', '/a/b/', ''],
    ['/%61%62%7E', '/ab~', ''],
    ['/a%2db', '/a-b', ''],
    ['/a%3ab%3A', '/a%3Ab%3A', ''],
    ['/caf%c3%a9', '/caf%C3%A9', ''],
    ['/a/%2e%2e/b', '/b', ''],
    ['/a/%2E/b', '/a/b', ''],
    ['/a/..b/c', '/a/..b/c', ''],
    ['/a/', '/a/', ''],
  ];
  for (const [input, path, query] of table) {
    assert.deepEqual(normalizeTarget(input), { path, query }, input);
  }
});

test('refuses ambiguous targets with a specific 400 code', () => {
  const table: [string, string][] = [
    ['http://example.com/a', 'GW_ERR_BAD_TARGET'],
    ['example.com:443', 'GW_ERR_BAD_TARGET'],
    ['*', 'GW_ERR_BAD_TARGET'],
    ['/a#frag', 'GW_ERR_BAD_TARGET'],
    ['/a?b#frag', 'GW_ERR_BAD_TARGET'],
    ['/a%2Fb', 'GW_ERR_ENCODED_SEPARATOR'],
    ['/a%2fb', 'GW_ERR_ENCODED_SEPARATOR'],
    ['/a%5Cb', 'GW_ERR_ENCODED_SEPARATOR'],
    ['/a%00b', 'GW_ERR_ENCODED_SEPARATOR'],
    ['/a%0Ab', 'GW_ERR_ENCODED_SEPARATOR'],
    ['/a\u0000b', 'GW_ERR_BAD_PATH'],
    ['/a\\b', 'GW_ERR_BAD_PATH'],
    ['/a\tb', 'GW_ERR_BAD_PATH'],
    ['/caf\u00e9', 'GW_ERR_BAD_PATH'],
    ['/a?q=\u00e9', 'GW_ERR_BAD_PATH'],
    ['/a%zz', 'GW_ERR_BAD_PATH'],
    ['/a%4', 'GW_ERR_BAD_PATH'],
    ['/..', 'GW_ERR_PATH_ESCAPES_ROOT'],
    ['/a/../..', 'GW_ERR_PATH_ESCAPES_ROOT'],
    ['/%2e%2e/etc/passwd', 'GW_ERR_PATH_ESCAPES_ROOT'],
  ];
  for (const [input, code] of table) assert.equal(normalizeTarget(input), code, JSON.stringify(input));
});

test('returns the target untouched (same string) when it needs no normalisation', () => {
  const target = '/api/customers/42';
  const result = normalizeTarget(target);
  assert.ok(typeof result !== 'string');
  assert.equal(result.path, target);
});
