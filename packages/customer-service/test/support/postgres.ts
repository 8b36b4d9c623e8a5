import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Admin URL of the PostgreSQL server the integration tests create their databases on. */
export const ADMIN_URL = process.env.PORTERO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A throwaway database `portero_test_<random>`; `drop()` removes it, closing any open connections. */
export interface TemporaryDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export async function createTemporaryDatabase(): Promise<TemporaryDatabase> {
  const name = `portero_test_${randomBytes(6).toString('hex')}`;
  // The name is generated from hex digits only, so interpolating it into DDL is safe.
  await admin((client) => client.query(`create database ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => admin((client) => client.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}
