/**
 * Turns the raw request target into the one normalised path that routing, filters and the
 * upstream all use, or refuses it. Doing this once at the edge is what keeps a path from meaning
 * one thing to the router and another to the upstream (`/public/..%2Fadmin`).
 *
 * Normalisation (RFC 3986 §6.2.2): percent-escapes of unreserved characters are decoded, the
 * remaining escapes are upper-cased, duplicate slashes collapse, and dot-segments are removed.
 * Refused with 400: anything but origin-form, fragments, raw or encoded NUL / control characters,
 * backslashes, encoded `/` and `\`, malformed escapes, non-ASCII bytes, and `..` above the root.
 */
import type { GatewayErrorCode } from '../errors.js';

export interface NormalizedTarget {
  /** The normalised path, always starting with `/`. */
  path: string;
  /** The raw query without `?`; empty when absent. */
  query: string;
}

export type TargetResult = NormalizedTarget | GatewayErrorCode;

const HEX = '0123456789ABCDEF';

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

function isUnreserved(code: number): boolean {
  return (
    (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 45 || code === 46 || code === 95 || code === 126
  );
}

/** Normalises `target` (the request line's target, i.e. `req.url`). */
export function normalizeTarget(target: string): TargetResult {
  if (target.charCodeAt(0) !== 47 /* / */) return 'GW_ERR_BAD_TARGET';
  const len = target.length;
  let end = len;
  let slow = false;
  let prev = 0;
  // One scan validates the path and tells whether the cheap path (return it unchanged) applies.
  for (let i = 0; i < len; i++) {
    const c = target.charCodeAt(i);
    if (c === 63 /* ? */) {
      end = i;
      break;
    }
    if (c <= 32 || c >= 127 || c === 92 /* \ */) return 'GW_ERR_BAD_PATH';
    if (c === 35 /* # */) return 'GW_ERR_BAD_TARGET';
    if (c === 37 /* % */) slow = true;
    else if (c === 47 && prev === 47) slow = true;
    else if (c === 46 /* . */ && prev === 47) slow = true;
    prev = c;
  }
  let query = '';
  if (end < len) {
    for (let i = end + 1; i < len; i++) {
      const c = target.charCodeAt(i);
      if (c <= 32 || c >= 127) return 'GW_ERR_BAD_PATH';
      if (c === 35) return 'GW_ERR_BAD_TARGET';
    }
    query = target.slice(end + 1);
  }
  const rawPath = end === len ? target : target.slice(0, end);
  if (!slow) return { path: rawPath, query };
  const path = normalizeSlow(rawPath);
  if (path.charCodeAt(0) !== 47) return path as GatewayErrorCode;
  return { path, query };
}

/** Decodes escapes, collapses slashes and removes dot-segments; returns an error code on refusal. */
function normalizeSlow(raw: string): string {
  let decoded = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c !== 37) {
      decoded += raw[i];
      continue;
    }
    const hi = hexValue(raw.charCodeAt(i + 1));
    const lo = hexValue(raw.charCodeAt(i + 2));
    if (hi < 0 || lo < 0) return 'GW_ERR_BAD_PATH';
    const byte = hi * 16 + lo;
    // Encoded separators and control bytes are refused rather than decoded: whichever way the
    // upstream would read them, the gateway would have routed on something else.
    if (byte === 0x2f || byte === 0x5c || byte < 0x20 || byte === 0x7f) return 'GW_ERR_ENCODED_SEPARATOR';
    if (isUnreserved(byte)) decoded += String.fromCharCode(byte);
    else decoded += '%' + HEX[hi] + HEX[lo];
    i += 2;
  }
  const segments = decoded.split('/');
  const out: string[] = [];
  // segments[0] is the empty string before the leading slash.
  for (let i = 1; i < segments.length; i++) {
    const seg = segments[i] as string;
    const last = i === segments.length - 1;
    if (seg === '' && !last) continue; // duplicate slash
    if (seg === '.') {
      if (last) out.push('');
      continue;
    }
    if (seg === '..') {
      if (out.length === 0) return 'GW_ERR_PATH_ESCAPES_ROOT';
      out.pop();
      if (last) out.push('');
      continue;
    }
    out.push(seg);
  }
  return '/' + out.join('/');
}
