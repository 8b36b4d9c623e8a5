/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection and are never forwarded, in
 * either direction, together with every header the `Connection` header names.
 * `Proxy-Authorization` is included: it carries credentials meant for a proxy, Portero does not
 * consume them, and forwarding them would leak them to the upstream. `Proxy-Authenticate` is its
 * response-side twin.
 */
export const HOP_BY_HOP_HEADERS: readonly string[] = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
];

/** Lower-case header names listed in a `Connection` value (`close` and `keep-alive` are not headers). */
export function connectionTokens(value: string | string[]): string[] {
  const joined = Array.isArray(value) ? value.join(',') : value;
  const out: string[] = [];
  for (const part of joined.split(',')) {
    const token = part.trim().toLowerCase();
    if (token !== '' && token !== 'close' && token !== 'keep-alive') out.push(token);
  }
  return out;
}
