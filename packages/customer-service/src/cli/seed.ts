import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { createDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrations.js';
import { seedCustomers } from '../seed/seed-customers.js';

/**
 * `npm run seed -w @portero/customer-service -- --count 10000 [--seed 42] [--batch-size 500]`
 * Writes deterministic customers into the database the service itself would use (DATABASE_URL
 * or SQLITE_PATH, relative to the directory npm was invoked from), migrating it first. Prints
 * one JSON line with the outcome.
 */
const USAGE = 'usage: seed --count N [--seed S] [--batch-size B]';

function positiveInteger(name: string, raw: string | undefined, fallback: number | undefined, max: number): number {
  if (raw === undefined) {
    if (fallback === undefined) throw new Error(`--${name} is required; ${USAGE}`);
    return fallback;
  }
  if (!/^[0-9]+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) throw new Error(`--${name} must be an integer in 1..${max}; ${USAGE}`);
  return Number(raw);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { count: { type: 'string' }, seed: { type: 'string' }, 'batch-size': { type: 'string' } },
    strict: true,
  });
  const count = positiveInteger('count', values.count, undefined, 10_000_000);
  const seed = positiveInteger('seed', values.seed, 42, 2 ** 31 - 1);
  const batchSize = positiveInteger('batch-size', values['batch-size'], 500, 2000);
  // Through `npm run seed` the script runs in the package folder; INIT_CWD is where the user
  // typed the command, so a relative SQLITE_PATH means the same file the services there use.
  const config = loadConfig(process.env, process.env.INIT_CWD ?? process.cwd());
  const handle = createDatabase(config);
  try {
    await migrateToLatest(handle);
    const started = performance.now();
    const inserted = await seedCustomers(handle.db, { count, seed, batchSize, startMs: Date.UTC(2025, 0, 1) });
    const ms = Math.round(performance.now() - started);
    process.stdout.write(`${JSON.stringify({ msg: 'seeded', dialect: handle.dialect, requested: count, inserted, seed, ms })}\n`);
  } finally {
    await handle.db.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
