import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { createErrorBody, ERRORS, ServiceError, type ErrorBody, type ErrorCode, type ErrorDetail } from './errors.js';

/** Fastify's own client errors, mapped onto the service's codes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'SVC_ERR_PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'SVC_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'SVC_ERR_MALFORMED_BODY',
  FST_ERR_CTP_INVALID_JSON_BODY: 'SVC_ERR_MALFORMED_BODY',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'SVC_ERR_BAD_REQUEST',
};

interface ValidationFailure {
  validation: { instancePath?: string; message?: string; params?: Record<string, unknown> }[];
  validationContext?: string;
}

function validationDetails(error: ValidationFailure): ErrorDetail[] {
  const part = error.validationContext ?? 'body';
  return error.validation.map((v) => ({ in: part, path: v.instancePath ?? '', message: v.message ?? 'invalid' }));
}

/** Turns any thrown error into a status and a body that carries no stack, SQL or driver text. */
export function toErrorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof ServiceError) {
    return { status: error.statusCode, body: createErrorBody(error.code, error.details, error.message) };
  }
  const fastifyError = error as Partial<FastifyError> & Partial<ValidationFailure>;
  if (Array.isArray(fastifyError.validation)) {
    const details = validationDetails(fastifyError as ValidationFailure);
    const code: ErrorCode = fastifyError.validationContext === 'params' ? 'SVC_ERR_INVALID_ID' : 'SVC_ERR_VALIDATION';
    return { status: 400, body: createErrorBody(code, details) };
  }
  const mapped = fastifyError.code === undefined ? undefined : FASTIFY_CODES[fastifyError.code];
  if (mapped !== undefined) {
    return { status: ERRORS[mapped].status, body: createErrorBody(mapped) };
  }
  // Any other client error Fastify raises (bad URL encoding, header problems) stays a 400.
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status: 400, body: createErrorBody('SVC_ERR_BAD_REQUEST') };
  }
  return { status: 500, body: createErrorBody('SVC_ERR_INTERNAL') };
}

export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body } = toErrorResponse(error);
  // The full error (stack, SQL, driver message) goes to the log, correlated by reqId, and only there.
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: body.error.code }, 'request refused');
  return reply.code(status).header('cache-control', 'no-store').send(body);
}
