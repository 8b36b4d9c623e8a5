import { after, before } from 'node:test';
import { sql } from 'kysely';
import { createDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrations.js';
import { runCustomerSuite } from '../support/customer-suite.js';
import { createTemporaryDatabase, type TemporaryDatabase } from '../support/postgres.js';

let database: TemporaryDatabase;

before(async () => {
  database = await createTemporaryDatabase();
});
after(async () => {
  await database.drop();
});

runCustomerSuite('PostgreSQL', async () => {
  const handle = createDatabase({ databaseUrl: database.url, pgPoolMax: 5 });
  await migrateToLatest(handle);
  // Tests run one after another within this file; each starts from an empty table. A test that
  // dropped the table gets it back through the migration bookkeeping being reset.
  const { rows } = await sql<{ exists: boolean }>`select to_regclass('customers') is not null as exists`.execute(handle.db);
  if (!rows[0]!.exists) {
    await sql`delete from kysely_migration`.execute(handle.db);
    await migrateToLatest(handle);
  }
  await sql`truncate customers`.execute(handle.db);
  return handle;
});
