/**
 * Generated request ids: version-4 UUIDs in the canonical form, distinct across more than one
 * refill of the random pool; a safe client id is kept, anything else replaced.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomRequestId, resolveRequestId } from '../src/http/request-id.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('generated ids are distinct version-4 UUIDs across several refills of the random pool', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const id = randomRequestId();
    assert.match(id, UUID_V4);
    seen.add(id);
  }
  assert.equal(seen.size, 2000);
});

test('every hex digit position varies: the ids are not a counter or a fixed pattern', () => {
  const ids = Array.from({ length: 512 }, () => randomRequestId());
  for (let pos = 0; pos < 36; pos++) {
    if ([8, 13, 18, 23, 14].includes(pos)) continue; // dashes and the version digit
    const chars = new Set(ids.map((id) => id[pos]));
    assert.ok(chars.size >= (pos === 19 ? 4 : 10), `position ${pos} took ${chars.size} values`);
  }
});

test('a safe client id is kept; an unsafe, too long, empty or repeated one is replaced', () => {
  assert.equal(resolveRequestId('abc-123_x.y:z'), 'abc-123_x.y:z');
  for (const bad of ['bad id', 'a'.repeat(129), '', '<script>', ['a', 'b']]) assert.match(resolveRequestId(bad), UUID_V4);
  assert.match(resolveRequestId(undefined), UUID_V4);
});
