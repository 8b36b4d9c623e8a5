import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRequestHead } from '../src/http/check-head.js';
import { createTrustedProxies } from '../src/http/trusted-proxies.js';
import { resolveRequestId } from '../src/http/request-id.js';

test('head checks: header count, duplicate Host, framing', () => {
  const table: [string[], string | null][] = [
    [['Host', 'a', 'Content-Length', '3'], null],
    [['Host', 'a', 'Transfer-Encoding', 'chunked'], null],
    [['Host', 'a', 'HOST', 'b'], 'GW_ERR_DUPLICATE_HOST'],
    [['Host', 'a', 'Content-Length', '3', 'Transfer-Encoding', 'chunked'], 'GW_ERR_BAD_FRAMING'],
    [['Host', 'a', 'Content-Length', '3', 'content-length', '4'], 'GW_ERR_BAD_FRAMING'],
    [['Host', 'a', 'Content-Length', '3', 'content-length', '3'], null],
    [['Host', 'a', 'Content-Length', '3x'], 'GW_ERR_BAD_FRAMING'],
    [['Host', 'a', 'Content-Length', '-1'], 'GW_ERR_BAD_FRAMING'],
    [['Host', 'a', 'Transfer-Encoding', 'gzip'], 'GW_ERR_BAD_FRAMING'],
    [['Host', 'a', 'Transfer-Encoding', 'chunked', 'Transfer-Encoding', 'chunked'], 'GW_ERR_BAD_FRAMING'],
  ];
  for (const [raw, expected] of table) assert.equal(checkRequestHead(raw, 100), expected, JSON.stringify(raw));
  const many = Array.from({ length: 11 }, (_, i) => [`x-h${i}`, 'v']).flat();
  assert.equal(checkRequestHead(many, 10), 'GW_ERR_HEADERS_TOO_LARGE');
  assert.equal(checkRequestHead(many.slice(0, 20), 10), null);
});

test('trusted proxies: exact IPs and CIDR ranges, IPv4-mapped peers', () => {
  const trusted = createTrustedProxies(['10.0.0.0/8', '192.168.1.5', 'fd00::/8']);
  assert.equal(trusted.isTrusted('10.1.2.3'), true);
  assert.equal(trusted.isTrusted('::ffff:10.1.2.3'), true);
  assert.equal(trusted.isTrusted('192.168.1.5'), true);
  assert.equal(trusted.isTrusted('192.168.1.6'), false);
  assert.equal(trusted.isTrusted('fd00::1'), true);
  assert.equal(trusted.isTrusted('127.0.0.1'), false);
  assert.throws(() => createTrustedProxies(['nope']));
  assert.throws(() => createTrustedProxies(['10.0.0.0/33']));
});

test('request ids: safe client values are kept, others replaced by a generated one', () => {
  assert.equal(resolveRequestId('abc-123.x:y_z'), 'abc-123.x:y_z');
  for (const bad of ['', 'a b', 'x'.repeat(129), 'a\nb', '<script>', ['a', 'b'], undefined]) {
    const id = resolveRequestId(bad as string | string[] | undefined);
    assert.match(id, /^[0-9a-f-]{36}$/);
  }
});
