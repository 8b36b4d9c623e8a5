/**
 * Builds the headers sent upstream from the client's: hop-by-hop headers, headers named in
 * `Connection`, `Expect` (the listener already answered `100-continue`), client-sent identity
 * headers (only the authentication filter may set them) and the client's request id are dropped;
 * X-Forwarded-For/-Proto/-Host and Forwarded are overwritten, or extended when the peer is a
 * trusted proxy. The client's Host is passed through unchanged (like Traefik's passHostHeader).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { connectionTokens, HOP_BY_HOP_HEADERS } from './hop-by-hop.js';

/**
 * What the forwarding headers need to know about the connection: made once per client connection
 * (the peer does not change), it also keeps the `Forwarded` element last built, for the Host the
 * connection's requests keep sending.
 */
export class ForwardingInfo {
  /** The `Forwarded` element for `forwardedHost` (empty until first built). */
  forwarded = '';
  forwardedHost: string | undefined = undefined;

  constructor(
    /** Peer address (IPv4-mapped form already unmapped). */
    readonly peer: string,
    readonly peerTrusted: boolean,
  ) {}

  /** `for=…;host="…";proto=http` for this peer and `host`. */
  element(host: string): string {
    if (this.forwardedHost !== host) {
      this.forwardedHost = host;
      this.forwarded = `${forwardedFor(this.peer)};host=${quote(host)};proto=http`;
    }
    return this.forwarded;
  }
}

export type UpstreamHeaderBuilder = (headers: IncomingHttpHeaders, info: ForwardingInfo, requestId: string) => Record<string, string | string[]>;

function forwardedFor(peer: string): string {
  return peer.includes(':') ? `for="[${peer}]"` : `for=${peer}`;
}

function quote(value: string): string {
  return '"' + value.replace(/["\\]/g, '') + '"';
}

/** `identityHeaders` are the configured names (any case) of the headers the auth filter owns. */
export function createUpstreamHeaderBuilder(identityHeaders: readonly string[]): UpstreamHeaderBuilder {
  const drop = new Set<string>([
    ...HOP_BY_HOP_HEADERS,
    'expect',
    'x-forwarded-for',
    'x-forwarded-proto',
    'x-forwarded-host',
    'forwarded',
    'x-request-id',
    ...identityHeaders.map((h) => h.toLowerCase()),
  ]);
  return (headers, info, requestId) => {
    const out: Record<string, string | string[]> = {};
    const connection = headers.connection;
    const named = connection === undefined ? null : connectionTokens(connection);
    for (const name in headers) {
      if (drop.has(name)) continue;
      if (named !== null && named.includes(name)) continue;
      const value = headers[name];
      if (value !== undefined) out[name] = value;
    }
    const host = headers.host ?? '';
    const ours = info.element(host);
    if (info.peerTrusted) {
      const xff = headers['x-forwarded-for'];
      out['x-forwarded-for'] = xff === undefined ? info.peer : `${xff}, ${info.peer}`;
      out['x-forwarded-proto'] = headers['x-forwarded-proto'] ?? 'http';
      out['x-forwarded-host'] = headers['x-forwarded-host'] ?? host;
      const fwd = headers.forwarded;
      out.forwarded = fwd === undefined ? ours : `${fwd}, ${ours}`;
    } else {
      out['x-forwarded-for'] = info.peer;
      out['x-forwarded-proto'] = 'http';
      out['x-forwarded-host'] = host;
      out.forwarded = ours;
    }
    out['x-request-id'] = requestId;
    return out;
  };
}
