import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { encodeCursor } from '../../../src/customers/cursor.js';
import { detailPaths, startHarness, type DatabaseFactory } from '../harness.js';

async function createMany(app: FastifyInstance, count: number, prefix = 'c'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await app.inject({ method: 'POST', url: '/customers', payload: { name: `${prefix} ${i}`, email: `${prefix}${i}@example.com` } });
    assert.equal(res.statusCode, 201);
    ids.push(res.json().id);
  }
  return ids;
}

async function walk(app: FastifyInstance, query: string, between?: (page: number) => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  let page = 0;
  do {
    const url: string = `/customers?${query}${cursor === null ? '' : `&cursor=${cursor}`}`;
    const res = await app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    seen.push(...body.items.map((c: { id: string }) => c.id));
    cursor = body.nextCursor;
    if (between !== undefined) await between(page);
    page++;
  } while (cursor !== null);
  return seen;
}

export function defineListTests(factory: DatabaseFactory): void {
  test('GET /customers pages in creation order with default and explicit limits', async (t) => {
    const { app } = await startHarness(t, factory);
    const ids = await createMany(app, 25);
    const first = await app.inject({ method: 'GET', url: '/customers' });
    assert.equal(first.json().items.length, 20);
    assert.equal(first.headers['cache-control'], 'private, no-cache');
    assert.deepEqual(first.json().items.map((c: { id: string }) => c.id), ids.slice(0, 20));
    assert.equal(typeof first.json().nextCursor, 'string');
    assert.deepEqual(await walk(app, 'limit=7'), ids);
    const exact = await app.inject({ method: 'GET', url: '/customers?limit=25' });
    assert.equal(exact.json().nextCursor, null);
    const empty = await app.inject({ method: 'GET', url: '/customers?limit=1&status=inactive' });
    assert.deepEqual(empty.json(), { items: [], nextCursor: null });
  });

  test('rows sharing one createdAt are ordered by id and paged without loss', async (t) => {
    const { app } = await startHarness(t, factory, { now: () => new Date('2026-02-02T00:00:00.000Z') });
    const ids = await createMany(app, 9);
    assert.deepEqual(await walk(app, 'limit=2'), [...ids].sort());
  });

  test('limit outside 1..max is 400 (not clamped); a malformed cursor is 400', async (t) => {
    const { app } = await startHarness(t, factory);
    await createMany(app, 2);
    for (const query of ['limit=101', 'limit=0', 'limit=-1', 'limit=abc', 'limit=2.5', 'status=deleted', 'unknown=1', 'q=a%00b']) {
      const res = await app.inject({ method: 'GET', url: `/customers?${query}` });
      assert.equal(res.statusCode, 400, query);
      assert.equal(res.json().error.code, 'SVC_ERR_VALIDATION', query);
      assert.deepEqual(detailPaths(res.json()), [`querystring:/${query.split('=')[0]}`], query);
    }
    assert.equal((await app.inject({ method: 'GET', url: '/customers?limit=100' })).statusCode, 200);
    const badCursors = [
      'not base64!',
      Buffer.from('garbage').toString('base64url'),
      Buffer.from('2026-13-45T00:00:00.000Z|3f8d0a4e-9b1c-4f6e-8a2d-7c5b4e3a2f10').toString('base64url'),
      Buffer.from('2026-01-01T00:00:00.000Z|nope').toString('base64url'),
      Buffer.from('2026-01-01T00:00:00.000Z|3f8d0a4e-9b1c-4f6e-8a2d-7c5b4e3a2f10|x').toString('base64url'),
      'a'.repeat(201),
    ];
    for (const cursor of badCursors) {
      const res = await app.inject({ method: 'GET', url: `/customers?cursor=${encodeURIComponent(cursor)}` });
      assert.equal(res.statusCode, 400, cursor);
      assert.ok(['SVC_ERR_INVALID_CURSOR', 'SVC_ERR_VALIDATION'].includes(res.json().error.code));
      assert.equal(res.json().error.details[0].path, '/cursor');
    }
    const wellFormed = encodeCursor({ createdAt: '2026-01-01T00:00:00.000Z', id: '3f8d0a4e-9b1c-4f6e-8a2d-7c5b4e3a2f10' });
    assert.equal((await app.inject({ method: 'GET', url: `/customers?cursor=${wellFormed}` })).statusCode, 200);
  });

  test('the page size limits are configurable', async (t) => {
    const { app } = await startHarness(t, factory, { pageSizeDefault: 2, pageSizeMax: 3 });
    await createMany(app, 4);
    assert.equal((await app.inject({ method: 'GET', url: '/customers' })).json().items.length, 2);
    assert.equal((await app.inject({ method: 'GET', url: '/customers?limit=3' })).json().items.length, 3);
    assert.equal((await app.inject({ method: 'GET', url: '/customers?limit=4' })).statusCode, 400);
  });

  test('the cursor neither skips nor repeats rows while others insert between page fetches', async (t) => {
    const { app } = await startHarness(t, factory);
    const original = await createMany(app, 12, 'orig');
    const inserted: string[] = [];
    const seen = await walk(app, 'limit=5', async (page) => {
      if (page < 3) inserted.push(...(await createMany(app, 2, `new${page}-`)));
    });
    assert.equal(new Set(seen).size, seen.length, 'no row repeated');
    for (const id of original) assert.ok(seen.includes(id), 'no original row skipped');
    // Newer rows sort after the cursor, so they show up at the end of the walk, in order.
    assert.deepEqual(seen, [...original, ...inserted]);
  });

  test('q searches name and email case-insensitively, escaping LIKE wildcards; status filters', async (t) => {
    const { app } = await startHarness(t, factory);
    const post = async (name: string, email: string, status = 'active') =>
      (await app.inject({ method: 'POST', url: '/customers', payload: { name, email, status } })).json().id as string;
    const ana = await post('Ana García', 'ana@correo.es');
    const bob = await post('Bob', 'BOB.Builder@Example.com', 'inactive');
    const pct = await post('100% Real', 'real@example.com');
    const under = await post('snake_case', 'snake@example.com');
    const search = async (query: string) =>
      (await app.inject({ method: 'GET', url: `/customers?${query}` })).json().items.map((c: { id: string }) => c.id);
    assert.deepEqual(await search('q=ANA'), [ana]);
    assert.deepEqual(await search('q=builder%40example'), [bob]);
    assert.deepEqual(await search('q=example.com'), [bob, pct, under]);
    assert.deepEqual(await search('q=%25'), [pct]);
    assert.deepEqual(await search('q=_'), [under]);
    assert.deepEqual(await search('q=e_c'), [under]);
    assert.deepEqual(await search('q=a%25'), []);
    assert.deepEqual(await search('q=gar'), [ana]);
    assert.deepEqual(await search('status=inactive'), [bob]);
    assert.deepEqual(await search('status=active&q=example'), [pct, under]);
    assert.deepEqual(await search('q='), [ana, bob, pct, under]);
    assert.deepEqual(await walk(app, 'limit=1&q=example.com'), [bob, pct, under]);
  });
}
