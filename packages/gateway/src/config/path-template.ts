/**
 * The `{param}` syntax shared by pattern routes (`match.path`) and `rewrite` templates. A
 * parameter is a whole path segment; everything else is literal.
 */
export interface PathTemplate {
  /** Parameter names in order of appearance. */
  readonly params: readonly string[];
  /** The literal segments before the first parameter (`/api/customers` for `/api/customers/{id}`). */
  readonly literalPrefix: string;
}

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parsePathTemplate(path: string): { ok: true; template: PathTemplate } | { ok: false; message: string } {
  if (!path.startsWith('/')) return { ok: false, message: 'must start with "/"' };
  if (/[?#]/.test(path)) return { ok: false, message: 'must not contain a query or fragment' };
  const segments = path.slice(1).split('/');
  const params: string[] = [];
  const literals: string[] = [];
  for (const [index, segment] of segments.entries()) {
    // An empty last segment is a trailing slash, which is allowed; an empty inner one is "//".
    if (segment === '' && index < segments.length - 1) return { ok: false, message: 'must not contain an empty segment ("//")' };
    if (segment === '.' || segment === '..') return { ok: false, message: `must not contain a "${segment}" segment` };
    if (segment.startsWith('{') && segment.endsWith('}')) {
      const name = segment.slice(1, -1);
      if (!PARAM_NAME.test(name)) return { ok: false, message: `invalid parameter "${segment}": use {name} with letters, digits and "_"` };
      if (params.includes(name)) return { ok: false, message: `parameter {${name}} appears twice` };
      params.push(name);
    } else if (segment.includes('{') || segment.includes('}')) {
      return { ok: false, message: `invalid segment "${segment}": a parameter must be a whole segment, like {id}` };
    } else if (params.length === 0 && segment !== '') {
      literals.push(segment);
    }
  }
  return { ok: true, template: { params, literalPrefix: `/${literals.join('/')}` } };
}

/** True when `prefix` covers whole leading segments of `path` (`/api` is a prefix of `/api/x`, not of `/apix`). */
export function isSegmentPrefix(prefix: string, path: string): boolean {
  const p = prefix.length > 1 && prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (p === '/') return true;
  return path === p || path.startsWith(`${p}/`);
}
