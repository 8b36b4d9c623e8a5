/**
 * Error codes answered by the authentication and authorization filters. They follow the package's
 * `{ error: { code, message, details? } }` body shape; `reason` in `details` says which check
 * failed (the same value as the `reason` label of `portero_auth_outcomes_total`).
 */
export const authErrors = {
  GW_ERR_AUTH_MISSING_TOKEN: { status: 401, message: 'A bearer token is required.' },
  GW_ERR_AUTH_INVALID_TOKEN: { status: 401, message: 'The access token is invalid.' },
  GW_ERR_AUTH_TOKEN_TOO_LARGE: { status: 401, message: 'The access token is too large.' },
  GW_ERR_AUTH_INVALID_REQUEST: { status: 400, message: 'Access tokens are only accepted in the Authorization header.' },
  GW_ERR_AUTH_DUPLICATE_AUTHORIZATION: { status: 400, message: 'The request carries more than one Authorization header.' },
  GW_ERR_AUTH_INSUFFICIENT_SCOPE: { status: 403, message: 'The access token lacks a required scope.' },
  GW_ERR_AUTH_FORBIDDEN: { status: 403, message: 'The access token does not satisfy the access rules of this route.' },
  GW_ERR_AUTH_UNAVAILABLE: { status: 503, message: 'Tokens cannot be verified right now.' },
} as const;

export type AuthErrorCode = keyof typeof authErrors;
