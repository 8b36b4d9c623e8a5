import { Value } from '@sinclair/typebox/value';
import { filterDefinitions, type FilterDefinition } from '../filters/registry.js';
import { configError, formatPath, type ConfigError, type PathPart } from './config-error.js';
import { schemaErrors } from './schema-errors.js';

/**
 * Checks one route's `filters` list entry by entry: each entry is `{ <filterName>: config }`
 * with exactly one known key; its config gets the definition's defaults (in place), then its
 * schema and `validate` hook are checked. Reading the registry at call time, rather than the
 * union baked into the schema, gives errors that name the filter instead of "no union matched".
 */
export function checkRouteFilters(filters: unknown, base: readonly PathPart[]): ConfigError[] {
  if (!Array.isArray(filters)) return [];
  const errors: ConfigError[] = [];
  filters.forEach((entry, index) => {
    const at = [...base, index];
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry) || Object.keys(entry).length !== 1) {
      errors.push(configError('CONFIG_FILTER_SHAPE', at, 'must be an object with exactly one key naming the filter, like { jwtAuth: {...} }'));
      return;
    }
    const name = Object.keys(entry)[0] as string;
    const definition = findDefinition(name);
    if (definition === undefined) {
      const known = filterDefinitions.map((d) => d.name);
      errors.push(configError('CONFIG_UNKNOWN_FILTER', [...at, name], `unknown filter "${name}"${known.length > 0 ? ` (known filters: ${known.join(', ')})` : ' (no filters are registered)'}`));
      return;
    }
    filters[index] = Value.Default(definition.schema, entry);
    const entryErrors = schemaErrors(definition.schema, filters[index], at);
    errors.push(...entryErrors);
    if (entryErrors.length > 0 || definition.validate === undefined) return;
    const issues = definition.validate((filters[index] as Record<string, unknown>)[name], filters as Record<string, unknown>[], index);
    for (const issue of issues) {
      const own = formatPath([...at, name]);
      const path = issue.path === '' ? own : issue.path.startsWith('[') ? `${own}${issue.path}` : `${own}.${issue.path}`;
      errors.push({ code: 'CONFIG_FILTER', path, message: issue.message });
    }
  });
  return errors;
}

function findDefinition(name: string): FilterDefinition | undefined {
  return filterDefinitions.find((d) => d.name === name);
}
