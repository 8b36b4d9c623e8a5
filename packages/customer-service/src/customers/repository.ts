import { sql, type Kysely } from 'kysely';
import type { CustomerRow, Database } from '../db/schema.js';
import type { CursorPosition } from './cursor.js';
import type { Customer, CustomerInput } from './schemas.js';

/** Raised when the email is already used by another customer (compared ignoring case). */
export class EmailTakenError extends Error {
  constructor() {
    super('email already taken');
    this.name = 'EmailTakenError';
  }
}

/** Filters and position of one list page. */
export interface ListOptions {
  limit: number;
  after?: CursorPosition | undefined;
  /** Substring of the name or email, case-insensitive. */
  q?: string | undefined;
  status?: Customer['status'] | undefined;
}

/** The outcome of a conditional write: the new state, or why nothing was written. */
export type WriteResult = { kind: 'written'; customer: Customer } | { kind: 'not_found' } | { kind: 'version_mismatch' };

function toCustomer(row: CustomerRow): Customer {
  const hasAddress = row.address_street !== null;
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    address: hasAddress
      ? { street: row.address_street!, city: row.address_city!, postalCode: row.address_postal_code!, country: row.address_country! }
      : null,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: Number(row.version),
  };
}

/** The columns a client controls, with absent optional members set to their defaults. */
function toWritableColumns(input: CustomerInput) {
  return {
    name: input.name,
    name_lower: input.name.toLowerCase(),
    email: input.email,
    email_lower: input.email.toLowerCase(),
    phone: input.phone ?? null,
    address_street: input.address?.street ?? null,
    address_city: input.address?.city ?? null,
    address_postal_code: input.address?.postalCode ?? null,
    address_country: input.address?.country ?? null,
    status: input.status ?? 'active',
  };
}

function isEmailUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string; message?: string };
  if (e.code === '23505') return e.constraint === 'customers_email_lower_key';
  return e.code === 'SQLITE_CONSTRAINT_UNIQUE' && e.message?.includes('customers.email_lower') === true;
}

/** Runs a write and turns the email unique-index violation into EmailTakenError. */
async function mapUniqueViolation<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isEmailUniqueViolation(error)) throw new EmailTakenError();
    throw error;
  }
}

export async function insertCustomer(db: Kysely<Database>, id: string, input: CustomerInput, now: Date): Promise<Customer> {
  const timestamp = now.toISOString();
  const row = await mapUniqueViolation(() =>
    db
      .insertInto('customers')
      .values({ id, ...toWritableColumns(input), created_at: timestamp, updated_at: timestamp, version: 1 })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
  return toCustomer(row);
}

export async function findCustomerById(db: Kysely<Database>, id: string): Promise<Customer | undefined> {
  const row = await db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toCustomer(row);
}

/** Escapes LIKE wildcards so `q=50%` searches for the text "50%". */
function likePattern(q: string): string {
  return `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * One page in (createdAt, id) order, starting strictly after `after`. Keyset pagination: rows
 * inserted meanwhile never shift the page boundaries, so no row is skipped or repeated. Fetches
 * one row more than asked to know whether another page follows.
 */
export async function listCustomers(db: Kysely<Database>, options: ListOptions): Promise<{ items: Customer[]; hasMore: boolean }> {
  let query = db.selectFrom('customers').selectAll();
  if (options.after !== undefined) {
    const { createdAt, id } = options.after;
    query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '>', eb.tuple(createdAt, id)));
  }
  if (options.status !== undefined) query = query.where('status', '=', options.status);
  if (options.q !== undefined && options.q !== '') {
    const pattern = likePattern(options.q);
    query = query.where((eb) =>
      eb.or([sql<boolean>`name_lower like ${pattern} escape '\\'`, sql<boolean>`email_lower like ${pattern} escape '\\'`]),
    );
  }
  const rows = await query.orderBy('created_at').orderBy('id').limit(options.limit + 1).execute();
  return { items: rows.slice(0, options.limit).map(toCustomer), hasMore: rows.length > options.limit };
}

/**
 * Replaces the writable fields and bumps the version in one statement. With `expectedVersion`
 * the WHERE clause makes it a compare-and-set: of two concurrent writers holding the same
 * version, exactly one succeeds.
 */
export async function updateCustomer(
  db: Kysely<Database>,
  id: string,
  input: CustomerInput,
  now: Date,
  expectedVersion?: number,
): Promise<WriteResult> {
  const row = await mapUniqueViolation(() => {
    let query = db
      .updateTable('customers')
      .set((eb) => ({ ...toWritableColumns(input), updated_at: now.toISOString(), version: eb('version', '+', 1) }))
      .where('id', '=', id);
    if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
    return query.returningAll().executeTakeFirst();
  });
  if (row !== undefined) return { kind: 'written', customer: toCustomer(row) };
  return (await customerExists(db, id)) ? { kind: 'version_mismatch' } : { kind: 'not_found' };
}

/** Deletes the customer, only at `expectedVersion` when given. */
export async function deleteCustomer(db: Kysely<Database>, id: string, expectedVersion?: number): Promise<WriteResult['kind'] | 'deleted'> {
  let query = db.deleteFrom('customers').where('id', '=', id);
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion);
  const result = await query.executeTakeFirst();
  if (result.numDeletedRows > 0n) return 'deleted';
  return (await customerExists(db, id)) ? 'version_mismatch' : 'not_found';
}

async function customerExists(db: Kysely<Database>, id: string): Promise<boolean> {
  const row = await db.selectFrom('customers').select('id').where('id', '=', id).executeTakeFirst();
  return row !== undefined;
}
