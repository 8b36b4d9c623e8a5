import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { ensureSqliteDirectory } from '../config.js';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

/** Where the data lives; a `databaseUrl` selects PostgreSQL, otherwise the SQLite file is used. */
export interface DatabaseOptions {
  /** postgres:// URL; when set, SQLite options are ignored. */
  databaseUrl?: string | undefined;
  /** SQLite file path, or `:memory:` for tests. */
  sqlitePath?: string;
  /** How long a SQLite statement waits for a lock held by another process. */
  sqliteBusyTimeoutMs?: number;
  /** Most PostgreSQL connections in the pool. */
  pgPoolMax?: number;
}

/** An open database: the Kysely handle plus which dialect it speaks. */
export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: DialectName;
}

export function createDatabase(options: DatabaseOptions): DatabaseHandle {
  if (options.databaseUrl !== undefined) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.pgPoolMax ?? 10 });
    // An idle client losing its connection (server restart) must not crash the process; the
    // next query gets a fresh connection and readiness reports the outage meanwhile.
    pool.on('error', () => {});
    return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres' };
  }
  const path = options.sqlitePath ?? ':memory:';
  ensureSqliteDirectory(path);
  // `timeout` is SQLite's busy_timeout: several instances on one machine share the file and a
  // writer waits for another one's lock instead of failing at once.
  const sqlite = new SqliteDatabase(path, { timeout: options.sqliteBusyTimeoutMs ?? 5000 });
  if (path !== ':memory:') {
    // WAL lets readers in other processes go on while one process writes.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
  }
  return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) }), dialect: 'sqlite' };
}
