import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Longest X-Request-Id accepted from a caller; longer or odd ones are replaced, not logged. */
export const MAX_REQUEST_ID_LENGTH = 128;
const SAFE_REQUEST_ID = new RegExp(`^[A-Za-z0-9._:/+=-]{1,${MAX_REQUEST_ID_LENGTH}}$`);

/**
 * Uses the caller's X-Request-Id (set by the gateway) so one id follows a request across
 * services; generates one when it is absent or could forge log content.
 */
export function createRequestId(request: IncomingMessage): string {
  const header = request.headers['x-request-id'];
  return typeof header === 'string' && SAFE_REQUEST_ID.test(header) ? header : randomUUID();
}
