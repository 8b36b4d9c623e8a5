/**
 * Test support for data-plane tests: a validated config from a partial one, real upstream servers
 * and a real gateway on port 0, raw-socket requests with exact bytes, and cleanup through t.after.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import pino from 'pino';
import { request } from 'undici';
import { validateConfig } from '../../src/config/validate.js';
import type { GatewayConfig } from '../../src/config/schema.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/gateway.js';

export function makeConfig(partial: Record<string, unknown>): GatewayConfig {
  const base = { listener: { port: 0 }, admin: { port: 0, token: 'test-admin-token-0123456789' }, ...partial };
  const result = validateConfig(base);
  if (!result.ok) throw new Error(`test config invalid: ${JSON.stringify(result.errors)}`);
  return result.config;
}

export interface Upstream {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Requests seen, in arrival order. */
  readonly seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];
}

export type UpstreamHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** An HTTP upstream that records each request (with its body) and answers with `handler`. */
export async function startUpstream(t: TestContext, handler?: UpstreamHandler, bufferBody = true): Promise<Upstream> {
  const seen: Upstream['seen'] = [];
  const server = createServer((req, res) => {
    const entry = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '' };
    seen.push(entry);
    if (!bufferBody) {
      (handler ?? defaultHandler)(req, res, '');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      entry.body = Buffer.concat(chunks).toString();
      (handler ?? defaultHandler)(req, res, entry.body);
    });
    req.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port, server, seen };
}

function defaultHandler(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ method: req.method, url: req.url }));
}

export interface RunningGateway {
  readonly gateway: Gateway;
  readonly url: string;
  readonly port: number;
  readonly adminUrl: string;
  /** Parsed JSON log lines written so far. */
  readonly logs: Record<string, unknown>[];
}

/** Starts a gateway whose log lines are captured in memory. */
export async function startGateway(t: TestContext, config: GatewayConfig, extra: Partial<GatewayOptions> = {}): Promise<RunningGateway> {
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const logger = pino({ level: config.logging.level, base: undefined }, destination);
  const gateway = createGateway({ config, logger, defaultMetrics: false, env: {}, watch: false, ...extra });
  const { port, adminPort } = await gateway.listen();
  t.after(() => gateway.close());
  return { gateway, url: `http://127.0.0.1:${port}`, port, adminUrl: `http://127.0.0.1:${adminPort}`, logs };
}

export interface SimpleResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): any;
}

export async function send(url: string, options: Parameters<typeof request>[1] = {}): Promise<SimpleResponse> {
  const res = await request(url, options);
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) };
}

/** Sends `bytes` on a fresh TCP connection and resolves with everything received until close. */
export function rawRequest(port: number, bytes: string | Buffer, options: { endAfterWrite?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET') resolve(Buffer.concat(chunks).toString('latin1'));
      else reject(err);
    });
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.write(bytes);
    if (options.endAfterWrite === true) socket.end();
  });
}

/** Status code and JSON error code of a raw HTTP/1.1 answer (the first one on the connection). */
export function parseRaw(text: string): { status: number; code: string | undefined; head: string } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  const [head = '', ...rest] = text.split('\r\n\r\n');
  const code = /"code":"([A-Z_]+)"/.exec(rest.join('\r\n\r\n'))?.[1];
  return { status, code, head };
}
