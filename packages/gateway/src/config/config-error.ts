/**
 * A problem found in a configuration file. `path` names the offending value the way a user
 * reads the file (`routes[2].match.path`, `services.customers.endpoints[0].url`); it is empty
 * for problems with the file as a whole (unreadable, not YAML). `code` is stable and meant for
 * programs and tests; `message` is for people.
 */
export interface ConfigError {
  path: string;
  message: string;
  code: ConfigErrorCode;
}

/** Every kind of configuration error. */
export type ConfigErrorCode =
  | 'CONFIG_FILE_UNREADABLE'
  | 'CONFIG_SYNTAX'
  | 'CONFIG_ENV_MISSING'
  | 'CONFIG_ENV_SYNTAX'
  | 'CONFIG_UNKNOWN_KEY'
  | 'CONFIG_SCHEMA'
  | 'CONFIG_UNKNOWN_SERVICE'
  | 'CONFIG_DUPLICATE_ROUTE_ID'
  | 'CONFIG_DUPLICATE_MATCH'
  | 'CONFIG_REWRITE_EXCLUSIVE'
  | 'CONFIG_REWRITE_PARAM'
  | 'CONFIG_PATH_SYNTAX'
  | 'CONFIG_STRIP_PREFIX'
  | 'CONFIG_ENDPOINT_URL'
  | 'CONFIG_SERVICE_RESILIENCE'
  | 'CONFIG_TRUSTED_PROXY'
  | 'CONFIG_ADDRESS_CONFLICT'
  | 'CONFIG_LIMITS'
  | 'CONFIG_FILTER_SHAPE'
  | 'CONFIG_UNKNOWN_FILTER'
  | 'CONFIG_FILTER'
  | 'CONFIG_AUTH';

export type ConfigResult<T> = { ok: true; config: T } | { ok: false; errors: ConfigError[] };

export type PathPart = string | number;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** Renders `['routes', 2, 'service']` as `routes[2].service`. */
export function formatPath(parts: readonly PathPart[]): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (IDENTIFIER.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/**
 * Converts a JSON pointer (`/routes/2/service`) into path parts. Segments made of digits are
 * array indexes when the value at that point is an array; `root` resolves that ambiguity (a
 * service may legitimately be called `"2"`).
 */
export function pointerToParts(pointer: string, root: unknown): PathPart[] {
  if (pointer === '') return [];
  const parts: PathPart[] = [];
  let current: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current) && /^\d+$/.test(key)) {
      parts.push(Number(key));
      current = current[Number(key)];
    } else {
      parts.push(key);
      current = current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined;
    }
  }
  return parts;
}

export function configError(code: ConfigErrorCode, parts: readonly PathPart[], message: string): ConfigError {
  return { code, path: formatPath(parts), message };
}
