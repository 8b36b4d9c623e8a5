/**
 * Cache-Control parsing (RFC 9111 §5.2). Directive names are case-insensitive; arguments may be
 * tokens or quoted strings. Unknown directives are kept so callers can ignore them explicitly.
 * Delta-seconds that do not parse are treated as absent, except that an invalid `max-age` on a
 * response is treated as 0 (stale), as §4.2.1 recommends for a cache that cannot trust it.
 */

/** Parsed directives: name (lower case) to argument (`''` when the directive has none). */
export type Directives = ReadonlyMap<string, string>;

const EMPTY: Directives = new Map();

export function parseCacheControl(value: string | string[] | undefined): Directives {
  if (value === undefined) return EMPTY;
  const text = Array.isArray(value) ? value.join(',') : value;
  if (text.length === 0) return EMPTY;
  const out = new Map<string, string>();
  let i = 0;
  const n = text.length;
  while (i < n) {
    // Skip separators and whitespace between directives.
    while (i < n && (text[i] === ',' || text[i] === ' ' || text[i] === '\t')) i++;
    if (i >= n) break;
    let j = i;
    while (j < n && text[j] !== '=' && text[j] !== ',') j++;
    const name = text.slice(i, j).trim().toLowerCase();
    let arg = '';
    if (j < n && text[j] === '=') {
      j++;
      if (text[j] === '"') {
        j++;
        let buf = '';
        while (j < n && text[j] !== '"') {
          if (text[j] === '\\' && j + 1 < n) j++;
          buf += text[j];
          j++;
        }
        arg = buf;
        while (j < n && text[j] !== ',') j++;
      } else {
        const start = j;
        while (j < n && text[j] !== ',') j++;
        arg = text.slice(start, j).trim();
      }
    }
    // The first occurrence wins; duplicates are a sender error (§4.2.1 says treat as invalid).
    if (name.length > 0 && !out.has(name)) out.set(name, arg);
    i = j + 1;
  }
  return out;
}

/** A delta-seconds argument, or undefined when absent or malformed. */
export function deltaSeconds(directives: Directives, name: string): number | undefined {
  const raw = directives.get(name);
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  const v = Number(raw);
  return Number.isSafeInteger(v) ? v : 2147483648;
}
