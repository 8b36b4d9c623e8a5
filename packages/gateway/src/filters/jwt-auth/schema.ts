import { Type, type Static } from '@sinclair/typebox';
import { AlgorithmSchema } from '../../auth/config-schema.js';

export const JwtAuthConfigSchema = Type.Object(
  {
    issuers: Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$' }), {
      minItems: 1,
      uniqueItems: true,
      description: 'Names of trusted issuers (keys of the static `auth.issuers`) whose tokens this route accepts. The token\'s `iss` must equal one of their `issuer` values exactly. Opaque (non-JWT) tokens are introspected at the first listed issuer that has `introspection`.',
    }),
    audiences: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      uniqueItems: true,
      description: 'Accepted `aud` values; the token must carry at least one of them.',
    }),
    required: Type.Boolean({
      default: true,
      description: 'true: a request without a bearer token answers 401. false: it passes without a principal; a token that is present must still be valid (an invalid one answers 401).',
    }),
    algorithms: Type.Optional(
      Type.Array(AlgorithmSchema, {
        minItems: 1,
        uniqueItems: true,
        description: 'Restricts the issuers\' own `algorithms` on this route (intersection). Omitted: each issuer\'s list.',
      }),
    ),
    clockToleranceSeconds: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 300, description: 'Overrides the issuers\' clock tolerance for `exp`/`nbf` on this route.' }),
    ),
    forwardAuthorization: Type.Boolean({
      default: false,
      description: 'Pass the client\'s Authorization header to the upstream. Off by default: the upstream receives the verified identity in the identity headers instead, and the bearer credential does not travel further than it has to.',
    }),
    forwardIdentity: Type.Boolean({
      default: true,
      description: 'Set the identity headers (subject, client id, scopes; names from the static `identityHeaders`) on the upstream request from the verified token. Client-sent copies are always removed.',
    }),
  },
  { additionalProperties: false, description: 'Authenticates the request with an OAuth2 bearer token (JWT verified against the issuer\'s keys, or an opaque token by introspection) and sets the principal.' },
);

export const JwtAuthEntrySchema = Type.Object({ jwtAuth: JwtAuthConfigSchema }, { additionalProperties: false });

export type JwtAuthConfig = Static<typeof JwtAuthConfigSchema>;
