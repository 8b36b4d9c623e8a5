/**
 * Every error code the auth server raises from its own code: configuration, keys, the login and
 * consent pages, production checks. OAuth protocol errors (invalid_client, invalid_scope…) are
 * oidc-provider's and keep their RFC 6749 shape.
 */
export const AUTH_ERRORS = {
  AUTH_ERR_CONFIG_INVALID: { status: 500, message: 'The auth server configuration is invalid' },
  AUTH_ERR_CONFIG_UNREADABLE: { status: 500, message: 'The auth server configuration file cannot be read' },
  AUTH_ERR_KEYS_INVALID: { status: 500, message: 'The signing keys are invalid' },
  AUTH_ERR_KEYS_MISSING: { status: 500, message: 'No signing keys are available' },
  AUTH_ERR_KEY_ROTATION: { status: 500, message: 'The key rotation step cannot be applied' },
  AUTH_ERR_PRODUCTION_DEFAULTS: { status: 500, message: 'Production mode refuses development defaults' },
  AUTH_ERR_INTERACTION_NOT_FOUND: { status: 400, message: 'The login session expired or does not exist; start again from the application' },
  AUTH_ERR_INTERACTION_FORBIDDEN: { status: 403, message: 'The form was not posted from this server' },
  AUTH_ERR_BODY_TOO_LARGE: { status: 413, message: 'The form body is too large' },
  AUTH_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Forms must be application/x-www-form-urlencoded' },
  AUTH_ERR_METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed' },
  AUTH_ERR_NOT_FOUND: { status: 404, message: 'Not found' },
  AUTH_ERR_INVALID_CREDENTIALS: { status: 401, message: 'Unknown user or wrong password' },
  AUTH_ERR_TOO_MANY_LOGIN_ATTEMPTS: { status: 429, message: 'Too many failed sign-in attempts; try again later' },
  AUTH_ERR_INTERNAL: { status: 500, message: 'Internal error' },
} as const;

export type AuthErrorCode = keyof typeof AUTH_ERRORS;

/** An error raised by the auth server's own code; `details` lists per-item problems. */
export class AuthError extends Error {
  readonly code: AuthErrorCode;
  readonly status: number;
  readonly details: string[] | undefined;

  constructor(code: AuthErrorCode, details?: string[], options?: { cause?: unknown }) {
    const base = AUTH_ERRORS[code].message;
    super(details?.length ? `${base}:\n  - ${details.join('\n  - ')}` : base, options);
    this.name = 'AuthError';
    this.code = code;
    this.status = AUTH_ERRORS[code].status;
    this.details = details;
  }
}

/** The JSON error body of the house style; 5xx never carry internals. */
export function errorBody(err: AuthError): { error: { code: string; message: string; details?: string[] } } {
  const message = AUTH_ERRORS[err.code].message;
  if (err.status >= 500) return { error: { code: err.code, message } };
  return { error: { code: err.code, message, ...(err.details ? { details: err.details } : {}) } };
}
