/**
 * The GatewayContext the listener builds once per request. A class rather than an object literal
 * so every request has the same shape (V8 keeps one hidden class) and so the rarely used parts
 * (the `state` map, the AbortController) are created only when someone asks for them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { GatewayContext, GatewayResponse, Principal, UpstreamBody } from '../pipeline/types.js';
import type { CompiledRoute } from '../router/compiled-route.js';
import { EMPTY_PARAMS } from '../router/router.js';

/** Abort reason when the client went away; nothing can be answered then. */
export class ClientGoneError extends Error {
  constructor() {
    super('client closed the connection');
    this.name = 'ClientGoneError';
  }
}

/** What a TryAbortHandle tells when it fires. */
export interface AbortWatcher {
  abortedBy(reason: unknown): void;
}

/**
 * The abort handle undici gets for a try. undici accepts any emitter-like object (`once`,
 * `removeListener`, `aborted`, `reason`); this one costs a small object instead of an
 * AbortController (an EventTarget) per request.
 */
export class TryAbortHandle {
  aborted = false;
  reason: unknown = undefined;
  private listener: (() => void) | undefined = undefined;
  private watcher: AbortWatcher | undefined = undefined;

  /** Like `once('abort')`, with an object instead of a closure (the upstream exchange). */
  watch(watcher: AbortWatcher): void {
    this.watcher = watcher;
  }

  on(_event: 'abort', listener: () => void): this {
    this.listener = listener;
    return this;
  }

  once(event: 'abort', listener: () => void): this {
    return this.on(event, listener);
  }

  removeListener(): this {
    this.listener = undefined;
    this.watcher = undefined;
    return this;
  }

  fire(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listener = this.listener;
    const watcher = this.watcher;
    this.listener = undefined;
    this.watcher = undefined;
    listener?.();
    watcher?.abortedBy(reason);
  }
}

export class RequestContext implements GatewayContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** performance.now() at arrival. */
  readonly startedAt: number;
  requestId = '';
  method: string;
  path = '';
  query = '';
  host = '';
  route: CompiledRoute = undefined as unknown as CompiledRoute;
  params: Readonly<Record<string, string>> = EMPTY_PARAMS;
  upstreamHeaders: Record<string, string | string[] | undefined> = EMPTY_HEADERS;
  upstreamPath = '';
  principal: Principal | undefined = undefined;
  response: GatewayResponse | undefined = undefined;
  /** Endpoint id of the last try, for the access log. */
  endpointId: string | undefined = undefined;
  /** Status written to the client (set when the head is written). */
  status = 0;
  /** Body bytes sent to the client. */
  bytes = 0;
  /** The streamed response body, destroyed if the client leaves first. */
  responseBody: Readable | UpstreamBody | undefined = undefined;
  private stateMap: Map<string, unknown> | undefined = undefined;
  private controller: AbortController | undefined = undefined;
  private abortReason: unknown = undefined;
  private tryHandle: TryAbortHandle | undefined = undefined;

  constructor(req: IncomingMessage, res: ServerResponse, startedAt: number) {
    this.req = req;
    this.res = res;
    this.startedAt = startedAt;
    this.method = req.method ?? 'GET';
  }

  get state(): Map<string, unknown> {
    this.stateMap ??= new Map();
    return this.stateMap;
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** A fresh abort handle for one upstream try, fired by `abort()`. */
  tryAbortHandle(): TryAbortHandle {
    const handle = new TryAbortHandle();
    if (this.abortReason !== undefined) handle.fire(this.abortReason);
    this.tryHandle = handle;
    return handle;
  }

  get aborted(): boolean {
    return this.abortReason !== undefined;
  }

  /** Aborts the request's work (upstream try, filters watching `signal`) with `reason`. */
  abort(reason: unknown): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    this.tryHandle?.fire(reason);
    this.controller?.abort(reason);
  }

  get abortCause(): unknown {
    return this.abortReason;
  }
}

const EMPTY_HEADERS: Record<string, string | string[] | undefined> = {};
