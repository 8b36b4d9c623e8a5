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
  const busyTimeoutMs = options.sqliteBusyTimeoutMs ?? 5000;
  const sqlite = new SqliteDatabase(path, { timeout: busyTimeoutMs });
  if (path !== ':memory:') {
    // WAL lets readers in other processes go on while one process writes.
    useWriteAheadLog(sqlite, busyTimeoutMs);
    sqlite.pragma('synchronous = NORMAL');
  }
  return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) }), dialect: 'sqlite' };
}

/** What `useWriteAheadLog` needs of a better-sqlite3 connection (a narrow type, for tests). */
export interface PragmaRunner {
  pragma(source: string, options: { simple: true }): unknown;
}

/**
 * Puts the SQLite file in WAL mode. WAL is a property of the file, so once one process has
 * switched it the others only read the mode, which takes no write lock. The switch itself needs
 * the file to itself, and when two processes switch a new file at the same moment SQLite answers
 * one of them SQLITE_BUSY at once, without waiting on the busy timeout (seen with instances
 * started together on one fresh file, as `npm start` does). A busy switch is therefore retried,
 * with a short synchronous pause (this runs once, at start-up), until `busyTimeoutMs` has passed
 * (each pragma may itself wait up to the busy timeout inside SQLite, so start-up can take about
 * twice that). A switch SQLite declines without an error (no shared memory, say) leaves the mode
 * as it is, as before.
 * `sleep` is replaceable for tests.
 */
export function useWriteAheadLog(sqlite: PragmaRunner, busyTimeoutMs: number, sleep: (ms: number) => void = sleepSync): void {
  const deadline = performance.now() + busyTimeoutMs;
  for (let pauseMs = 5; ; pauseMs = Math.min(pauseMs * 2, 100)) {
    try {
      if (sqlite.pragma('journal_mode', { simple: true }) === 'wal') return;
      sqlite.pragma('journal_mode = WAL', { simple: true });
      return;
    } catch (error) {
      // better-sqlite3 reports extended codes: SQLITE_BUSY_RECOVERY and the like are busy too.
      const code = (error as { code?: unknown }).code;
      if (typeof code !== 'string' || !code.startsWith('SQLITE_BUSY') || performance.now() >= deadline) throw error;
    }
    sleep(Math.min(pauseMs, Math.max(1, Math.ceil(deadline - performance.now()))));
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
