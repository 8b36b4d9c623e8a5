import { Readable } from 'node:stream';
import type { UpstreamBody } from '../pipeline/types.js';

const ignore = (): void => undefined;

type AnyBody = Readable | Buffer | UpstreamBody | null | undefined;

/**
 * Throws away a response body nobody will read. Destroying an undici body emits
 * `RequestAbortedError` on it; without a listener that would be an uncaught exception, so a
 * discarded stream always gets one first. An UpstreamBody stops its transfer.
 */
export function discardBody(body: AnyBody): void {
  if (body === null || body === undefined || Buffer.isBuffer(body)) return;
  if (body instanceof Readable) body.on('error', ignore);
  body.destroy();
}

/** Reads a body to its end and drops the bytes (a 304's empty body), keeping the connection. */
export function drainBody(body: AnyBody): void {
  if (body === null || body === undefined || Buffer.isBuffer(body)) return;
  if (body instanceof Readable) {
    body.on('error', ignore);
    body.resume();
  } else void body.dump();
}
