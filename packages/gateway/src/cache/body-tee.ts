/**
 * Copies a response body for the cache while it streams to the client: the client is never
 * held back waiting for the whole body. The copy is abandoned (and `onDone` gets undefined) as
 * soon as it passes `limitBytes`, or when the stream fails or is destroyed before its end.
 */
import { Readable, Transform, pipeline } from 'node:stream';
import { discardBody } from '../http/discard-body.js';

export function teeBody(source: Readable, limitBytes: number, onDone: (body: Buffer | undefined) => void): Readable {
  let chunks: Buffer[] | undefined = [];
  let size = 0;
  let done = false;
  const finish = (body: Buffer | undefined): void => {
    if (done) return;
    done = true;
    chunks = undefined;
    onDone(body);
  };
  const tee = new Transform({
    transform(chunk: Buffer | string, _encoding, callback) {
      if (chunks !== undefined) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        size += buf.length;
        if (size > limitBytes) finish(undefined);
        else chunks.push(buf);
      }
      callback(null, chunk);
    },
    flush(callback) {
      if (chunks !== undefined) finish(Buffer.concat(chunks, size));
      callback();
    },
  });
  pipeline(source, tee, (err) => {
    if (err) finish(undefined);
  });
  tee.on('close', () => finish(undefined));
  return tee;
}

/** Reads a whole body (for background refreshes, where no client waits), up to `limitBytes`. */
export async function readBody(body: Readable | Buffer | null, limitBytes: number): Promise<Buffer | undefined> {
  if (body === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body.length > limitBytes ? undefined : body;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > limitBytes) {
      discardBody(body);
      return undefined;
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}
