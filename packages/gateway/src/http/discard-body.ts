import type { Readable } from 'node:stream';

const ignore = (): void => undefined;

/**
 * Throws away a response body nobody will read. Destroying an undici body emits
 * `RequestAbortedError` on it; without a listener that would be an uncaught exception, so a
 * discarded body always gets one first.
 */
export function discardBody(body: Readable | Buffer | null | undefined): void {
  if (body === null || body === undefined || Buffer.isBuffer(body)) return;
  body.on('error', ignore);
  body.destroy();
}
