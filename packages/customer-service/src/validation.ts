import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import type { FastifySchemaCompiler } from 'fastify';

/** Bounds the size of a 400 answer; a hostile body cannot make the details list huge. */
const MAX_DETAILS = 50;

/** A schema violation: JSON Pointer of the offending value and what is wrong with it. */
export interface SchemaViolation {
  path: string;
  message: string;
}

/**
 * A union reports one opaque "Expected union value" error. When exactly the branches that got
 * past the type check explain the failure deeper down (an address object with a bad country),
 * those deeper errors are what a client needs, so they replace the union error.
 */
function flatten(error: ValueError, out: SchemaViolation[]): void {
  if (error.type === ValueErrorType.Union) {
    const deeper = error.errors
      .map((branch) => [...branch])
      .filter((branch) => branch.length > 0 && branch.every((e) => e.path.startsWith(`${error.path}/`)));
    if (deeper.length === 1) {
      for (const nested of deeper[0]!) flatten(nested, out);
      return;
    }
  }
  out.push({ path: error.path, message: error.message });
}

export function collectViolations(check: TypeCheck<TSchema>, value: unknown): SchemaViolation[] {
  const out: SchemaViolation[] = [];
  for (const error of check.Errors(value)) {
    flatten(error, out);
    if (out.length >= MAX_DETAILS) break;
  }
  // A missing member also fails its type check; one detail per path is what a client can act on.
  const seen = new Set<string>();
  return out.filter((v) => !seen.has(v.path) && seen.add(v.path)).slice(0, MAX_DETAILS);
}

/**
 * TypeBox's conversion is lenient (`"2.5"` becomes the integer 2). A converted top-level member
 * is kept only when it reads back as exactly the text the client sent; otherwise the original
 * string stays and fails the type check, so `?limit=2.5` is a 400, not a silent 2.
 */
function convertStrictly(schema: TSchema, value: unknown): unknown {
  // Value.Convert may modify its argument in place, so it gets a copy and the original stays for comparison.
  if (typeof value !== 'object' || value === null) return Value.Convert(schema, value);
  const converted = Value.Convert(schema, { ...value });
  if (typeof converted !== 'object' || converted === null) return converted;
  const original = value as Record<string, unknown>;
  const result = { ...(converted as Record<string, unknown>) };
  for (const [key, raw] of Object.entries(original)) {
    if (typeof raw === 'string' && result[key] !== raw && String(result[key]) !== raw) result[key] = raw;
  }
  return result;
}

/**
 * Fastify validator compiler built on TypeBox's compiled checks. Unlike Fastify's default Ajv
 * setup it never coerces the body (`"age": "12"` stays a string and fails), never strips unknown
 * members (additionalProperties false rejects them), and reports every violation, not just the
 * first. Query strings and params are converted (`?limit=5` becomes a number) before checking.
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = TypeCompiler.Compile(schema);
  return (value: unknown): any => {
    const converted = httpPart === 'body' ? value : convertStrictly(schema, value);
    if (check.Check(converted)) return { value: converted };
    return { error: collectViolations(check, converted).map((v) => ({ instancePath: v.path, message: v.message })) };
  };
};
