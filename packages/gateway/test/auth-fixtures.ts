/**
 * Shared fixtures for the auth tests: key pairs made with jose, a local identity provider
 * (discovery + JWKS + introspection on port 0) that counts its requests and can be taken down,
 * token signing, and a hand-built GatewayContext / FilterDeps to drive filters directly.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { FilterDeps, SharedResources } from '../src/filters/registry.js';
import type { GatewayContext, Principal } from '../src/pipeline/types.js';

export interface TestKey {
  readonly kid: string;
  readonly alg: 'RS256' | 'ES256';
  readonly privateKey: CryptoKeyLike;
  readonly publicJwk: JWK;
}
type CryptoKeyLike = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export async function makeKey(alg: 'RS256' | 'ES256', kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk };
}

export interface TestIdp {
  readonly issuer: string;
  readonly origin: string;
  /** Keys published at /jwks; mutate to rotate. */
  keys: JWK[];
  /** While true every endpoint answers 503. */
  down: boolean;
  /** Cache-Control sent with the JWKS, when set. */
  jwksCacheControl: string | undefined;
  /** Overrides the issuer named in the discovery document. */
  discoveryIssuer: string | undefined;
  /** Introspection answers by token; unknown tokens are inactive. */
  readonly introspection: Map<string, Record<string, unknown>>;
  /** Requests seen, by path. */
  readonly hits: Map<string, number>;
  /** Authorization headers received by the introspection endpoint. */
  readonly introspectionAuth: string[];
  count(path: string): number;
}

export async function startIdp(t: TestContext): Promise<TestIdp> {
  const idp: TestIdp = {
    issuer: '',
    origin: '',
    keys: [],
    down: false,
    jwksCacheControl: undefined,
    discoveryIssuer: undefined,
    introspection: new Map(),
    hits: new Map(),
    introspectionAuth: [],
    count(path) {
      return this.hits.get(path) ?? 0;
    },
  };
  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0] as string;
      idp.hits.set(path, (idp.hits.get(path) ?? 0) + 1);
      const body = await readBody(req);
      if (idp.down) {
        res.writeHead(503).end();
        return;
      }
      const json = (value: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
      };
      if (path === '/.well-known/openid-configuration') {
        json({ issuer: idp.discoveryIssuer ?? idp.issuer, jwks_uri: `${idp.origin}/jwks`, introspection_endpoint: `${idp.origin}/introspect` });
      } else if (path === '/jwks') {
        json({ keys: idp.keys }, idp.jwksCacheControl === undefined ? {} : { 'cache-control': idp.jwksCacheControl });
      } else if (path === '/introspect' && req.method === 'POST') {
        idp.introspectionAuth.push(req.headers.authorization ?? '');
        const token = new URLSearchParams(body).get('token') ?? '';
        json(idp.introspection.get(token) ?? { active: false });
      } else {
        res.writeHead(404).end();
      }
    })();
  });
  const origin = await listen(server);
  t.after(() => closeServer(server));
  Object.assign(idp, { issuer: origin, origin });
  return idp;
}

/** A server that must never be contacted (stands in for jku/x5u targets). */
export async function startTrap(t: TestContext): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
  });
  const origin = await listen(server);
  t.after(() => closeServer(server));
  return { url: origin, hits: () => hits };
}

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

export interface SignOptions {
  readonly key: TestKey;
  readonly claims?: JWTPayload & Record<string, unknown>;
  readonly header?: Record<string, unknown>;
  /** Seconds since the epoch used for iat/exp defaults. */
  readonly nowSeconds?: number;
  readonly omit?: readonly string[];
}

/** Signs an access token with sensible defaults (iss, aud, sub, exp in 5 min, a scope). */
export async function signToken(idp: { issuer: string }, o: SignOptions): Promise<string> {
  const now = o.nowSeconds ?? Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: idp.issuer,
    aud: 'portero-api',
    sub: 'user-1',
    client_id: 'client-1',
    scope: 'customers:read',
    iat: now,
    exp: now + 300,
    ...o.claims,
  };
  for (const name of o.omit ?? []) delete claims[name];
  return new SignJWT(claims).setProtectedHeader({ alg: o.key.alg, kid: o.key.kid, typ: 'at+jwt', ...o.header }).sign(o.key.privateKey);
}

export function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

export function createResources(t: TestContext): SharedResources {
  const items = new Map<string, { close?(): Promise<void> | void }>();
  t.after(async () => {
    for (const item of items.values()) await item.close?.();
  });
  return {
    acquire<T extends { close?(): Promise<void> | void }>(key: string, create: () => T): T {
      let item = items.get(key) as T | undefined;
      if (item === undefined) {
        item = create();
        items.set(key, item);
      }
      return item;
    },
  };
}

export function createDeps(t: TestContext, gatewayConfig: unknown, routeId = 'customers'): FilterDeps {
  return { routeId, logger: pino({ level: 'silent' }), metrics: new Registry(), resources: createResources(t), gatewayConfig };
}

export interface FakeRequest {
  readonly headers?: Record<string, string>;
  /** Raw header pairs; when given they override `headers` for duplicate detection. */
  readonly rawHeaders?: string[];
  readonly method?: string;
  readonly query?: string;
  /** The client connection (`req.socket`); requests without one have no per-connection memo. */
  readonly socket?: object;
}

export function createContext(r: FakeRequest = {}): GatewayContext {
  const headers: Record<string, string> = {};
  const raw = r.rawHeaders ?? Object.entries(r.headers ?? {}).flat();
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    // Node keeps the first Authorization of duplicates; mimic it.
    if (headers[name] === undefined) headers[name] = raw[i + 1] as string;
  }
  const req = { headers, rawHeaders: raw, socket: r.socket } as unknown as IncomingMessage;
  return {
    req,
    requestId: 'req-1',
    method: r.method ?? 'GET',
    path: '/api/customers',
    query: r.query ?? '',
    host: 'localhost',
    route: { id: 'customers', serviceName: 'customers' },
    params: {},
    signal: new AbortController().signal,
    upstreamHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v])),
    upstreamPath: '/api/customers',
    principal: undefined,
    response: undefined,
    state: new Map(),
  };
}

export function bearer(token: string): FakeRequest {
  return { headers: { authorization: `Bearer ${token}` } };
}

/** The parsed error body of a filter's answer. */
export function errorOf(ctx: GatewayContext): { code: string; details?: { reason?: string } } {
  const body = ctx.response?.body;
  assertBuffer(body);
  return (JSON.parse(body.toString('utf8')) as { error: { code: string; details?: { reason?: string } } }).error;
}

function assertBuffer(body: unknown): asserts body is Buffer {
  if (!Buffer.isBuffer(body)) throw new Error('expected a buffered error body');
}

export function principalOf(ctx: GatewayContext): Principal {
  if (ctx.principal === undefined) throw new Error('no principal');
  return ctx.principal;
}

/** A controllable clock in milliseconds. */
export function createClock(start = Date.now()): { now: () => number; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
  };
}

/** Timers that only fire when the test says so. */
export function createManualTimers(): { set(fn: () => void, ms: number): unknown; clear(h: unknown): void; pending(): number[]; fireAll(): void } {
  const timers = new Map<number, { fn: () => void; ms: number }>();
  let id = 0;
  return {
    set(fn, ms) {
      timers.set(++id, { fn, ms });
      return id;
    },
    clear(h) {
      timers.delete(h as number);
    },
    pending: () => [...timers.values()].map((x) => x.ms),
    fireAll() {
      const due = [...timers.values()];
      timers.clear();
      for (const x of due) x.fn();
    },
  };
}
