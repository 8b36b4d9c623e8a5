/**
 * Hand-built contexts and a scripted upstream for testing the cache filter without a gateway:
 * the fake `next` plays the proxy, setting ctx.response from a handler and counting calls.
 */
import { bodyAsStream } from '../src/proxy/upstream-exchange.js';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { Value } from '@sinclair/typebox/value';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createCacheFilter } from '../src/filters/cache/cache-filter.js';
import { CacheFilterConfigSchema, type CacheFilterConfig } from '../src/filters/cache/schema.js';
import { createCacheMetrics } from '../src/cache/metrics.js';
import { createMemoryStore } from '../src/cache/memory-store.js';
import { createCacheRuntime, type CacheRuntime } from '../src/cache/runtime.js';
import type { CacheStore } from '../src/cache/store.js';
import type { Filter, GatewayContext, GatewayResponse, Principal } from '../src/pipeline/types.js';

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

export interface RequestSpec {
  method?: string;
  path?: string;
  query?: string;
  headers?: Record<string, string>;
  principal?: Principal;
  params?: Record<string, string>;
  host?: string;
}

export interface UpstreamReply {
  status?: number;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer | null;
  /** Stream the body in chunks instead of handing a Buffer. */
  stream?: boolean;
}

export type UpstreamHandler = (ctx: GatewayContext, call: number) => UpstreamReply | Promise<UpstreamReply>;

export interface Answer {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
  ctx: GatewayContext;
}

export function principal(subject: string, issuer = 'https://issuer.test'): Principal {
  return { subject, issuer, clientId: undefined, scopes: new Set(), claims: { sub: subject }, expiresAt: T0 / 1000 + 3600 };
}

export function makeContext(spec: RequestSpec): GatewayContext {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.headers ?? {})) headers[k.toLowerCase()] = v;
  const path = spec.path ?? '/api/customers/1';
  const query = spec.query ?? '';
  return {
    req: { headers } as unknown as IncomingMessage,
    requestId: 'req-1',
    method: spec.method ?? 'GET',
    path,
    query,
    host: spec.host ?? 'gw.test',
    route: { id: 'customers', serviceName: 'customers' },
    params: spec.params ?? {},
    signal: new AbortController().signal,
    upstreamHeaders: { ...headers },
    upstreamPath: query === '' ? path : `${path}?${query}`,
    principal: spec.principal,
    response: undefined,
    state: new Map(),
  };
}

export function toResponse(reply: UpstreamReply): GatewayResponse {
  const body = reply.body === undefined ? 'body' : reply.body;
  const buf = body === null ? null : Buffer.isBuffer(body) ? body : Buffer.from(body);
  const headers = { ...(reply.headers ?? {}) };
  if (buf !== null && headers['content-length'] === undefined && !reply.stream) headers['content-length'] = String(buf.length);
  let out: GatewayResponse['body'] = buf;
  if (reply.stream && buf !== null) {
    const chunks = [buf.subarray(0, Math.floor(buf.length / 2)), buf.subarray(Math.floor(buf.length / 2))];
    out = Readable.from(chunks);
  }
  return { status: reply.status ?? 200, headers, body: out };
}

export async function readAll(body: GatewayResponse['body']): Promise<string> {
  if (body === null) return '';
  if (Buffer.isBuffer(body)) return body.toString();
  const stream = bodyAsStream(body) as Readable;
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString();
}

export interface Harness {
  clock: { now: number };
  store: CacheStore;
  runtime: CacheRuntime;
  registry: Registry;
  filter: Filter;
  calls: GatewayContext[];
  /** Runs one request through the filter and the scripted upstream; reads the whole body. */
  run(spec: RequestSpec): Promise<Answer>;
  /** Lets pending store writes (after a body ended) settle. */
  settle(): Promise<void>;
  lookups(result: string): Promise<number>;
}

export function createHarness(
  config: Partial<CacheFilterConfig>,
  handler: UpstreamHandler,
  options: { store?: CacheStore; fetchUpstream?: boolean } = {},
): Harness {
  const clock = { now: T0 };
  const now = () => clock.now;
  const store = options.store ?? createMemoryStore({ maxBytes: 1 << 20, maxEntryBytes: 64 * 1024, now });
  const logger = pino({ level: 'silent' });
  const runtime = createCacheRuntime(store, { logger, now });
  const registry = new Registry();
  const metrics = createCacheMetrics(registry);
  metrics.observeStore(store);
  const calls: GatewayContext[] = [];
  const upstream = async (ctx: GatewayContext): Promise<void> => {
    calls.push(ctx);
    ctx.response = toResponse(await handler(ctx, calls.length));
  };
  const parsed = Value.Default(CacheFilterConfigSchema, structuredClone(config)) as CacheFilterConfig;
  const filter = createCacheFilter(parsed, {
    routeId: 'customers',
    runtime,
    metrics,
    logger,
    now,
    fetchUpstream: options.fetchUpstream === false ? undefined : upstream,
  });
  const settle = async () => {
    for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
  };
  return {
    clock,
    store,
    runtime,
    registry,
    filter,
    calls,
    async run(spec) {
      const ctx = makeContext(spec);
      await filter(ctx, () => upstream(ctx));
      const res = ctx.response;
      if (res === undefined) throw new Error('no response');
      const body = await readAll(res.body);
      await settle();
      return { status: res.status, headers: res.headers, body, ctx };
    },
    settle,
    async lookups(result) {
      const metric = await registry.getSingleMetric('portero_cache_lookups_total')?.get();
      return metric?.values.filter((v) => v.labels.result === result).reduce((a, v) => a + v.value, 0) ?? 0;
    },
  };
}

export const httpDate = (ms: number): string => new Date(ms).toUTCString();
