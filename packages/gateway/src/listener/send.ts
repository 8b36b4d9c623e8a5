/**
 * Writing answers to the client: the proxied (or filter-made) `ctx.response`, streamed, or a
 * JSON error. Both add X-Request-Id, and close the connection when the request body was not
 * read to its end (reading an unwanted body to keep the connection would let a client make us
 * swallow gigabytes) or when the gateway drains.
 */
import { Readable } from 'node:stream';
import { errorBody, GatewayError } from '../errors.js';
import { bodyAsStream, UpstreamExchange } from '../proxy/upstream-exchange.js';
import type { RequestContext } from './request-context.js';
import { discardBody } from '../http/discard-body.js';

function shouldClose(ctx: RequestContext, draining: boolean): boolean {
  return draining || !ctx.req.complete;
}

export function sendError(ctx: RequestContext, err: GatewayError, draining: boolean): void {
  const res = ctx.res;
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const body = errorBody(err);
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
  };
  if (ctx.requestId !== '') headers['x-request-id'] = ctx.requestId;
  if (err.headers !== undefined) Object.assign(headers, err.headers);
  if (shouldClose(ctx, draining)) headers.connection = 'close';
  ctx.status = err.status;
  ctx.bytes = Buffer.byteLength(body);
  res.writeHead(err.status, headers);
  res.end(body);
}

function countBytes(this: Readable & { ctx?: RequestContext }, chunk: Buffer): void {
  if (this.ctx !== undefined) this.ctx.bytes += chunk.length;
}

function onBodyError(this: Readable & { ctx?: RequestContext }): void {
  // The upstream failed mid-body (reset, body timeout): the head is already sent, so the only
  // honest signal left is to cut the connection.
  this.ctx?.res.destroy();
}

export function sendResponse(ctx: RequestContext, draining: boolean): void {
  const res = ctx.res;
  const response = ctx.response;
  if (response === undefined) throw new GatewayError('GW_ERR_INTERNAL', { message: 'the filter chain ended without a response' });
  if (res.destroyed) {
    discardBody(response.body);
    return;
  }
  const headers = response.headers;
  headers['x-request-id'] = ctx.requestId;
  if (shouldClose(ctx, draining)) headers.connection = 'close';
  ctx.status = response.status;
  const body = response.body;
  if (body === null) {
    res.writeHead(response.status, headers);
    res.end();
    return;
  }
  if (Buffer.isBuffer(body)) {
    ctx.bytes = body.length;
    res.writeHead(response.status, headers);
    res.end(body);
    return;
  }
  if (body instanceof UpstreamExchange) {
    // Arrived whole with its head (the usual small answer): head and body in one write.
    const whole = body.takeComplete();
    res.writeHead(response.status, headers);
    if (whole !== undefined) {
      ctx.bytes = whole.length;
      res.end(whole);
      return;
    }
    ctx.responseBody = body;
    body.pipeTo(res, ctx);
    return;
  }
  const stream = body instanceof Readable ? body : (bodyAsStream(body) as Readable);
  res.writeHead(response.status, headers);
  ctx.responseBody = stream;
  const tagged = stream as Readable & { ctx?: RequestContext };
  tagged.ctx = ctx;
  // With a Content-Length the byte count is known; count chunks only for unsized bodies.
  const length = headers['content-length'];
  if (typeof length === 'string' && ctx.method !== 'HEAD') ctx.bytes = Number(length);
  else stream.on('data', countBytes);
  stream.on('error', onBodyError);
  stream.pipe(res);
}
