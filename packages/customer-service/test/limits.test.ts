import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createApp } from '../src/app.js';
import { createDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrations.js';
import type { Database } from '../src/db/schema.js';

test('readiness answers 503 when the database does not answer within readinessTimeoutMs', async (t) => {
  // A TCP server that accepts connections and never speaks: a database that hangs.
  const sockets = new Set<Socket>();
  const server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const pool = new pg.Pool({ host: '127.0.0.1', port, user: 'x', database: 'x', connectionTimeoutMillis: 60_000 });
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const app = createApp({ db, readinessTimeoutMs: 50 });
  t.after(async () => {
    await app.close();
    for (const socket of sockets) socket.destroy();
    await db.destroy().catch(() => {});
    await new Promise((resolve) => server.close(resolve));
  });
  const res = await app.inject({ method: 'GET', url: '/health/ready' });
  assert.equal(res.statusCode, 503);
  assert.equal(res.json().error.code, 'SVC_ERR_UNAVAILABLE');
});

test('PATCH without If-Match gives up with 409 after maxPatchAttempts concurrent changes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'customers-patch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sqlitePath = join(dir, 'customers.sqlite');
  const handle = createDatabase({ sqlitePath });
  await migrateToLatest(handle);
  // A second connection plays "another instance": every time the app reads the clock (after its
  // read, before its compare-and-set write) that instance bumps the version first.
  const other = new SqliteDatabase(sqlitePath);
  let interfere = false;
  let interferences = 0;
  const now = () => {
    if (interfere) {
      other.prepare('update customers set version = version + 1').run();
      interferences++;
    }
    return new Date('2026-01-01T00:00:00.000Z');
  };
  const app = createApp({ db: handle.db, now, maxPatchAttempts: 2 });
  t.after(async () => {
    await app.close();
    other.close();
    await handle.db.destroy();
  });
  const created = (await app.inject({ method: 'POST', url: '/customers', payload: { name: 'A', email: 'a@example.com' } })).json();
  interfere = true;
  const patch = () =>
    app.inject({ method: 'PATCH', url: `/customers/${created.id}`, headers: { 'content-type': 'application/merge-patch+json' }, payload: '{"name":"B"}' });
  const res = await patch();
  assert.equal(res.statusCode, 409);
  assert.equal(res.json().error.code, 'SVC_ERR_CONCURRENT_UPDATE');
  assert.equal(interferences, 2);

  interfere = false;
  const ok = await patch();
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.json().name, 'B');
});
