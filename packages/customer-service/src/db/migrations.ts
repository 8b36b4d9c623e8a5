import { Migrator, sql, type Kysely, type Migration, type MigrationProvider, type MigrationResult } from 'kysely';
import type { DatabaseHandle, DialectName } from './database.js';

/**
 * The migration set, in code so the built service needs no migration files on disk. Names sort
 * in the order they run; never edit a shipped migration, add a new one.
 */
function createMigrations(dialect: DialectName): Record<string, Migration> {
  // PostgreSQL compares text with the database collation; keyset pagination needs byte order
  // for ids and timestamps, which SQLite uses anyway.
  const orderedText = dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
  return {
    '0001_create_customers': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('customers')
          .addColumn('id', orderedText, (col) => col.primaryKey())
          .addColumn('name', 'text', (col) => col.notNull())
          .addColumn('name_lower', 'text', (col) => col.notNull())
          .addColumn('email', 'text', (col) => col.notNull())
          .addColumn('email_lower', 'text', (col) => col.notNull())
          .addColumn('phone', 'text')
          .addColumn('address_street', 'text')
          .addColumn('address_city', 'text')
          .addColumn('address_postal_code', 'text')
          .addColumn('address_country', 'text')
          .addColumn('status', 'text', (col) => col.notNull().defaultTo('active').check(sql`status in ('active', 'inactive')`))
          .addColumn('created_at', orderedText, (col) => col.notNull())
          .addColumn('updated_at', 'text', (col) => col.notNull())
          .addColumn('version', 'integer', (col) => col.notNull().defaultTo(1))
          .execute();
        await db.schema.createIndex('customers_email_lower_key').unique().on('customers').column('email_lower').execute();
        await db.schema.createIndex('customers_created_at_id_idx').on('customers').columns(['created_at', 'id']).execute();
      },
      async down(db: Kysely<any>) {
        await db.schema.dropTable('customers').execute();
      },
    },
  };
}

function createProvider(dialect: DialectName): MigrationProvider {
  return { getMigrations: async () => createMigrations(dialect) };
}

/** Raised when a migration fails; the database is left as it was before the run. */
export class MigrationError extends Error {
  readonly results: MigrationResult[];
  constructor(cause: unknown, results: MigrationResult[]) {
    super('database migration failed', { cause });
    this.name = 'MigrationError';
    this.results = results;
  }
}

/**
 * Brings the schema to the latest version; safe when several instances start at once. On
 * PostgreSQL, Kysely's Migrator holds a session advisory lock and runs the pending migrations in
 * one transaction. On SQLite, the whole run (bookkeeping tables included) happens inside
 * `BEGIN IMMEDIATE`, so a second process waits on the busy timeout for the write lock and then
 * sees the migrations already applied; a deferred transaction could instead fail with
 * SQLITE_BUSY when two processes upgrade their read locks at the same time.
 * Returns the names of the migrations this call applied.
 */
export async function migrateToLatest(handle: DatabaseHandle): Promise<string[]> {
  const provider = createProvider(handle.dialect);
  if (handle.dialect === 'postgres') {
    const { error, results = [] } = await new Migrator({ db: handle.db, provider }).migrateToLatest();
    if (error !== undefined) throw new MigrationError(error, results);
    return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
  }
  return handle.db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    let outcome: Awaited<ReturnType<Migrator['migrateToLatest']>>;
    try {
      outcome = await new Migrator({ db: conn, provider, disableTransactions: true }).migrateToLatest();
    } catch (error) {
      await sql`rollback`.execute(conn);
      throw error;
    }
    const results = outcome.results ?? [];
    if (outcome.error !== undefined) {
      await sql`rollback`.execute(conn);
      throw new MigrationError(outcome.error, results);
    }
    await sql`commit`.execute(conn);
    return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
  });
}
