/**
 * Every error the Customer Management service answers with. Each code maps to one HTTP status
 * and one default message; clients and tests rely on the code, never on the prose.
 */
export const ERRORS = {
  SVC_ERR_VALIDATION: { status: 400, message: 'The request does not match the schema.' },
  SVC_ERR_INVALID_ID: { status: 400, message: 'The customer id is not a valid UUID.' },
  SVC_ERR_INVALID_CURSOR: { status: 400, message: 'The cursor is malformed.' },
  SVC_ERR_MALFORMED_BODY: { status: 400, message: 'The request body is not valid JSON.' },
  SVC_ERR_BAD_REQUEST: { status: 400, message: 'The request is malformed.' },
  SVC_ERR_CUSTOMER_NOT_FOUND: { status: 404, message: 'No customer has this id.' },
  SVC_ERR_ROUTE_NOT_FOUND: { status: 404, message: 'No route matches this path.' },
  SVC_ERR_METHOD_NOT_ALLOWED: { status: 405, message: 'The method is not allowed on this path.' },
  SVC_ERR_EMAIL_TAKEN: { status: 409, message: 'Another customer already uses this email.' },
  SVC_ERR_CONCURRENT_UPDATE: { status: 409, message: 'The customer kept changing while it was being updated; retry.' },
  SVC_ERR_PRECONDITION_FAILED: { status: 412, message: 'If-Match does not match the current version of the customer.' },
  SVC_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body exceeds the size limit.' },
  SVC_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The request body must be JSON.' },
  SVC_ERR_INTERNAL: { status: 500, message: 'An internal error occurred.' },
  SVC_ERR_UNAVAILABLE: { status: 503, message: 'The service is not available right now.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** One entry of `error.details`: where the problem is and what it is. */
export interface ErrorDetail {
  /** The request part: `body`, `querystring`, `params` or `headers`. */
  in: string;
  /** JSON Pointer into that part (`/address/country`); empty for the part as a whole. */
  path: string;
  message: string;
}

/** The body every error response carries. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: ErrorDetail[] };
}

/** An error that maps straight onto an HTTP answer; thrown by routes, rendered by the error handler. */
export class ServiceError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details: ErrorDetail[] | undefined;

  constructor(code: ErrorCode, details?: ErrorDetail[], message?: string) {
    super(message ?? ERRORS[code].message);
    this.name = 'ServiceError';
    this.code = code;
    this.statusCode = ERRORS[code].status;
    this.details = details;
  }
}

export function createErrorBody(code: ErrorCode, details?: ErrorDetail[], message?: string): ErrorBody {
  const body: ErrorBody = { error: { code, message: message ?? ERRORS[code].message } };
  if (details !== undefined && details.length > 0) body.error.details = details;
  return body;
}
