import { Type, type Static } from '@sinclair/typebox';

const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);

export const ClaimRuleSchema = Type.Union(
  [
    Type.Object({ claim: Type.String({ minLength: 1 }), equals: Scalar }, { additionalProperties: false }),
    Type.Object({ claim: Type.String({ minLength: 1 }), in: Type.Array(Scalar, { minItems: 1 }) }, { additionalProperties: false }),
    Type.Object({ claim: Type.String({ minLength: 1 }), includes: Scalar }, { additionalProperties: false }),
  ],
  {
    description: 'A condition on one claim of the verified token. `claim` is a name or a dotted path (realm_access.roles). equals: the claim is exactly this value; in: the claim is one of these values; includes: the claim is an array containing this value (or a scalar equal to it).',
  },
);

export const AuthorizeRuleSchema = Type.Object(
  {
    methods: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Z]+$' }), { minItems: 1, uniqueItems: true, description: 'Methods this rule applies to. Omitted: every method (a catch-all; rules after it never apply).' })),
    scopes: Type.Optional(
      Type.Object(
        {
          allOf: Type.Optional(Type.Array(Type.String({ pattern: '^[\\x21\\x23-\\x5b\\x5d-\\x7e]+$' }), { minItems: 1, uniqueItems: true, description: 'Every one of these scopes is required.' })),
          anyOf: Type.Optional(Type.Array(Type.String({ pattern: '^[\\x21\\x23-\\x5b\\x5d-\\x7e]+$' }), { minItems: 1, uniqueItems: true, description: 'At least one of these scopes is required.' })),
        },
        { additionalProperties: false, description: 'Required scopes, matched exactly token by token (customers:read does not satisfy customers:rea or customers).' },
      ),
    ),
    claims: Type.Optional(Type.Array(ClaimRuleSchema, { minItems: 1, description: 'Claim conditions; all must hold.' })),
  },
  { additionalProperties: false, description: 'Access rule: the first rule whose methods include the request method decides; all its conditions must hold. A rule with no condition allows its methods.' },
);

export const AuthorizeConfigSchema = Type.Object(
  {
    rules: Type.Array(AuthorizeRuleSchema, { minItems: 1, description: 'Rules in order; the first one that applies to the request method decides.' }),
    otherMethods: Type.Union([Type.Literal('deny'), Type.Literal('allow')], {
      default: 'deny',
      description: 'What happens to a method no rule applies to. deny (default): 403.',
    }),
  },
  { additionalProperties: false, description: 'Authorizes the authenticated principal by scopes and claims, per method. Must come after a jwtAuth filter. Refusals answer 403 with WWW-Authenticate error="insufficient_scope"; a request without a principal answers 401.' },
);

export const AuthorizeEntrySchema = Type.Object({ authorize: AuthorizeConfigSchema }, { additionalProperties: false });

export type AuthorizeConfig = Static<typeof AuthorizeConfigSchema>;
export type AuthorizeRule = Static<typeof AuthorizeRuleSchema>;
export type ClaimRule = Static<typeof ClaimRuleSchema>;
