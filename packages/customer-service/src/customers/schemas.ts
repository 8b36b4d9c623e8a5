import { FormatRegistry, Type, type Static } from '@sinclair/typebox';
import { isCountryCode } from './countries.js';

// TypeBox checks `format` only against formats registered here; an unregistered one would fail
// every value, so the three formats the schemas use are registered when this module loads.
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
FormatRegistry.Set('email', (value) => EMAIL.test(value));
FormatRegistry.Set('uuid', (value) => UUID.test(value));
FormatRegistry.Set('iso-3166-1-alpha-2', (value) => isCountryCode(value));

/** Field limits, in one place so schemas, docs and tests agree. */
export const LIMITS = {
  nameMaxLength: 200,
  emailMaxLength: 254,
  phoneMaxLength: 40,
  streetMaxLength: 200,
  cityMaxLength: 100,
  postalCodeMaxLength: 20,
  searchMaxLength: 200,
  cursorMaxLength: 200,
} as const;

export const CustomerStatus = Type.Union([Type.Literal('active'), Type.Literal('inactive')]);

// PostgreSQL text cannot hold U+0000; refusing it here keeps such input a 400 instead of a 500.
const NO_NUL = '^[^\\u0000]*$';
const Name = Type.String({ minLength: 1, maxLength: LIMITS.nameMaxLength, pattern: '^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$' });
const Email = Type.String({ format: 'email', maxLength: LIMITS.emailMaxLength });
const Phone = Type.String({ minLength: 1, maxLength: LIMITS.phoneMaxLength, pattern: '^\\+?[0-9][0-9 ()./-]*$' });

const addressFields = {
  street: Type.String({ minLength: 1, maxLength: LIMITS.streetMaxLength, pattern: NO_NUL }),
  city: Type.String({ minLength: 1, maxLength: LIMITS.cityMaxLength, pattern: NO_NUL }),
  postalCode: Type.String({ minLength: 1, maxLength: LIMITS.postalCodeMaxLength, pattern: NO_NUL }),
  country: Type.String({ format: 'iso-3166-1-alpha-2' }),
};

export const Address = Type.Object(addressFields, { additionalProperties: false });
export type Address = Static<typeof Address>;

/** What a client may write: the body of POST and PUT, and the result a PATCH must produce. */
export const CustomerInput = Type.Object(
  {
    name: Name,
    email: Email,
    phone: Type.Optional(Type.Union([Phone, Type.Null()])),
    address: Type.Optional(Type.Union([Address, Type.Null()])),
    status: Type.Optional(CustomerStatus),
  },
  { additionalProperties: false },
);
export type CustomerInput = Static<typeof CustomerInput>;

/**
 * A JSON Merge Patch (RFC 7396) document. `null` removes a member, so only members that may be
 * absent accept it; the patched result is validated against CustomerInput afterwards.
 */
export const CustomerMergePatch = Type.Object(
  {
    name: Type.Optional(Name),
    email: Type.Optional(Email),
    phone: Type.Optional(Type.Union([Phone, Type.Null()])),
    address: Type.Optional(
      Type.Union([
        Type.Object(
          {
            street: Type.Optional(Type.Union([addressFields.street, Type.Null()])),
            city: Type.Optional(Type.Union([addressFields.city, Type.Null()])),
            postalCode: Type.Optional(Type.Union([addressFields.postalCode, Type.Null()])),
            country: Type.Optional(Type.Union([addressFields.country, Type.Null()])),
          },
          { additionalProperties: false },
        ),
        Type.Null(),
      ]),
    ),
    status: Type.Optional(CustomerStatus),
  },
  { additionalProperties: false },
);
export type CustomerMergePatch = Static<typeof CustomerMergePatch>;

// Response schemas only shape the output (fast-json-stringify); they carry no formats to check.
const StoredAddress = Type.Object({ street: Type.String(), city: Type.String(), postalCode: Type.String(), country: Type.String() });

export const Customer = Type.Object({
  id: Type.String(),
  name: Type.String(),
  email: Type.String(),
  phone: Type.Union([Type.String(), Type.Null()]),
  address: Type.Union([StoredAddress, Type.Null()]),
  status: CustomerStatus,
  createdAt: Type.String(),
  updatedAt: Type.String(),
  version: Type.Integer(),
});
export type Customer = Static<typeof Customer>;

export const CustomerIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

export function createListQuery(pageSizeMax: number) {
  return Type.Object(
    {
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: pageSizeMax })),
      cursor: Type.Optional(Type.String({ maxLength: LIMITS.cursorMaxLength })),
      q: Type.Optional(Type.String({ maxLength: LIMITS.searchMaxLength, pattern: NO_NUL })),
      status: Type.Optional(CustomerStatus),
    },
    { additionalProperties: false },
  );
}

export const CustomerPage = Type.Object({
  items: Type.Array(Customer),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type CustomerPage = Static<typeof CustomerPage>;
