import { Readable } from 'node:stream';

/**
 * A request body that can be sent more than once when it is small. Bodies up to `maxReplayBytes`
 * are read into memory before the first try; larger ones (by Content-Length, or found larger while
 * reading) are streamed: the bytes already read are sent first, then the rest of the client's
 * stream, and only a try that never started reading the body may be retried.
 */
export interface ReplayableBody {
  /** The body for the next try: a Buffer, a one-shot stream, or null for no body. */
  next(): Buffer | Readable | null;
  /** Whether a further try could send the body again. */
  canReplay(): boolean;
  /** Buffered in full (replayable any number of times). */
  readonly buffered: boolean;
}

export interface ReplayableBodyOptions {
  readonly maxReplayBytes: number;
  /** The client's Content-Length, when it sent one. */
  readonly contentLength?: number | undefined;
  /** Stops the read-ahead (client gone, request timeout): the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
}

export async function prepareReplayableBody(source: AsyncIterable<Buffer | string> | null, options: ReplayableBodyOptions): Promise<ReplayableBody> {
  if (source === null || options.contentLength === 0) return bufferedBody(null);
  const iterator = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  // A known large body is not read ahead at all: it goes straight through.
  if (options.contentLength === undefined || options.contentLength <= options.maxReplayBytes) {
    let size = 0;
    const aborted = abortPromise(options.signal);
    while (true) {
      const { value, done } = await (aborted ? Promise.race([iterator.next(), aborted]) : iterator.next());
      if (done) return bufferedBody(Buffer.concat(head));
      const chunk = typeof value === 'string' ? Buffer.from(value) : value;
      head.push(chunk);
      size += chunk.length;
      if (size > options.maxReplayBytes) break;
    }
  }
  return streamedBody(head, iterator);
}

/** Rejects when `signal` aborts; never settles otherwise. */
function abortPromise(signal: AbortSignal | undefined): Promise<never> | undefined {
  if (!signal) return undefined;
  return new Promise<never>((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

function bufferedBody(bytes: Buffer | null): ReplayableBody {
  return { next: () => bytes, canReplay: () => true, buffered: true };
}

function streamedBody(head: Buffer[], iterator: AsyncIterator<Buffer | string>): ReplayableBody {
  let handedOut = false;
  let started = false;
  async function* stream(): AsyncGenerator<Buffer> {
    started = true;
    for (const chunk of head) yield chunk;
    while (true) {
      const { value, done } = await iterator.next();
      if (done) return;
      yield typeof value === 'string' ? Buffer.from(value) : value;
    }
  }
  return {
    next() {
      handedOut = true;
      // A fresh generator each time: undici may close (return()) an unstarted one after a failed
      // connect, and the source iterator has not been touched beyond `head` until one starts.
      return Readable.from(stream(), { objectMode: false });
    },
    // A generator body is pulled only once undici writes the request, so "never started" proves
    // no byte of it left.
    canReplay: () => !handedOut || !started,
    buffered: false,
  };
}
