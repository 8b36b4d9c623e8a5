import type { GatewayContext } from '../../pipeline/types.js';

/**
 * What a consistent-hash service hashes on: one request header, one claim of the verified token
 * (needs an authentication filter on the route), or the client's address.
 */
export type HashOn = { readonly header: string } | { readonly claim: string } | { readonly clientAddress: true };

export type HashKeyExtractor = (ctx: GatewayContext) => string | undefined;

/**
 * Compiles `hashOn` into a key function once, at config load. A request without the key gets
 * `undefined` and is balanced at random, so a missing header never pins traffic to one endpoint.
 */
export function createHashKeyExtractor(hashOn: HashOn): HashKeyExtractor {
  if ('header' in hashOn) {
    const name = hashOn.header.toLowerCase();
    return (ctx) => {
      const value = ctx.req.headers[name];
      if (value === undefined) return undefined;
      return Array.isArray(value) ? value.join(',') : value;
    };
  }
  if ('claim' in hashOn) {
    const claim = hashOn.claim;
    return (ctx) => {
      const value = ctx.principal?.claims[claim];
      if (value === undefined || value === null) return undefined;
      return typeof value === 'string' ? value : JSON.stringify(value);
    };
  }
  // The socket peer, which the listener has already vetted; behind a trusted proxy the listener's
  // resolved client address (state 'client.address') is preferred when it is set.
  return (ctx) => {
    const resolved = ctx.state.get('client.address');
    if (typeof resolved === 'string') return resolved;
    return ctx.req.socket.remoteAddress;
  };
}
