import { createDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrations.js';
import { runCustomerSuite } from './support/customer-suite.js';

runCustomerSuite('SQLite (:memory:)', async () => {
  const handle = createDatabase({ sqlitePath: ':memory:' });
  await migrateToLatest(handle);
  return handle;
});
