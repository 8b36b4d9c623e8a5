import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

/**
 * The identity a request proved, set by the authentication filter. Later filters (authorization,
 * cache partitioning, identity forwarding) read it; nothing else may set it.
 */
export interface Principal {
  /** `sub` of the verified token. */
  readonly subject: string;
  /** `client_id` (or `azp`) of the verified token, when present. */
  readonly clientId: string | undefined;
  /** The token's scopes, parsed once from `scope` / `scp`. */
  readonly scopes: ReadonlySet<string>;
  /** Issuer the token was verified against. */
  readonly issuer: string;
  /** All verified claims. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** Seconds since the epoch at which the token stops being valid. */
  readonly expiresAt: number;
}

/**
 * A proxied body still arriving from the upstream (proxy/upstream-exchange.ts). The listener
 * writes it to the client without a stream in between; a filter that needs the bytes takes it as
 * a Readable (once) with `toReadable()`, or `bodyAsStream(body)`.
 */
export interface UpstreamBody {
  toReadable(): Readable;
  /** Reads the rest and drops it (the connection stays reusable); resolves when done. */
  dump(): Promise<void>;
  /** Throws the body away, stopping its transfer if it is unfinished. */
  destroy(err?: Error): void;
}

/**
 * A response on its way to the client. `body` is streamed: filters that need the bytes (the cache)
 * wrap the stream rather than buffer it in front of the client. Header names are lower case.
 */
export interface GatewayResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Readable | Buffer | null | UpstreamBody;
}

/**
 * Per-request state handed down the filter chain. Everything derived from the raw request
 * (normalised path, query, id) is computed once by the listener before the chain runs.
 */
export interface GatewayContext {
  readonly req: IncomingMessage;
  /** Request id: the client's valid `X-Request-Id`, or one generated at the edge. */
  readonly requestId: string;
  /** Upper-case method. */
  readonly method: string;
  /** The normalised path (no query); the one routing, auth, cache and upstream all use. */
  readonly path: string;
  /** Raw query string without the leading `?`; empty when there is none. */
  readonly query: string;
  /** Host the client addressed (lower case, no port), used for host matching and Forwarded. */
  readonly host: string;
  /** The route that matched, compiled at config load. */
  readonly route: CompiledRouteRef;
  /** Path parameters captured by a pattern route. */
  readonly params: Readonly<Record<string, string>>;
  /** Aborted when the client goes away or the request deadline passes. */
  readonly signal: AbortSignal;
  /**
   * Headers that will be sent upstream: hop-by-hop and spoofable headers already removed. A header
   * set to `undefined` is not sent; filters remove one that way rather than with `delete`, which
   * would turn this per-request object into a slow dictionary.
   */
  upstreamHeaders: Record<string, string | string[] | undefined>;
  /** Path (with query) the upstream will receive, after prefix stripping or rewriting. */
  upstreamPath: string;
  /** Set by the authentication filter. */
  principal: Principal | undefined;
  /** Set by whoever answers: the proxy at the end of the chain, or a filter that short-circuits. */
  response: GatewayResponse | undefined;
  /** Free-form per-request values for filters that cooperate (e.g. `cache.status`). */
  readonly state: Map<string, unknown>;
}

/** The part of a compiled route a filter may read. */
export interface CompiledRouteRef {
  readonly id: string;
  readonly serviceName: string;
}

/** What runs after this filter: the rest of the chain, ending in the proxy. */
export type Next = () => Promise<void>;

/**
 * A filter: work before `await next()` acts on the request, work after it on `ctx.response`.
 * A filter that answers by itself sets `ctx.response` (or throws a GatewayError) and does not
 * call `next()`.
 */
export type Filter = (ctx: GatewayContext, next: Next) => Promise<void>;
