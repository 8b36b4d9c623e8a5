/**
 * Every error the gateway answers with, its HTTP status and a message safe to show a client.
 * Bodies are `{ "error": { "code", "message" } }`; tests assert on the code. Client mistakes are
 * 4xx, never 5xx, and 5xx messages never carry internals (upstream addresses, stack traces).
 */
export const errorCatalog = {
  GW_ERR_BAD_REQUEST: { status: 400, message: 'The request is malformed.' },
  GW_ERR_BAD_TARGET: { status: 400, message: 'The request target is not an origin-form path.' },
  GW_ERR_BAD_PATH: { status: 400, message: 'The request path contains characters or sequences that are not allowed.' },
  GW_ERR_ENCODED_SEPARATOR: { status: 400, message: 'Encoded slashes, backslashes and control characters are not allowed in the path.' },
  GW_ERR_PATH_ESCAPES_ROOT: { status: 400, message: 'The path climbs above the root.' },
  GW_ERR_BAD_FRAMING: { status: 400, message: 'The request body framing (Content-Length / Transfer-Encoding) is ambiguous.' },
  GW_ERR_MISSING_HOST: { status: 400, message: 'An HTTP/1.1 request must carry a Host header.' },
  GW_ERR_DUPLICATE_HOST: { status: 400, message: 'The request carries more than one Host header.' },
  GW_ERR_ROUTE_NOT_FOUND: { status: 404, message: 'No route matches this request.' },
  GW_ERR_METHOD_NOT_ALLOWED: { status: 405, message: 'The route does not accept this method.' },
  GW_ERR_REQUEST_TIMEOUT: { status: 408, message: 'The request was not received in time.' },
  GW_ERR_BODY_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  GW_ERR_HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large or too many.' },
  GW_ERR_INTERNAL: { status: 500, message: 'The gateway failed to handle the request.' },
  GW_ERR_UPSTREAM: { status: 502, message: 'The upstream service failed to answer.' },
  GW_ERR_NO_ENDPOINT: { status: 503, message: 'No endpoint of the service is available.' },
  GW_ERR_UPSTREAM_OVERLOADED: { status: 503, message: 'Too many requests are waiting for the upstream service.' },
  GW_ERR_CIRCUIT_OPEN: { status: 503, message: 'The upstream service is failing; requests are refused for a short while.' },
  GW_ERR_DRAINING: { status: 503, message: 'The gateway is shutting down.' },
  GW_ERR_UPSTREAM_TIMEOUT: { status: 504, message: 'The upstream service did not answer in time.' },
  GW_ERR_CACHE_ONLY_IF_CACHED: { status: 504, message: 'The request asked for a cached response only (only-if-cached) and none is stored.' },
  GW_ERR_CACHE_STORE_UNAVAILABLE: { status: 503, message: 'The cache store is unavailable.' },
  GW_ERR_ADMIN_DISABLED: { status: 503, message: 'The admin API is disabled: no admin token is configured.' },
  GW_ERR_ADMIN_UNAUTHORIZED: { status: 401, message: 'A valid admin bearer token is required.' },
  GW_ERR_AUTH_MISSING_TOKEN: { status: 401, message: 'A bearer token is required.' },
  GW_ERR_AUTH_INVALID_TOKEN: { status: 401, message: 'The access token is invalid.' },
  GW_ERR_AUTH_TOKEN_TOO_LARGE: { status: 401, message: 'The access token is too large.' },
  GW_ERR_AUTH_INVALID_REQUEST: { status: 400, message: 'Access tokens are only accepted in the Authorization header.' },
  GW_ERR_AUTH_DUPLICATE_AUTHORIZATION: { status: 400, message: 'The request carries more than one Authorization header.' },
  GW_ERR_AUTH_INSUFFICIENT_SCOPE: { status: 403, message: 'The access token lacks a required scope.' },
  GW_ERR_AUTH_FORBIDDEN: { status: 403, message: 'The access token does not satisfy the access rules of this route.' },
  GW_ERR_AUTH_UNAVAILABLE: { status: 503, message: 'Tokens cannot be verified right now.' },
  GW_ERR_CONFIG_INVALID: { status: 400, message: 'The configuration is invalid; the last good one keeps serving.' },
  GW_ERR_REGISTRY_BAD_REQUEST: { status: 400, message: 'The registration request is invalid.' },
  GW_ERR_REGISTRY_UNAUTHORIZED: { status: 401, message: 'A valid registration bearer token is required.' },
  GW_ERR_REGISTRY_INSTANCE_NOT_FOUND: { status: 404, message: 'No such instance is registered (its lease may have expired): register again.' },
  GW_ERR_REGISTRY_FULL: { status: 409, message: 'The registry holds as many instances or services as it may.' },
  GW_ERR_REGISTRY_DISABLED: { status: 503, message: 'The registry is disabled: no registration token is configured.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type GatewayErrorCode = keyof typeof errorCatalog;

/**
 * An error that becomes a response. Filters throw it to refuse a request (`throw new
 * GatewayError('GW_ERR_…')`); `headers` carries what the status needs (Allow, WWW-Authenticate,
 * Retry-After). Codes other helpers add to `errorCatalog` work the same way.
 */
export class GatewayError extends Error {
  readonly code: GatewayErrorCode;
  readonly status: number;
  readonly headers: Record<string, string> | undefined;
  readonly details: unknown;

  constructor(code: GatewayErrorCode, options?: { message?: string; headers?: Record<string, string>; details?: unknown; cause?: unknown }) {
    super(options?.message ?? errorCatalog[code].message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = errorCatalog[code].status;
    this.headers = options?.headers;
    this.details = options?.details;
  }
}

/** The JSON body for an error; 5xx always use the catalog message so nothing internal leaks. */
export function errorBody(err: GatewayError): string {
  const message = err.status >= 500 ? errorCatalog[err.code].message : err.message;
  const error: Record<string, unknown> = { code: err.code, message };
  if (err.details !== undefined && err.status < 500) error.details = err.details;
  return JSON.stringify({ error });
}

/** Pre-serialised bodies for errors answered on the hot path with the catalog message. */
const cachedBodies = new Map<GatewayErrorCode, Buffer>();

export function catalogBody(code: GatewayErrorCode): Buffer {
  let body = cachedBodies.get(code);
  if (body === undefined) {
    body = Buffer.from(JSON.stringify({ error: { code, message: errorCatalog[code].message } }));
    cachedBodies.set(code, body);
  }
  return body;
}
