/**
 * The error codes the authentication and authorization filters answer with. They live in the
 * package's `errors.ts` catalog like every other code; this is the auth subset, so the filters'
 * responder only accepts codes that are theirs. `details.reason` in a body says which check
 * failed (the same value as the `reason` label of `portero_auth_outcomes_total`).
 */
import { errorCatalog } from '../errors.js';

export const AUTH_ERROR_CODES = [
  'GW_ERR_AUTH_MISSING_TOKEN',
  'GW_ERR_AUTH_INVALID_TOKEN',
  'GW_ERR_AUTH_TOKEN_TOO_LARGE',
  'GW_ERR_AUTH_INVALID_REQUEST',
  'GW_ERR_AUTH_DUPLICATE_AUTHORIZATION',
  'GW_ERR_AUTH_INSUFFICIENT_SCOPE',
  'GW_ERR_AUTH_FORBIDDEN',
  'GW_ERR_AUTH_UNAVAILABLE',
] as const satisfies readonly (keyof typeof errorCatalog)[];

export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[number];

export const authErrors: Readonly<Record<AuthErrorCode, { readonly status: number; readonly message: string }>> = errorCatalog;
