/**
 * Checks the request head for what Node's parser lets through but a proxy must not: too many
 * headers, a second Host, and body framing two hops could read differently (Content-Length with
 * Transfer-Encoding, differing or non-numeric Content-Length, a Transfer-Encoding other than
 * `chunked`). Node already rejects several of these itself (the listener's clientError handler
 * answers 400 then); this is the second line, reading `rawHeaders` so duplicates are visible.
 */
import type { GatewayErrorCode } from '../errors.js';

const DIGITS = /^[0-9]+$/;

function eq(name: string, lower: string): boolean {
  return name === lower || name.toLowerCase() === lower;
}

/** Returns the refusing error code, or null when the head is acceptable. */
export function checkRequestHead(rawHeaders: readonly string[], maxHeaderCount: number): GatewayErrorCode | null {
  if (rawHeaders.length > maxHeaderCount * 2) return 'GW_ERR_HEADERS_TOO_LARGE';
  let hosts = 0;
  let contentLength: string | null = null;
  let transferEncoding = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    // Switch on length first so most headers cost one comparison.
    switch (name.length) {
      case 4:
        if (eq(name, 'host') && ++hosts > 1) return 'GW_ERR_DUPLICATE_HOST';
        break;
      case 14:
        if (eq(name, 'content-length')) {
          const value = (rawHeaders[i + 1] as string).trim();
          if (!DIGITS.test(value)) return 'GW_ERR_BAD_FRAMING';
          if (contentLength !== null && contentLength !== value) return 'GW_ERR_BAD_FRAMING';
          contentLength = value;
        }
        break;
      case 17:
        if (eq(name, 'transfer-encoding')) {
          if (transferEncoding || (rawHeaders[i + 1] as string).trim().toLowerCase() !== 'chunked') return 'GW_ERR_BAD_FRAMING';
          transferEncoding = true;
        }
        break;
    }
  }
  if (transferEncoding && contentLength !== null) return 'GW_ERR_BAD_FRAMING';
  return null;
}
