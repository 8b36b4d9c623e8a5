import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { createDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrations.js';
import { runConcurrentMigrators } from './support/processes.js';

test('migrations applied twice on one database apply once', async (t) => {
  const handle = createDatabase({ sqlitePath: ':memory:' });
  t.after(() => handle.db.destroy());
  assert.deepEqual(await migrateToLatest(handle), ['0001_create_customers']);
  assert.deepEqual(await migrateToLatest(handle), []);
});

test('several processes migrating one SQLite file at once: one applies, the others wait and skip', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'customers-migrate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sqlitePath = join(dir, 'nested', 'customers.sqlite');
  const outputs = await runConcurrentMigrators(t, 4, { SQLITE_PATH: sqlitePath, DATABASE_URL: '' });
  assert.deepEqual(
    outputs.map((o) => JSON.stringify(o)).sort(),
    ['{"applied":["0001_create_customers"]}', '{"applied":[]}', '{"applied":[]}', '{"applied":[]}'],
  );
  const handle = createDatabase({ sqlitePath });
  t.after(() => handle.db.destroy());
  const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(handle.db);
  assert.deepEqual(rows, [{ name: '0001_create_customers' }]);
  const { rows: mode } = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(handle.db);
  assert.equal(mode[0]!.journal_mode, 'wal');
});
