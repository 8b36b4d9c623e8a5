/**
 * `listener.trustedProxies`, parsed once at load into a `net.BlockList` (exact IPs and CIDR
 * ranges, IPv4 and IPv6). IPv4-mapped IPv6 peers (`::ffff:10.0.0.1`) are checked as IPv4.
 */
import { BlockList, isIP } from 'node:net';

export interface TrustedProxies {
  isTrusted(address: string): boolean;
}

/** Throws on an entry that is neither an IP nor a CIDR range (config validation reports it). */
export function createTrustedProxies(entries: readonly string[]): TrustedProxies {
  if (entries.length === 0) return { isTrusted: () => false };
  const list = new BlockList();
  for (const entry of entries) {
    const [ip, bits] = entry.split('/') as [string, string | undefined];
    const family = isIP(ip);
    if (family === 0) throw new Error(`"${entry}" is not an IP address or CIDR range`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(ip, type);
    else {
      const prefix = Number(bits);
      if (!/^[0-9]+$/.test(bits) || prefix > (family === 4 ? 32 : 128)) throw new Error(`"${entry}" has an invalid prefix length`);
      list.addSubnet(ip, prefix, type);
    }
  }
  return {
    isTrusted(address) {
      const ip = unmapIPv4(address);
      const family = isIP(ip);
      if (family === 0) return false;
      return list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

/** `::ffff:1.2.3.4` → `1.2.3.4`; anything else unchanged. */
export function unmapIPv4(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
