/**
 * The request body as undici should read it. A body with Content-Length was already checked
 * against the limit, and Node's parser delivers exactly that many bytes, so the IncomingMessage
 * goes upstream as is. A chunked body has no announced size: it is streamed through a counting
 * Transform that fails with 413 the moment the limit is passed, which aborts the upstream request.
 */
import type { IncomingMessage } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { GatewayError } from '../errors.js';

/** Whether the request announces a body (chunked, or a Content-Length other than 0). */
export function hasRequestBody(req: IncomingMessage): boolean {
  const headers = req.headers;
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  return length !== undefined && length !== '0';
}

export function requestBody(req: IncomingMessage, maxBodyBytes: number): Readable | undefined {
  if (!hasRequestBody(req)) return undefined;
  if (req.headers['transfer-encoding'] !== undefined) return limitBody(req, maxBodyBytes);
  return req;
}

function limitBody(req: IncomingMessage, maxBodyBytes: number): Readable {
  let seen = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > maxBodyBytes) callback(new GatewayError('GW_ERR_BODY_TOO_LARGE'));
      else callback(null, chunk);
    },
  });
  // Plain pipe, not stream.pipeline: when the limiter fails the client socket must stay open
  // long enough to receive the 413.
  req.pipe(limiter);
  req.once('error', (err) => limiter.destroy(err));
  req.once('aborted', () => limiter.destroy(new GatewayError('GW_ERR_BAD_REQUEST', { message: 'The client aborted the request body.' })));
  return limiter;
}
