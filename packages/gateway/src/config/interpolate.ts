import { configError, type ConfigError, type PathPart } from './config-error.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface InterpolationResult {
  value: unknown;
  errors: ConfigError[];
  /** Paths of the strings that contained a reference; only these may be coerced to numbers or booleans later. */
  interpolated: PathPart[][];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Expands `${VAR}` and `${VAR:-default}` in a single string. `$${` is a literal `${`. As in the
 * shell, the default applies when the variable is unset or empty. Returns the expanded text or
 * the problem found.
 */
export function interpolateString(
  text: string,
  env: Env,
): { ok: true; text: string; changed: boolean } | { ok: false; code: 'CONFIG_ENV_MISSING' | 'CONFIG_ENV_SYNTAX'; message: string } {
  if (!text.includes('${')) return { ok: true, text, changed: false };
  let out = '';
  let i = 0;
  let changed = false;
  while (i < text.length) {
    const start = text.indexOf('$', i);
    if (start === -1) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, start);
    if (text.startsWith('$${', start)) {
      out += '${';
      i = start + 3;
      changed = true;
      continue;
    }
    if (!text.startsWith('${', start)) {
      out += '$';
      i = start + 1;
      continue;
    }
    const end = text.indexOf('}', start + 2);
    if (end === -1) return { ok: false, code: 'CONFIG_ENV_SYNTAX', message: `unterminated "\${" at offset ${start}` };
    const body = text.slice(start + 2, end);
    const sep = body.indexOf(':-');
    const name = sep === -1 ? body : body.slice(0, sep);
    if (!NAME.test(name)) {
      return { ok: false, code: 'CONFIG_ENV_SYNTAX', message: `invalid reference "\${${body}}": use \${NAME} or \${NAME:-default} (write $\${ for a literal \${)` };
    }
    const value = env[name];
    if (value !== undefined && value !== '') out += value;
    else if (sep !== -1) out += body.slice(sep + 2);
    else return { ok: false, code: 'CONFIG_ENV_MISSING', message: `environment variable ${name} is not set and has no default (\${${name}:-default})` };
    changed = true;
    i = end + 1;
  }
  return { ok: true, text: out, changed };
}

/**
 * Expands references in every string scalar of a parsed document (keys are left alone), so
 * values coming from the environment are never parsed as YAML themselves. Reports every bad
 * reference with its path, and refuses `__proto__` keys.
 */
export function interpolateEnv(value: unknown, env: Env): InterpolationResult {
  const errors: ConfigError[] = [];
  const interpolated: PathPart[][] = [];
  const visit = (node: unknown, path: PathPart[]): unknown => {
    if (typeof node === 'string') {
      const result = interpolateString(node, env);
      if (!result.ok) {
        errors.push(configError(result.code, path, result.message));
        return node;
      }
      if (result.changed) interpolated.push(path);
      return result.text;
    }
    if (Array.isArray(node)) return node.map((item, index) => visit(item, [...path, index]));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      // A `__proto__` key would become a prototype on the first copy by assignment further on.
      for (const [key, item] of Object.entries(node)) {
        if (key === '__proto__') {
          errors.push(configError('CONFIG_UNKNOWN_KEY', [...path, key], 'key "__proto__" is not allowed'));
          continue;
        }
        out[key] = visit(item, [...path, key]);
      }
      return out;
    }
    return node;
  };
  return { value: visit(value, []), errors, interpolated };
}
