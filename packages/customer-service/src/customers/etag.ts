/**
 * Entity tags for customers. The tag is strong and derived from id and version, so it changes
 * exactly when the stored customer changes and every instance computes the same one.
 */
export function createEtag(id: string, version: number): string {
  return `"${id}-v${version}"`;
}

/** Splits an If-Match / If-None-Match value into tags; `*` comes back as the single item `*`. */
function parseTagList(header: string): string[] {
  const tags: string[] = [];
  // Entity tags are quoted and may not contain quotes, so a regex walk is exact; anything that
  // is not a well-formed tag is ignored and therefore never matches.
  for (const match of header.matchAll(/\s*(\*|(?:W\/)?"[^"]*")\s*(?:,|$)/g)) tags.push(match[1]!);
  return tags;
}

/**
 * If-None-Match uses the weak comparison (RFC 9110 13.1.2): `W/` is ignored on both sides.
 * True when the client's copy is current and a 304 is the answer.
 */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const opaque = etag.replace(/^W\//, '');
  return parseTagList(header).some((tag) => tag === '*' || tag.replace(/^W\//, '') === opaque);
}

/**
 * If-Match uses the strong comparison (RFC 9110 13.1.1): a weak tag never matches. True when the
 * precondition holds and the write may go ahead; callers treat an absent header as "no precondition".
 */
export function ifMatchHolds(header: string, etag: string): boolean {
  return parseTagList(header).some((tag) => tag === '*' || (!tag.startsWith('W/') && tag === etag));
}
