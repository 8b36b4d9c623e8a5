import { describe } from 'node:test';
import type { DatabaseFactory } from './harness.js';
import { defineCreateTests } from './suite/create.js';
import { defineDeleteTests } from './suite/delete.js';
import { defineErrorAndHealthTests } from './suite/errors-health.js';
import { defineListTests } from './suite/list.js';
import { defineReadTests } from './suite/read.js';
import { defineUpdateTests } from './suite/update.js';

/**
 * The customer API suite, written once and run against every database: SQLite in the unit
 * tests, PostgreSQL in the integration tests. `factory` hands each test a migrated, empty database.
 */
export function runCustomerSuite(label: string, factory: DatabaseFactory): void {
  describe(`customer API on ${label}`, () => {
    defineCreateTests(factory);
    defineReadTests(factory);
    defineUpdateTests(factory);
    defineDeleteTests(factory);
    defineListTests(factory);
    defineErrorAndHealthTests(factory);
  });
}
