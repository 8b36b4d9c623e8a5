import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { generateCustomers } from './generate-customers.js';

/** How many customers to write and how. */
export interface SeedOptions {
  count: number;
  seed: number;
  /** Rows per INSERT; 500 rows x 15 columns stays under both databases' parameter limits. */
  batchSize: number;
  /** createdAt of the first customer. */
  startMs: number;
}

/**
 * Inserts `count` deterministic customers in batches, each batch in its own statement. Running it
 * again with the same seed inserts nothing new: rows whose id or email exists are skipped.
 * Returns how many rows were inserted.
 */
export async function seedCustomers(db: Kysely<Database>, options: SeedOptions): Promise<number> {
  let inserted = 0;
  for (let offset = 0; offset < options.count; offset += options.batchSize) {
    const rows = generateCustomers({ seed: options.seed, offset, count: Math.min(options.batchSize, options.count - offset), startMs: options.startMs });
    const result = await db
      .insertInto('customers')
      .values(rows)
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    inserted += Number(result.numInsertedOrUpdatedRows ?? 0n);
  }
  return inserted;
}
