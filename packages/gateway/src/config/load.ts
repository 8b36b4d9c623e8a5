import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { parseDocument } from 'yaml';
import { configError, type ConfigError, type ConfigResult, type PathPart } from './config-error.js';
import { interpolateEnv, type Env } from './interpolate.js';
import { GatewayConfigSchema, type GatewayConfig } from './schema.js';
import { validateConfig } from './validate.js';

export type { ConfigError, ConfigErrorCode, ConfigResult } from './config-error.js';
export type { Env } from './interpolate.js';

export type ConfigFormat = 'yaml' | 'json';

export interface ParseOptions {
  /** Variables for `${VAR}` references; defaults to `process.env`. */
  env?: Env;
  /** Defaults to YAML (a superset of JSON). */
  format?: ConfigFormat;
}

/**
 * Parses, interpolates and validates a configuration text. Never throws for a bad config: every
 * problem comes back as a ConfigError with its path.
 */
export function parseConfig(text: string, options: ParseOptions = {}): ConfigResult<GatewayConfig> {
  const parsed = parseText(text, options.format ?? 'yaml');
  if (!parsed.ok) return parsed;
  const { value, errors, interpolated } = interpolateEnv(parsed.value, options.env ?? process.env);
  if (errors.length > 0) return { ok: false, errors };
  return validateConfig(coerceInterpolated(value, interpolated));
}

/** Reads `file` (YAML, or JSON when it ends in `.json`) and parses it with `parseConfig`. */
export async function loadConfigFile(file: string, env: Env = process.env): Promise<ConfigResult<GatewayConfig>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return { ok: false, errors: [configError('CONFIG_FILE_UNREADABLE', [], `cannot read ${file}: ${reason}`)] };
  }
  return parseConfig(text, { env, format: formatOf(file) });
}

export function formatOf(file: string): ConfigFormat {
  return extname(file).toLowerCase() === '.json' ? 'json' : 'yaml';
}

function parseText(text: string, format: ConfigFormat): { ok: true; value: unknown } | { ok: false; errors: ConfigError[] } {
  if (format === 'json') {
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch (error) {
      return { ok: false, errors: [configError('CONFIG_SYNTAX', [], `invalid JSON: ${(error as Error).message}`)] };
    }
  }
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  // Only the first syntax error: the ones after it are mostly the parser losing its footing.
  const first = document.errors[0];
  if (first !== undefined) {
    const position = first.linePos?.[0];
    const where = position === undefined ? '' : ` at line ${position.line}, column ${position.col}`;
    const reason = first.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? first.code;
    return { ok: false, errors: [configError('CONFIG_SYNTAX', [], `invalid YAML${where}: ${reason}`)] };
  }
  // An empty document is an all-defaults configuration; aliases are capped against "billion laughs".
  return { ok: true, value: document.toJS({ maxAliasCount: 100 }) ?? {} };
}

/**
 * A value written as `port: ${PORT:-8080}` is a string after interpolation. Where the schema
 * wants a number or boolean there, convert it, but only for strings that came from the
 * environment: a literal `port: "8080"` in the file stays an error.
 */
function coerceInterpolated(value: unknown, paths: readonly PathPart[][]): unknown {
  if (paths.length === 0 || value === null || typeof value !== 'object') return value;
  const converted = Value.Convert(GatewayConfigSchema, structuredClone(value));
  for (const path of paths) {
    if (path.length === 0) continue;
    const target = walk(value, path.slice(0, -1));
    const source = walk(converted, path.slice(0, -1));
    const key = path[path.length - 1] as PathPart;
    if (target !== undefined && source !== undefined) target[key] = source[key];
  }
  return value;
}

function walk(root: unknown, path: readonly PathPart[]): Record<PathPart, unknown> | undefined {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PathPart, unknown>)[key];
  }
  return node !== null && typeof node === 'object' ? (node as Record<PathPart, unknown>) : undefined;
}
