/**
 * One request to an upstream endpoint, sent with undici's `dispatch` and a handler of our own
 * instead of `Pool.request`. Two things are cheaper that way on every proxied request:
 *
 * - the response head becomes one plain header object while it is parsed, hop-by-hop headers and
 *   the headers named by `Connection` left out there (nothing deleted afterwards);
 * - the body is not wrapped in a Readable and piped. A small answer usually arrives whole with its
 *   head (undici parses both from one read), so the listener writes head and body with a single
 *   `res.end(buffer)`; a longer one is written to the client as its chunks arrive, undici paused
 *   while the client's socket is full. Filters that need a stream (the cache) ask for one with
 *   `toReadable()`.
 *
 * Until someone takes the body, at most `HIGH_WATER_BYTES` are held; beyond that undici stops
 * reading the upstream socket until the body is consumed. The exchange is "closed" once undici is
 * done with it (body complete, failed, or aborted); `onClose` callbacks run then, once.
 */
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { errors, util, type Dispatcher } from 'undici';
import { connectionTokens, HOP_BY_HOP_HEADERS } from '../http/hop-by-hop.js';
import type { UpstreamBody } from '../pipeline/types.js';
import { TryAbortHandle, type AbortWatcher } from '../listener/request-context.js';

/** Bytes held before a consumer takes the body; beyond it undici pauses the upstream socket. */
export const HIGH_WATER_BYTES = 64 * 1024;
/** Bytes read and thrown away by `dump()` to keep the connection reusable; beyond, it is closed. */
export const DUMP_LIMIT_BYTES = 128 * 1024;

/** What one try sends. */
export interface UpstreamRequest {
  readonly method: string;
  readonly path: string;
  /** A header whose value is undefined is not sent. */
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Dispatcher.DispatchOptions['body'];
}

/** An abort handle as the listener hands them out (TryAbortHandle): one listener, a reason. */
export interface AbortHandleLike {
  readonly aborted: boolean;
  readonly reason: unknown;
  once(event: 'abort', listener: () => void): unknown;
}

/** Response headers never forwarded (http/hop-by-hop.ts), as a set for the per-header check. */
const HOP_BY_HOP = new Set(HOP_BY_HOP_HEADERS);

const enum Mode {
  /** Nobody took the body yet: chunks are held. */
  Hold,
  /** Written to a ServerResponse as they arrive. */
  Pipe,
  /** Pushed into a Readable made by toReadable(). */
  Stream,
  /** Read and dropped (dump) or refused (destroy). */
  Discard,
}

type Abort = (reason?: Error) => void;

/** undici's own abort error (code `UND_ERR_ABORTED`), for aborts the exchange itself decides. */
export const RequestAbortedError = errors.RequestAbortedError;

export class UpstreamExchange implements UpstreamBody, Dispatcher.DispatchHandler, AbortWatcher {
  statusCode = 0;
  headers: Record<string, string | string[]> = {};
  /** The body has arrived to its end. */
  complete = false;
  /** Why the body (or the request) failed, once it has. */
  failure: Error | undefined = undefined;
  /** Body bytes received so far. */
  receivedBytes = 0;

  private mode = Mode.Hold;
  private chunks: Buffer[] | undefined = undefined;
  private heldBytes = 0;
  private abortUndici: Abort | undefined = undefined;
  private pendingAbort: Error | undefined = undefined;
  private resumeUndici: (() => void) | undefined = undefined;
  private paused = false;
  private headSettled = false;
  private resolveHead: ((exchange: UpstreamExchange) => void) | undefined = undefined;
  private rejectHead: ((err: unknown) => void) | undefined = undefined;
  private closed = false;
  private closeListeners: (() => void)[] | undefined = undefined;
  private res: ServerResponse | undefined = undefined;
  private counter: { bytes: number } | undefined = undefined;
  private stream: Readable | undefined = undefined;
  private dumped: (() => void) | undefined = undefined;

  /** The body facade (TryResponse shape: `response.body.dump()`). */
  get body(): this {
    return this;
  }

  /**
   * Sends `request` through `dispatcher`; resolves with this exchange when the response head has
   * arrived, rejects with undici's error (or the abort reason) when none will.
   */
  send(dispatcher: Dispatcher, request: UpstreamRequest, abort?: AbortHandleLike): Promise<this> {
    return new Promise<this>((resolve, reject) => {
      this.resolveHead = resolve as (exchange: UpstreamExchange) => void;
      this.rejectHead = reject;
      this.start(dispatcher, request.method, request.path, request.headers, request.body, abort);
    });
  }

  /**
   * `send` without a promise, for subclasses: the head's arrival or failure is reported to
   * `headArrived()` / `headFailed(err)` instead (possibly before this returns). Throws only when
   * undici refuses the request's options outright.
   */
  start(dispatcher: Dispatcher, method: string, path: string, headers: UpstreamRequest['headers'], body: UpstreamRequest['body'], abort?: AbortHandleLike | TryAbortHandle): void {
    if (abort !== undefined) {
      if (abort.aborted) {
        this.settleHead(toError(abort.reason));
        this.finish();
        return;
      }
      if (abort instanceof TryAbortHandle) abort.watch(this);
      else abort.once('abort', () => this.abort(toError(abort.reason)));
    }
    dispatcher.dispatch({ method: method as Dispatcher.HttpMethod, path, headers, body }, this);
  }

  /** Aborted by the try's abort handle (AbortWatcher). */
  abortedBy(reason: unknown): void {
    this.abort(toError(reason));
  }

  /** undici is done with the request: body complete, failed or aborted. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Runs `listener` once undici is done with this request (immediately if it already is). */
  onClose(listener: () => void): void {
    if (this.closed) {
      listener();
      return;
    }
    (this.closeListeners ??= []).push(listener);
  }

  /** Stops the request: the head promise rejects with `reason` if still pending, the body fails. */
  abort(reason: Error): void {
    if (this.closed) return;
    if (this.abortUndici !== undefined) {
      this.abortUndici(reason);
      return;
    }
    // Still queued in the pool: answer the caller now; undici drops it when it reaches onConnect.
    this.pendingAbort ??= reason;
    this.settleHead(reason);
  }

  // ---- consumers of the body ----

  /** The whole body when it has already arrived (and nobody else took it), else undefined. */
  takeComplete(): Buffer | undefined {
    if (!this.complete || this.mode !== Mode.Hold) return undefined;
    this.mode = Mode.Discard;
    const chunks = this.chunks;
    this.chunks = undefined;
    if (chunks === undefined) return EMPTY;
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }

  /**
   * Writes the body to `res` as it arrives and ends it; counts bytes into `counter.bytes`. A body
   * that fails after the head was sent can only be signalled by cutting the connection.
   */
  pipeTo(res: ServerResponse, counter: { bytes: number }): void {
    if (this.mode !== Mode.Hold) throw new Error('upstream body already taken');
    this.mode = Mode.Pipe;
    this.res = res;
    this.counter = counter;
    const chunks = this.chunks;
    this.chunks = undefined;
    let writable = true;
    if (chunks !== undefined) {
      for (const chunk of chunks) {
        counter.bytes += chunk.length;
        writable = res.write(chunk);
      }
    }
    if (this.failure !== undefined) {
      res.destroy();
      return;
    }
    if (this.complete) {
      res.end();
      return;
    }
    if (writable) this.resume();
    else res.once('drain', this.onDrain);
  }

  /** The body as a Readable, for filters that transform or keep it. */
  toReadable(): Readable {
    if (this.mode !== Mode.Hold) throw new Error('upstream body already taken');
    this.mode = Mode.Stream;
    const stream = new Readable({
      read: () => this.resume(),
      destroy: (err, callback) => {
        if (!this.closed) this.discard(err ?? new RequestAbortedError('upstream body destroyed'));
        callback(err);
      },
    });
    this.stream = stream;
    const chunks = this.chunks;
    this.chunks = undefined;
    if (chunks !== undefined) for (const chunk of chunks) stream.push(chunk);
    if (this.failure !== undefined) stream.destroy(this.failure);
    else if (this.complete) stream.push(null);
    return stream;
  }

  /** Reads what is left and drops it, so the connection can be reused; resolves when done. */
  dump(): Promise<void> {
    if (this.closed) {
      this.dropHeld();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.dumped = resolve;
      this.dropHeld();
      this.mode = Mode.Discard;
      this.resume();
    });
  }

  /** Throws the body away and stops reading it (closing the upstream connection if unfinished). */
  destroy(err?: Error): void {
    if (this.mode === Mode.Stream && this.stream !== undefined && !this.stream.destroyed) {
      this.stream.destroy(err);
      return;
    }
    this.discard(err ?? new RequestAbortedError('upstream body discarded'));
  }

  // ---- undici's (legacy) dispatch handler ----

  onConnect(abort: Abort): void {
    if (this.pendingAbort !== undefined) {
      abort(this.pendingAbort);
      return;
    }
    this.abortUndici = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx (103 Early Hints) are informational: the real head follows.
    if (statusCode < 200) return true;
    this.statusCode = statusCode;
    this.resumeUndici = resume;
    this.headers = parseResponseHeaders(rawHeaders);
    this.settleHead(undefined);
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.receivedBytes += chunk.length;
    switch (this.mode) {
      case Mode.Hold:
        (this.chunks ??= []).push(chunk);
        this.heldBytes += chunk.length;
        return this.keepReading(this.heldBytes < HIGH_WATER_BYTES);
      case Mode.Pipe:
        this.counter!.bytes += chunk.length;
        if (this.res!.write(chunk)) return true;
        this.res!.once('drain', this.onDrain);
        return this.keepReading(false);
      case Mode.Stream:
        return this.keepReading(this.stream!.push(chunk));
      case Mode.Discard:
        if (this.dumped !== undefined && this.receivedBytes > DUMP_LIMIT_BYTES) this.abortUndici?.(new RequestAbortedError('dumped body too large'));
        return true;
    }
  }

  onComplete(): void {
    this.complete = true;
    if (this.mode === Mode.Pipe) this.res!.end();
    else if (this.mode === Mode.Stream) this.stream!.push(null);
    this.finish();
  }

  onError(err: Error): void {
    if (!this.headSettled) {
      this.settleHead(err);
    } else {
      this.failure ??= err;
      if (this.mode === Mode.Pipe) this.res!.destroy();
      else if (this.mode === Mode.Stream && !this.stream!.destroyed) this.stream!.destroy(err);
    }
    this.finish();
  }

  // ---- internals ----

  private readonly onDrain = (): void => this.resume();

  private keepReading(more: boolean): boolean {
    if (!more) this.paused = true;
    return more;
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.resumeUndici?.();
  }

  private discard(reason: Error): void {
    this.dropHeld();
    this.mode = Mode.Discard;
    this.abort(reason);
  }

  private dropHeld(): void {
    this.chunks = undefined;
    this.heldBytes = 0;
  }

  private settleHead(err: unknown): void {
    if (this.headSettled) return;
    this.headSettled = true;
    const resolve = this.resolveHead;
    const reject = this.rejectHead;
    this.resolveHead = undefined;
    this.rejectHead = undefined;
    if (err === undefined) this.headArrived(resolve);
    else this.headFailed(err, reject);
  }

  /** The response head arrived; `send` resolves here. Subclasses (proxy tries) take it directly. */
  protected headArrived(resolve: ((exchange: UpstreamExchange) => void) | undefined): void {
    resolve?.(this);
  }

  /** No response head will come; `send` rejects here. */
  protected headFailed(err: unknown, reject: ((err: unknown) => void) | undefined): void {
    reject?.(err);
  }

  /** undici is done with the request; runs the `onClose` listeners. */
  protected closedNow(): void {
    const listeners = this.closeListeners;
    this.closeListeners = undefined;
    if (listeners !== undefined) for (const listener of listeners) listener();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.abortUndici = undefined;
    this.resumeUndici = undefined;
    const dumped = this.dumped;
    this.dumped = undefined;
    dumped?.();
    this.closedNow();
  }
}

const EMPTY = Buffer.alloc(0);

function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new RequestAbortedError(String(reason));
}

/**
 * Raw header pairs → lower-case header object; repeated names become arrays (Set-Cookie), hop-by-hop
 * headers and the ones named by `Connection` are left out.
 */
export function parseResponseHeaders(raw: Buffer[]): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  let named: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    // Well-known names come back as interned lower-case strings, without a conversion each.
    const name = util.headerNameToString(raw[i]!);
    const value = raw[i + 1]!.toString('latin1');
    if (HOP_BY_HOP.has(name)) {
      if (name === 'connection' && value !== 'keep-alive' && value !== 'close') (named ??= []).push(...connectionTokens(value));
      continue;
    }
    // Own properties only: `constructor` or `__proto__` would otherwise find Object.prototype's.
    const existing = Object.hasOwn(headers, name) ? headers[name] : undefined;
    if (existing === undefined) {
      if (name === '__proto__') Object.defineProperty(headers, name, { value, enumerable: true, configurable: true, writable: true });
      else headers[name] = value;
    } else if (typeof existing === 'string') headers[name] = [existing, value];
    else existing.push(value);
  }
  if (named !== undefined) for (const name of named) delete headers[name];
  return headers;
}

/** A response body in any of the forms a filter may meet, as a stream (or bytes, or nothing). */
export function bodyAsStream(body: Readable | Buffer | null | UpstreamBody): Readable | Buffer | null {
  return body instanceof UpstreamExchange ? body.toReadable() : (body as Readable | Buffer | null);
}

/** An AbortSignal as an abort handle for `send` (contexts other than the listener's). */
export function signalHandle(signal: AbortSignal): AbortHandleLike {
  return {
    get aborted() {
      return signal.aborted;
    },
    get reason() {
      return signal.reason as unknown;
    },
    once(_event: 'abort', listener: () => void) {
      signal.addEventListener('abort', listener, { once: true });
    },
  };
}
