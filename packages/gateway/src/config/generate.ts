/**
 * Renders the two documents generated from config/schema.ts and the filter registry: the JSON
 * Schema editors use (`packages/gateway/gateway.schema.json`) and the configuration reference
 * (`docs/configuration-reference.md`). `npm run generate -w @portero/gateway` writes them; a unit
 * test fails when the committed files differ from what this renders.
 */
import { filterDefinitions } from '../filters/registry.js';
import { GatewayConfigSchema } from './schema.js';
import { isDynamicSection } from './sections.js';

export const GENERATE_COMMAND = 'npm run generate -w @portero/gateway';

/** Paths relative to the repository root. */
export const GENERATED_FILES = {
  jsonSchema: 'packages/gateway/gateway.schema.json',
  reference: 'docs/configuration-reference.md',
} as const;

type Json = Record<string, any>;

/** The schema as plain JSON (TypeBox's symbol keys dropped), with the filter union rebuilt from the registry. */
function plainSchema(): Json {
  const schema = JSON.parse(JSON.stringify(GatewayConfigSchema)) as Json;
  const filters = schema.properties.routes.items.properties.filters;
  filters.items = { title: 'filter entry', anyOf: filterDefinitions.map((d) => JSON.parse(JSON.stringify(d.schema)) as Json) };
  return schema;
}

/**
 * TypeBox lists defaulted properties as required, which is true after loading but not of the
 * file an editor checks: there, a property with a default may be left out.
 */
function relaxDefaultedRequired(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(relaxDefaultedRequired);
  if (node === null || typeof node !== 'object') return;
  const schema = node as Json;
  if (Array.isArray(schema.required) && schema.properties !== undefined) {
    schema.required = schema.required.filter((key: string) => schema.properties[key]?.default === undefined);
    if (schema.required.length === 0) delete schema.required;
  }
  Object.values(schema).forEach(relaxDefaultedRequired);
}

const ENV_REFERENCE = { type: 'string', pattern: '\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}', description: 'An environment reference, converted when the config loads.' };

/**
 * `port: ${PORT:-8080}` is valid (the loader converts interpolated values), so where a number,
 * boolean, enumeration or constrained string (`url: ${UPSTREAM}`) is expected, the editor schema
 * also accepts a string holding a reference; the loader checks the expanded value.
 */
function allowEnvReferences(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(allowEnvReferences);
  if (node === null || typeof node !== 'object') return node;
  const schema = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, allowEnvReferences(value)])) as Json;
  const constrainedString = schema.type === 'string' && ['format', 'pattern', 'minLength', 'maxLength'].some((key) => key in schema);
  if (schema.type === 'integer' || schema.type === 'number' || schema.type === 'boolean' || constrainedString) {
    const { description, default: fallback, ...rest } = schema;
    return { ...(description === undefined ? {} : { description }), ...(fallback === undefined ? {} : { default: fallback }), anyOf: [rest, ENV_REFERENCE] };
  }
  // Enumerations (`level: ${LOG_LEVEL:-info}`) likewise.
  if (Array.isArray(schema.anyOf) && schema.anyOf.length > 0 && schema.anyOf.every((option: Json) => option.const !== undefined)) {
    return { ...schema, anyOf: [...schema.anyOf, ENV_REFERENCE] };
  }
  return schema;
}

export function renderJsonSchema(): string {
  const schema = allowEnvReferences(plainSchema()) as Json;
  relaxDefaultedRequired(schema);
  const { $id, title, ...rest } = schema;
  const document = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id,
    title,
    $comment: `Generated from packages/gateway/src/config/schema.ts by \`${GENERATE_COMMAND}\`; do not edit.`,
    description: 'Configuration of the Portero API gateway. Strings may contain ${VAR} and ${VAR:-default} environment references.',
    ...rest,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

interface Row {
  path: string;
  type: string;
  requirement: string;
  description: string;
}

export function renderConfigReference(): string {
  const schema = plainSchema();
  const out: string[] = [
    '# Configuration reference',
    '',
    `<!-- Generated from packages/gateway/src/config/schema.ts and the filter registry by \`${GENERATE_COMMAND}\`; do not edit. -->`,
    '',
    'Portero reads one YAML file (JSON when the name ends in `.json`); `config/local.yaml` is a',
    'commented starting point. Check a file with `portero validate FILE` (in a checkout:',
    '`node packages/gateway/bin/portero.mjs validate FILE`): it prints every problem with its path,',
    'one per line, and exits 1, or prints `ok`.',
    '',
    '- **Environment references.** In any string value, `${VAR}` is replaced by the variable and',
    '  `${VAR:-default}` by the variable or, when it is unset or empty, the default. A missing',
    '  variable without default is an error. `$${` writes a literal `${`. Where a number or',
    '  boolean is expected, a value that came from a reference is converted (`port: ${PORT:-8080}`).',
    '- **Unknown keys are errors**, so a misspelt option never goes unnoticed.',
    '- **Static** sections are read at start; changing them needs a restart. **Dynamic** sections',
    '  (`services`, `routes`) are validated whole and swapped atomically on reload.',
    '- In YAML, quote paths that contain `{param}` inside a flow mapping: `{ path: "/c/{id}" }`.',
    '',
  ];
  const sections = Object.entries(schema.properties as Record<string, Json>);
  for (const [title, dynamic] of [['Static configuration', false], ['Dynamic configuration', true]] as const) {
    out.push(`## ${title}`, '');
    for (const [key, section] of sections.filter(([k]) => isDynamicSection(k) === dynamic)) {
      out.push(`### \`${key}\``, '', section.description ?? '', '');
      out.push(...table(rows(section, key, (schema.required ?? []).includes(key))));
    }
  }
  out.push('## Filters', '', 'Each entry of a route\'s `filters` list is an object with one key naming the filter. They run in list order.', '');
  if (filterDefinitions.length === 0) out.push('No filters are registered yet.', '');
  for (const definition of [...filterDefinitions].sort((a, b) => a.name.localeCompare(b.name))) {
    const own = JSON.parse(JSON.stringify(definition.schema)) as Json;
    const body = (own.properties?.[definition.name] ?? own) as Json;
    out.push(`### \`${definition.name}\``, '', body.description ?? '', '');
    out.push(...table(rows(body, definition.name, true)));
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

function rows(schema: Json, path: string, required: boolean): Row[] {
  const result: Row[] = [{ path, type: typeOf(schema), requirement: requirementOf(schema, required), description: schema.description ?? '' }];
  if (schema.type === 'object' && schema.properties !== undefined) {
    for (const [key, child] of Object.entries(schema.properties as Record<string, Json>)) {
      result.push(...rows(child, `${path}.${key}`, (schema.required ?? []).includes(key)));
    }
  } else if (schema.type === 'object' && schema.patternProperties !== undefined) {
    const child = Object.values(schema.patternProperties as Record<string, Json>)[0] as Json;
    result.push(...rows(child, `${path}.<name>`, true));
  } else if (schema.type === 'array' && schema.items?.type === 'object') {
    // The item's own row would repeat the array's; its fields follow directly.
    result.push(...rows(schema.items, `${path}[]`, true).slice(1));
  }
  return result;
}

function typeOf(schema: Json): string {
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (Array.isArray(schema.anyOf)) {
    if (schema.anyOf.length > 0 && schema.anyOf.every((s: Json) => s.const !== undefined)) return schema.anyOf.map((s: Json) => `\`${JSON.stringify(s.const)}\``).join(' | ');
    if (schema.title !== undefined) return String(schema.title);
    const kinds = [...new Set(schema.anyOf.map((s: Json) => typeOf(s)))];
    return kinds.length === 1 ? `${kinds[0]} (${schema.anyOf.length} forms)` : `one of ${kinds.join(', ')}`;
  }
  const constraints: string[] = [];
  if (schema.minimum !== undefined && schema.maximum !== undefined) constraints.push(`${schema.minimum}–${schema.maximum}`);
  else if (schema.minimum !== undefined) constraints.push(`≥ ${schema.minimum}`);
  else if (schema.maximum !== undefined) constraints.push(`≤ ${schema.maximum}`);
  if (schema.minLength !== undefined) constraints.push(`length ≥ ${schema.minLength}`);
  if (schema.maxLength !== undefined) constraints.push(`length ≤ ${schema.maxLength}`);
  if (schema.format !== undefined) constraints.push(schema.format);
  if (schema.pattern !== undefined) constraints.push(`\`${schema.pattern}\``);
  if (schema.minItems !== undefined) constraints.push(`≥ ${schema.minItems} items`);
  if (schema.uniqueItems === true) constraints.push('unique');
  let base: string;
  if (schema.type === 'array') base = `array of ${typeOf(schema.items ?? {}).replace(/^array/, 'arrays')}`;
  else if (schema.type === 'object' && schema.patternProperties !== undefined) base = 'map of name → object';
  else base = String(schema.type ?? 'any');
  return constraints.length > 0 ? `${base} (${constraints.join(', ')})` : base;
}

function requirementOf(schema: Json, required: boolean): string {
  if (schema.default !== undefined) return `\`${JSON.stringify(schema.default)}\``;
  return required ? '**required**' : 'optional';
}

function table(list: Row[]): string[] {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    '| Field | Type | Default | Description |',
    '| --- | --- | --- | --- |',
    ...list.map((r) => `| \`${r.path}\` | ${cell(r.type)} | ${cell(r.requirement)} | ${cell(r.description)} |`),
    '',
  ];
}
