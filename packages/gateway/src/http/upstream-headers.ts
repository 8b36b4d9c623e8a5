/**
 * Builds the headers sent upstream from the client's: hop-by-hop headers, headers named in
 * `Connection`, `Expect` (the listener already answered `100-continue`), client-sent identity
 * headers (only the authentication filter may set them) and the client's request id are dropped;
 * X-Forwarded-For/-Proto/-Host and Forwarded are overwritten, or extended when the peer is a
 * trusted proxy. The client's Host is passed through unchanged (like Traefik's passHostHeader).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { connectionTokens, HOP_BY_HOP_HEADERS } from './hop-by-hop.js';

export interface ForwardingInfo {
  /** Peer address (IPv4-mapped form already unmapped). */
  readonly peer: string;
  readonly peerTrusted: boolean;
  readonly requestId: string;
}

export type UpstreamHeaderBuilder = (headers: IncomingHttpHeaders, info: ForwardingInfo) => Record<string, string | string[]>;

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
  return (headers, info) => {
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
    const ours = `${forwardedFor(info.peer)};host=${quote(host)};proto=http`;
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
    out['x-request-id'] = info.requestId;
    return out;
  };
}
