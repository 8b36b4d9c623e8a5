import type { IncomingMessage } from 'node:http';
import { AuthError } from '../errors.js';

/**
 * Reads an application/x-www-form-urlencoded body of at most `maxBytes`; larger bodies are
 * refused from Content-Length when present and otherwise while streaming.
 */
export async function readForm(req: IncomingMessage, maxBytes: number): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new AuthError('AUTH_ERR_UNSUPPORTED_MEDIA_TYPE');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw new AuthError('AUTH_ERR_BODY_TOO_LARGE', [`limit is ${maxBytes} bytes`]);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new AuthError('AUTH_ERR_BODY_TOO_LARGE', [`limit is ${maxBytes} bytes`]);
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
