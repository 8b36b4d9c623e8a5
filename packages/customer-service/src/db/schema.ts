import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * The `customers` table as both dialects store it. Timestamps are ISO 8601 UTC strings with
 * milliseconds (fixed width, so text order is time order on SQLite and PostgreSQL alike), which
 * lets one repository and one keyset cursor serve both databases.
 */
export interface CustomersTable {
  id: string;
  name: string;
  /** Lower-cased name, computed in JS so case-insensitive search behaves the same on both dialects. */
  name_lower: string;
  email: string;
  /** Lower-cased email; its unique index is what makes "unique ignoring case" hold under races. */
  email_lower: string;
  phone: string | null;
  address_street: string | null;
  address_city: string | null;
  address_postal_code: string | null;
  address_country: string | null;
  status: 'active' | 'inactive';
  created_at: string;
  updated_at: string;
  version: Generated<number>;
}

/** The whole database as Kysely sees it. */
export interface Database {
  customers: CustomersTable;
}

export type CustomerRow = Selectable<CustomersTable>;
export type NewCustomerRow = Insertable<CustomersTable>;
export type CustomerRowUpdate = Updateable<CustomersTable>;
