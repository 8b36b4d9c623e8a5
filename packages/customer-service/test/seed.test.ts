import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { createDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrations.js';
import { CustomerInput } from '../src/customers/schemas.js';
import { generateCustomers } from '../src/seed/generate-customers.js';
import { seedCustomers } from '../src/seed/seed-customers.js';
import { spawnTs } from './support/processes.js';

test('generated customers are deterministic, valid and independent of batching', () => {
  const whole = generateCustomers({ seed: 42, offset: 0, count: 50, startMs: 0 });
  const split = [...generateCustomers({ seed: 42, offset: 0, count: 20, startMs: 0 }), ...generateCustomers({ seed: 42, offset: 20, count: 30, startMs: 0 })];
  assert.deepEqual(split, whole);
  assert.notDeepEqual(generateCustomers({ seed: 43, offset: 0, count: 50, startMs: 0 }), whole);
  const check = TypeCompiler.Compile(CustomerInput);
  for (const row of whole) {
    const address =
      row.address_street === null
        ? null
        : { street: row.address_street!, city: row.address_city!, postalCode: row.address_postal_code!, country: row.address_country! };
    const input = { name: row.name, email: row.email, phone: row.phone, address, status: row.status };
    assert.ok(check.Check(input), JSON.stringify([...check.Errors(input)]));
    assert.match(row.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  }
  assert.equal(new Set(whole.map((r) => r.email_lower)).size, 50);
});

test('seeding inserts in batches and a second run adds nothing', async (t) => {
  const handle = createDatabase({ sqlitePath: ':memory:' });
  t.after(() => handle.db.destroy());
  await migrateToLatest(handle);
  assert.equal(await seedCustomers(handle.db, { count: 1234, seed: 7, batchSize: 500, startMs: Date.UTC(2025, 0, 1) }), 1234);
  assert.equal(await seedCustomers(handle.db, { count: 1234, seed: 7, batchSize: 500, startMs: Date.UTC(2025, 0, 1) }), 0);
  const { n } = await handle.db.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  assert.equal(Number(n), 1234);
});

test('the seed CLI writes into SQLITE_PATH relative to where npm was invoked, and refuses bad arguments', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'customers-seed-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { SQLITE_PATH: 'data/customers.sqlite', INIT_CWD: dir, DATABASE_URL: '' };
  const run = spawnTs(t, 'src/cli/seed.ts', env, ['--count', '25', '--seed', '3', '--batch-size', '10']);
  const line = JSON.parse(await run.waitForLine((l) => l.startsWith('{')));
  assert.deepEqual(line, { msg: 'seeded', dialect: 'sqlite', requested: 25, inserted: 25, seed: 3, ms: line.ms });
  assert.equal(await run.exited, 0);
  const handle = createDatabase({ sqlitePath: join(dir, 'data', 'customers.sqlite') });
  t.after(() => handle.db.destroy());
  const rows = await handle.db.selectFrom('customers').select('email').execute();
  assert.equal(rows.length, 25);

  for (const args of [[], ['--count', '0'], ['--count', 'ten'], ['--count', '5', '--batch-size', '5000'], ['--bogus']]) {
    const bad = spawnTs(t, 'src/cli/seed.ts', env, args);
    assert.equal(await bad.exited, 1, args.join(' '));
  }
});
