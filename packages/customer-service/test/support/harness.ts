import type { TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApp, type AppOptions } from '../../src/app.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import { createReadiness, type Readiness } from '../../src/health/readiness.js';

/** Returns a migrated, empty database; the harness destroys it when the test ends. */
export type DatabaseFactory = () => Promise<DatabaseHandle>;

/** A clock that starts at a fixed instant and moves `stepMs` forward on every reading. */
export interface TestClock {
  now(): Date;
  advance(ms: number): void;
}

export function createTestClock(startIso = '2026-01-01T00:00:00.000Z', stepMs = 1): TestClock {
  let current = Date.parse(startIso);
  return {
    now() {
      const value = new Date(current);
      current += stepMs;
      return value;
    },
    advance(ms) {
      current += ms;
    },
  };
}

export interface Harness {
  app: FastifyInstance;
  handle: DatabaseHandle;
  clock: TestClock;
  readiness: Readiness;
}

/** One app on a fresh database, torn down with the test. */
export async function startHarness(t: TestContext, factory: DatabaseFactory, options: Partial<AppOptions> = {}): Promise<Harness> {
  const handle = await factory();
  const clock = createTestClock();
  const readiness = createReadiness();
  const app = createApp({ db: handle.db, now: clock.now, readiness, ...options });
  t.after(async () => {
    await app.close();
    await handle.db.destroy();
  });
  await app.ready();
  return { app, handle, clock, readiness };
}

export const validCustomer = (overrides: Record<string, unknown> = {}) => ({
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  phone: '+44 20 7946 0000',
  address: { street: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' },
  ...overrides,
});

/** The set of `in:path` pairs of a 400 body, for order-independent assertions. */
export function detailPaths(body: { error: { details?: { in: string; path: string }[] } }): string[] {
  return (body.error.details ?? []).map((d) => `${d.in}:${d.path}`).sort();
}
