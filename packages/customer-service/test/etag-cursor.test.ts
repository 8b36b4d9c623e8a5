import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeCursor, encodeCursor } from '../src/customers/cursor.js';
import { createEtag, ifMatchHolds, ifNoneMatchHits } from '../src/customers/etag.js';

const ID = '3f8d0a4e-9b1c-4f6e-8a2d-7c5b4e3a2f10';

describe('entity tags', () => {
  test('are strong and derived from id and version', () => {
    assert.equal(createEtag(ID, 3), `"${ID}-v3"`);
    assert.notEqual(createEtag(ID, 3), createEtag(ID, 4));
  });

  test('If-None-Match: weak comparison, lists and *', () => {
    const etag = createEtag(ID, 1);
    const table: [string | undefined, boolean][] = [
      [undefined, false],
      [etag, true],
      [`W/${etag}`, true],
      ['*', true],
      [`"a", ${etag}`, true],
      [`"a",W/"b",${etag}`, true],
      ['"a", "b"', false],
      [etag.slice(1), false],
      ['', false],
    ];
    for (const [header, expected] of table) assert.equal(ifNoneMatchHits(header, etag), expected, String(header));
  });

  test('If-Match: strong comparison, lists and *', () => {
    const etag = createEtag(ID, 2);
    const table: [string, boolean][] = [
      [etag, true],
      [`W/${etag}`, false],
      ['*', true],
      [`"x", ${etag}`, true],
      [createEtag(ID, 1), false],
      ['garbage', false],
    ];
    for (const [header, expected] of table) assert.equal(ifMatchHolds(header, etag), expected, header);
  });
});

describe('cursors', () => {
  test('round-trip and stay opaque base64url', () => {
    const position = { createdAt: '2026-01-01T00:00:00.123Z', id: ID };
    const cursor = encodeCursor(position);
    assert.match(cursor, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(decodeCursor(cursor), position);
  });

  test('refuse anything encodeCursor did not produce', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    for (const bad of [
      '',
      '!!!',
      'abc=',
      b64('2026-01-01T00:00:00.123Z'),
      b64(`2026-01-01T00:00:00Z|${ID}`),
      b64(`2026-02-30T00:00:00.000Z|x`),
      b64(`2026-99-01T00:00:00.000Z|${ID}`),
      b64(`2026-01-01T00:00:00.000Z|${ID.toUpperCase()}`),
      b64(`2026-01-01T00:00:00.000Z|${ID}|extra`),
    ]) {
      assert.equal(decodeCursor(bad), undefined, bad);
    }
  });
});
