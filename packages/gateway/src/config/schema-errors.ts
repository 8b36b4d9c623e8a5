import { Kind, type TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { configError, pointerToParts, type ConfigError, type PathPart } from './config-error.js';
import './formats.js';

/**
 * Validates `value` against `schema` and turns TypeBox's errors into ConfigErrors whose paths
 * start at `base`. `skip` drops errors under pointers another check reports better (filter
 * entries). When a property is missing, only "required" is reported for it, not also its type.
 */
export function schemaErrors(
  schema: TSchema,
  value: unknown,
  base: readonly PathPart[] = [],
  skip: (pointer: string) => boolean = () => false,
): ConfigError[] {
  const errors: ConfigError[] = [];
  const missing = new Set<string>();
  const seen = new Set<string>();
  for (const error of Value.Errors(schema, value)) {
    if (skip(error.path)) continue;
    if (error.type === ValueErrorType.ObjectRequiredProperty) missing.add(error.path);
    else if (missing.has(error.path)) continue;
    const parts = [...base, ...pointerToParts(error.path, value)];
    const mapped = mapError(error, parts);
    const key = `${mapped.path}\u0000${mapped.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    errors.push(mapped);
  }
  return errors;
}

function mapError(error: ValueError, parts: PathPart[]): ConfigError {
  const schema = error.schema as TSchema & Record<string, unknown>;
  switch (error.type) {
    case ValueErrorType.ObjectAdditionalProperties: {
      const key = String(parts[parts.length - 1]);
      if (schema[Kind] === 'Record') {
        const pattern = Object.keys((schema.patternProperties as object | undefined) ?? {})[0] ?? '';
        return configError('CONFIG_SCHEMA', parts, `invalid name "${key}": must match ${pattern}`);
      }
      const known = Object.keys((schema.properties as object | undefined) ?? {});
      return configError('CONFIG_UNKNOWN_KEY', parts, `unknown key "${key}"${known.length > 0 ? ` (known keys: ${known.join(', ')})` : ''}`);
    }
    case ValueErrorType.ObjectRequiredProperty:
      return configError('CONFIG_SCHEMA', parts, 'is required');
    case ValueErrorType.Union: {
      const options = ((schema.anyOf as TSchema[] | undefined) ?? []).map((s) => s.const);
      if (options.length > 0 && options.every((o) => o !== undefined)) {
        return configError('CONFIG_SCHEMA', parts, `must be one of ${options.map((o) => JSON.stringify(o)).join(', ')}; got ${JSON.stringify(error.value)}`);
      }
      return configError('CONFIG_SCHEMA', parts, error.message);
    }
    case ValueErrorType.StringPattern:
      return configError('CONFIG_SCHEMA', parts, `must match ${String(schema.pattern)}; got ${JSON.stringify(error.value)}`);
    default:
      return configError('CONFIG_SCHEMA', parts, lowerFirst(error.message));
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
