import { Value } from '@sinclair/typebox/value';
import type { ConfigError, ConfigResult } from './config-error.js';
import { checkRouteFilters } from './filter-checks.js';
import { GatewayConfigSchema, type GatewayConfig } from './schema.js';
import { schemaErrors } from './schema-errors.js';
import { checkSections } from './section-checks.js';
import { checkSemantics } from './semantic-checks.js';

// Filter entries are checked one by one against the registry (filter-checks.ts), which names the
// filter in its errors; the schema's union would only say that no alternative matched.
const FILTER_ENTRY = /^\/routes\/\d+\/filters\/\d+(\/|$)/;

/**
 * Validates a parsed (and interpolated) configuration: applies defaults to a copy, checks it
 * against the schema (unknown keys are errors), checks each route's filters against their
 * definitions, then runs the semantic checks. Reports every problem found, not just the first.
 * The input is never modified.
 */
export function validateConfig(input: unknown): ConfigResult<GatewayConfig> {
  const config = Value.Default(GatewayConfigSchema, structuredClone(input ?? {})) as unknown;
  const errors: ConfigError[] = schemaErrors(GatewayConfigSchema, config, [], (pointer) => FILTER_ENTRY.test(pointer));
  const routes = (config as { routes?: unknown } | null)?.routes;
  if (Array.isArray(routes)) {
    routes.forEach((route: unknown, index) => {
      if (route !== null && typeof route === 'object') {
        errors.push(...checkRouteFilters((route as { filters?: unknown }).filters, ['routes', index, 'filters']));
      }
    });
  }
  errors.push(...checkSemantics(config), ...checkSections(config));
  return errors.length === 0 ? { ok: true, config: config as GatewayConfig } : { ok: false, errors };
}
