import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { createDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrations.js';
import { createTemporaryDatabase } from '../support/postgres.js';
import { runConcurrentMigrators } from '../support/processes.js';

test('several processes migrating one PostgreSQL database at once: one applies, the others skip', async (t) => {
  const database = await createTemporaryDatabase();
  t.after(() => database.drop());
  const outputs = await runConcurrentMigrators(t, 4, { DATABASE_URL: database.url });
  assert.deepEqual(
    outputs.map((o) => JSON.stringify(o)).sort(),
    ['{"applied":["0001_create_customers"]}', '{"applied":[]}', '{"applied":[]}', '{"applied":[]}'],
  );
  const handle = createDatabase({ databaseUrl: database.url });
  t.after(() => handle.db.destroy());
  const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(handle.db);
  assert.deepEqual(rows, [{ name: '0001_create_customers' }]);
});

test('concurrent migrators in one process (separate pools) on PostgreSQL also apply once', async (t) => {
  const database = await createTemporaryDatabase();
  t.after(() => database.drop());
  const handles = Array.from({ length: 5 }, () => createDatabase({ databaseUrl: database.url, pgPoolMax: 2 }));
  t.after(() => Promise.all(handles.map((h) => h.db.destroy())));
  const results = await Promise.all(handles.map((h) => migrateToLatest(h)));
  assert.deepEqual(results.map((r) => r.length).sort(), [0, 0, 0, 0, 1]);
  const { rows } = await sql<{ collation: string }>`
    select collation_name as collation from information_schema.columns where table_name = 'customers' and column_name = 'created_at'`.execute(handles[0]!.db);
  assert.equal(rows[0]!.collation, 'C');
});
