/**
 * The data-plane Listener: a `node:http` server whose request handler does, in order,
 * head checks (header count, duplicate Host, framing) → target normalisation → routing (404/405)
 * → request id, upstream headers and path → body size from Content-Length (413) → the route's
 * filter chain ending in the proxy → writing `ctx.response`. Parser-level refusals (oversized or
 * malformed heads, slow heads, slow bodies) arrive as `clientError` and are answered with the
 * same JSON errors. Requests keep the route snapshot current when they arrived.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { LimitsConfig } from '../config/schema.js';
import type { AccessLog } from '../logging/access-log.js';
import { catalogBody, errorCatalog, GatewayError, type GatewayErrorCode } from '../errors.js';
import { checkRequestHead } from '../http/check-head.js';
import { normalizeTarget } from '../http/normalize-target.js';
import { resolveRequestId } from '../http/request-id.js';
import { unmapIPv4, type TrustedProxies } from '../http/trusted-proxies.js';
import { ForwardingInfo, type UpstreamHeaderBuilder } from '../http/upstream-headers.js';
import type { GatewayMetrics, RouteMetrics } from '../metrics/gateway-metrics.js';
import type { RouteSnapshot } from '../router/compiled-route.js';
import { ClientGoneError, RequestContext } from './request-context.js';
import { sendError, sendResponse } from './send.js';
import { discardBody } from '../http/discard-body.js';

export interface DataListenerOptions {
  readonly limits: LimitsConfig;
  readonly trustedProxies: TrustedProxies;
  readonly buildUpstreamHeaders: UpstreamHeaderBuilder;
  readonly metrics: GatewayMetrics;
  /** The access log, or null when logging.accessLog is off (or the level drops info lines). */
  readonly accessLog: AccessLog | null;
  readonly logger: Logger;
  /** The snapshot a new request uses. */
  currentSnapshot(): RouteSnapshot;
}

export interface DataListener {
  readonly server: Server;
  /** Requests received and not yet finished. */
  inFlight(): number;
  /** From now on answers carry `Connection: close`. */
  startDraining(): void;
}

const kContext = Symbol('portero.context');
const kForwarding = Symbol('portero.forwarding');
const kHostHeader = Symbol('portero.hostHeader');
const kHost = Symbol('portero.host');
type TaggedResponse = ServerResponse & { [kContext]?: RequestContext };
type TaggedSocket = Socket & { [kContext]?: RequestContext; [kForwarding]?: ForwardingInfo; [kHostHeader]?: string | undefined; [kHost]?: string };

/** Parser errors that mean the body framing was ambiguous. */
const FRAMING_PARSE_ERRORS = new Set(['HPE_UNEXPECTED_CONTENT_LENGTH', 'HPE_INVALID_CONTENT_LENGTH', 'HPE_INVALID_TRANSFER_ENCODING', 'HPE_INVALID_CHUNK_SIZE']);

function hostOf(header: string | undefined): string {
  if (header === undefined) return '';
  let host = header;
  if (host.charCodeAt(0) === 91 /* [ */) {
    const end = host.indexOf(']');
    host = end < 0 ? host : host.slice(0, end + 1);
  } else {
    const colon = host.indexOf(':');
    if (colon >= 0) host = host.slice(0, colon);
  }
  return host.toLowerCase();
}

export function createDataListener(options: DataListenerOptions): DataListener {
  const { limits, metrics, trustedProxies, buildUpstreamHeaders, accessLog } = options;
  const noneMetrics: RouteMetrics = metrics.forRoute('none');
  let draining = false;
  let inFlight = 0;
  const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);

  function finish(ctx: RequestContext): void {
    const routeMetrics = ctx.route === undefined ? noneMetrics : ctx.route.metrics;
    // A client that left before the head was written has no status; 499 as nginx counts it.
    const status = ctx.status === 0 ? 499 : ctx.status;
    const seconds = (performance.now() - ctx.startedAt) / 1000;
    routeMetrics.requests(ctx.method, status).value++;
    routeMetrics.duration.observe(seconds);
    if (accessLog !== null) {
      accessLog.write(
        ctx.route === undefined ? 'none' : ctx.route.id,
        ctx.requestId,
        ctx.method,
        ctx.path,
        status,
        Math.round(seconds * 1e6) / 1e3,
        ctx.endpointId,
        ctx.bytes,
      );
    }
  }

  function onResponseClose(this: TaggedResponse): void {
    const ctx = this[kContext];
    if (ctx === undefined) return;
    this[kContext] = undefined;
    const socket = this.socket as TaggedSocket | null;
    if (socket !== null && socket[kContext] === ctx) socket[kContext] = undefined;
    inFlight--;
    metrics.inFlight--;
    if (!this.writableFinished) {
      ctx.abort(new ClientGoneError());
      discardBody(ctx.responseBody);
    }
    finish(ctx);
  }

  function fail(ctx: RequestContext, err: unknown): void {
    if (err instanceof GatewayError) return sendError(ctx, err, draining);
    if (err instanceof ClientGoneError || ctx.res.destroyed) {
      ctx.res.destroy();
      return;
    }
    options.logger.error({ err, reqId: ctx.requestId, route: ctx.route?.id }, 'request failed inside the gateway');
    sendError(ctx, new GatewayError('GW_ERR_INTERNAL'), draining);
  }

  /** The connection's peer and whether it is a trusted proxy, worked out on its first request. */
  function forwardingOf(socket: TaggedSocket): ForwardingInfo {
    let info = socket[kForwarding];
    if (info === undefined) {
      const peer = unmapIPv4(socket.remoteAddress ?? '');
      info = new ForwardingInfo(peer, trustedProxies.isTrusted(peer));
      socket[kForwarding] = info;
    }
    return info;
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const snapshot = options.currentSnapshot();
    const ctx = new RequestContext(req, res, performance.now());
    const tagged = res as TaggedResponse;
    tagged[kContext] = ctx;
    const socket = req.socket as TaggedSocket;
    socket[kContext] = ctx;
    inFlight++;
    metrics.inFlight++;
    // `on`, not `once`: no wrapper per request; the handler runs its body once (kContext).
    res.on('close', onResponseClose);

    const headers = req.headers;
    ctx.requestId = resolveRequestId(headers['x-request-id']);
    const headError = checkRequestHead(req.rawHeaders, limits.maxHeaderCount);
    if (headError !== null) return sendError(ctx, new GatewayError(headError), draining);
    if (headers.host === undefined && req.httpVersionMinor === 1) return sendError(ctx, new GatewayError('GW_ERR_MISSING_HOST'), draining);
    const target = normalizeTarget(req.url ?? '');
    if (typeof target === 'string') return sendError(ctx, new GatewayError(target), draining);
    ctx.path = target.path;
    ctx.query = target.query;
    // A keep-alive connection sends the same Host each time: normalised once per connection.
    const hostHeader = headers.host;
    if (socket[kHost] === undefined || socket[kHostHeader] !== hostHeader) {
      socket[kHostHeader] = hostHeader;
      socket[kHost] = hostOf(hostHeader);
    }
    ctx.host = socket[kHost];

    const match = snapshot.router.match(ctx.host, ctx.method, ctx.path);
    if (match.kind === 'not-found') return sendError(ctx, new GatewayError('GW_ERR_ROUTE_NOT_FOUND'), draining);
    if (match.kind === 'method-not-allowed') {
      return sendError(ctx, new GatewayError('GW_ERR_METHOD_NOT_ALLOWED', { headers: { allow: match.allow.join(', ') } }), draining);
    }
    const route = match.route;
    ctx.route = route;
    ctx.params = match.params;

    const length = headers['content-length'];
    if (length !== undefined && Number(length) > limits.maxBodyBytes) return sendError(ctx, new GatewayError('GW_ERR_BODY_TOO_LARGE'), draining);

    ctx.upstreamHeaders = buildUpstreamHeaders(headers, forwardingOf(socket), ctx.requestId);
    ctx.upstreamPath = route.buildUpstreamPath(ctx.path, ctx.query, ctx.params);

    route.run(ctx).then(
      () => {
        try {
          sendResponse(ctx, draining);
        } catch (err) {
          fail(ctx, err);
        }
      },
      (err: unknown) => fail(ctx, err),
    );
  }

  /** Refusals by Node's parser or its timers: there is no request object, only the socket. */
  function onClientError(err: NodeJS.ErrnoException, rawSocket: Socket): void {
    const socket = rawSocket as TaggedSocket;
    const current = socket[kContext];
    let code: GatewayErrorCode = 'GW_ERR_BAD_REQUEST';
    if (err.code === 'HPE_HEADER_OVERFLOW') code = 'GW_ERR_HEADERS_TOO_LARGE';
    else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') code = 'GW_ERR_REQUEST_TIMEOUT';
    else if (err.code !== undefined && FRAMING_PARSE_ERRORS.has(err.code)) code = 'GW_ERR_BAD_FRAMING';
    else if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
      socket.destroy();
      return;
    }
    // A request in progress on this socket (the body is still arriving) is answered through its
    // response, after its upstream try is aborted.
    if (current !== undefined && !current.res.headersSent) {
      current.abort(new GatewayError(code));
      return;
    }
    if (current !== undefined || !socket.writable) {
      socket.destroy();
      return;
    }
    const body = catalogBody(code);
    noneMetrics.requests('INVALID', errorCatalog[code].status).value++;
    socket.write(
      `HTTP/1.1 ${errorCatalog[code].status} ${code === 'GW_ERR_REQUEST_TIMEOUT' ? 'Request Timeout' : code === 'GW_ERR_HEADERS_TOO_LARGE' ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
        `content-type: application/json; charset=utf-8\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`,
    );
    socket.end(body);
    options.logger.warn({ code, parserError: err.code }, 'refused a malformed or slow request');
  }

  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // How often Node checks the two timeouts above; a fraction of them so they fire close to time.
      connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(headersTimeout / 4))),
      // Checked by the handler instead, so the refusal is the same JSON 400 as every other.
      requireHostHeader: false,
      joinDuplicateHeaders: false,
      noDelay: true,
    },
    handle,
  );
  server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
  server.on('clientError', onClientError);

  return {
    server,
    inFlight: () => inFlight,
    startDraining() {
      draining = true;
    },
  };
}
