/**
 * Finds the bearer token of a request, RFC 6750 style, and only in the `Authorization` header:
 * - a token in the query string (`access_token`) is refused with 400 `invalid_request` (§3.1:
 *   "uses more than one method" / unsupported parameter; query tokens leak into logs and caches);
 * - two Authorization headers are a 400 too. Node keeps only the first one in `req.headers`,
 *   so the raw header list is inspected;
 * - the size limit is checked before any parsing;
 * - the scheme is case-insensitive; the token must be a `b64token`.
 *
 * With a `BearerMemo` (one per client connection), a header value equal to the last one that held
 * a well-formed token gives that result again without re-parsing it: a keep-alive client sends the
 * same header on every request. The query, duplicate and size checks still run every time.
 */
import type { IncomingMessage } from 'node:http';

export interface TokenFound {
  readonly kind: 'token';
  readonly token: string;
}

export type ExtractedToken =
  | TokenFound
  | { readonly kind: 'none' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'query' }
  | { readonly kind: 'too_large' }
  | { readonly kind: 'malformed' };

const NONE: ExtractedToken = { kind: 'none' };
const DUPLICATE: ExtractedToken = { kind: 'duplicate' };
const QUERY: ExtractedToken = { kind: 'query' };
const TOO_LARGE: ExtractedToken = { kind: 'too_large' };
const MALFORMED: ExtractedToken = { kind: 'malformed' };
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** The last `Authorization` value that held a well-formed bearer token, and what it gave. */
export interface BearerMemo {
  header: string | undefined;
  found: TokenFound | undefined;
}

export function extractBearerToken(req: IncomingMessage, query: string, maxTokenBytes: number, memo?: BearerMemo): ExtractedToken {
  if (query.length > 0 && query.includes('access_token') && new URLSearchParams(query).has('access_token')) return QUERY;
  const value = req.headers.authorization;
  if (value === undefined) return NONE;
  if (countAuthorizationHeaders(req.rawHeaders) > 1) return DUPLICATE;
  if (value.length > maxTokenBytes) return TOO_LARGE;
  if (memo !== undefined && memo.found !== undefined && value === memo.header) return memo.found;
  if (value.length < 6 || !startsWithIgnoringCase(value, 'bearer')) return NONE;
  if (value.length === 6) return MALFORMED;
  if (value[6] !== ' ') return NONE;
  const token = value.slice(7).trim();
  if (token.length === 0 || !B64TOKEN.test(token)) return MALFORMED;
  const found: TokenFound = { kind: 'token', token };
  if (memo !== undefined) {
    memo.header = value;
    memo.found = found;
  }
  return found;
}

function countAuthorizationHeaders(raw: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name !== undefined && name.length === 13 && startsWithIgnoringCase(name, 'authorization')) n++;
  }
  return n;
}

/** `value` starts with `lower` (ASCII letters, lower case) in any case; no string is made. */
function startsWithIgnoringCase(value: string, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    if ((value.charCodeAt(i) | 0x20) !== lower.charCodeAt(i)) return false;
  }
  return true;
}
