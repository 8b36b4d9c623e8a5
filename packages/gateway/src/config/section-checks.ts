import { Value } from '@sinclair/typebox/value';
import { AuthSchema, validateAuthConfig } from '../auth/config-schema.js';
import { configError, pointerToParts, type ConfigError, type PathPart } from './config-error.js';

type Loose = Record<string, any>;
const isObject = (value: unknown): value is Loose => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Checks that belong to one static section and live next to its schema (they run again where the
 * section is used). Running them here lets `portero validate` report them with the rest. Each
 * runs only when its section passed the schema, since it relies on the section's types.
 */
const SECTION_CHECKS: ReadonlyArray<{ section: string; schema: Parameters<typeof Value.Check>[0]; check: (value: any) => { path: string; message: string }[] }> = [
  { section: 'auth', schema: AuthSchema, check: validateAuthConfig },
];

export function checkSections(config: unknown): ConfigError[] {
  if (!isObject(config)) return [];
  const errors: ConfigError[] = [];
  for (const { section, schema, check } of SECTION_CHECKS) {
    const value = config[section];
    if (value === undefined || !Value.Check(schema, value)) continue;
    for (const issue of check(value)) {
      // Section checks report JSON pointers relative to the section (`/issuers/main/jwksUri`).
      const parts: PathPart[] = issue.path.startsWith('/') ? [section, ...pointerToParts(issue.path, value)] : [section];
      errors.push(configError('CONFIG_SECTION', parts, issue.message));
    }
  }
  errors.push(...checkIssuerReferences(config));
  return errors;
}

/** A route's `jwtAuth.issuers` names entries of the static `auth.issuers`. */
function checkIssuerReferences(config: Loose): ConfigError[] {
  const errors: ConfigError[] = [];
  const known = isObject(config.auth?.issuers) ? config.auth.issuers : {};
  if (!Array.isArray(config.routes)) return errors;
  config.routes.forEach((route: unknown, r: number) => {
    if (!isObject(route) || !Array.isArray(route.filters)) return;
    route.filters.forEach((entry: unknown, f: number) => {
      const issuers = isObject(entry) && isObject(entry.jwtAuth) ? entry.jwtAuth.issuers : undefined;
      if (!Array.isArray(issuers)) return;
      issuers.forEach((name: unknown, i: number) => {
        if (typeof name === 'string' && !Object.hasOwn(known, name)) {
          errors.push(configError('CONFIG_UNKNOWN_ISSUER', ['routes', r, 'filters', f, 'jwtAuth', 'issuers', i], `unknown issuer "${name}" (not in auth.issuers)`));
        }
      });
    });
  });
  return errors;
}
