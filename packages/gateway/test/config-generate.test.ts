import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { FormatRegistry } from '@sinclair/typebox';
import { GENERATE_COMMAND, GENERATED_FILES, renderConfigReference, renderJsonSchema } from '../src/config/generate.js';
import { GatewayConfigSchema } from '../src/config/schema.js';
import { filterDefinitions } from '../src/filters/registry.js';
import '../src/config/formats.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

for (const [name, render] of [['jsonSchema', renderJsonSchema], ['reference', renderConfigReference]] as const) {
  test(`${GENERATED_FILES[name]} is up to date with config/schema.ts and the filter registry`, async () => {
    const committed = await readFile(root + GENERATED_FILES[name], 'utf8').catch(() => '');
    assert.ok(committed === render(), `${GENERATED_FILES[name]} is stale: run \`${GENERATE_COMMAND}\` and commit the result`);
  });
}

test('the JSON Schema is a draft-07 document editors can use', () => {
  const schema = JSON.parse(renderJsonSchema());
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  assert.equal(typeof schema.title, 'string');
  // Sections with defaults may be left out of a file, so an editor must not demand them.
  assert.equal(schema.required, undefined);
  assert.equal(schema.properties.listener.properties.port.default, 8080);
  // `port: ${PORT:-8080}` must not be flagged by an editor.
  const [integer, reference] = schema.properties.listener.properties.port.anyOf;
  assert.equal(integer.type, 'integer');
  assert.ok(new RegExp(reference.pattern).test('${PORT:-8080}'));
  assert.ok(!new RegExp(reference.pattern).test('8080'));
  assert.ok(schema.properties.routes.items.required.includes('service'));
});

test('the reference lists every top-level field, static before dynamic', () => {
  const reference = renderConfigReference();
  for (const key of Object.keys(GatewayConfigSchema.properties)) assert.ok(reference.includes(`### \`${key}\``), key);
  for (const definition of filterDefinitions) assert.ok(reference.includes(`### \`${definition.name}\``), definition.name);
  assert.ok(reference.indexOf('## Static configuration') < reference.indexOf('### `services`'));
  assert.ok(reference.includes('| `listener.port` | integer (0–65535) | `8080` |'));
});

/** Visits every sub-schema of the config and of the registered filters. */
function* walk(node: unknown): Generator<Record<string, any>> {
  if (Array.isArray(node)) for (const item of node) yield* walk(item);
  else if (node !== null && typeof node === 'object') {
    yield node as Record<string, any>;
    for (const value of Object.values(node)) yield* walk(value);
  }
}
const everySchema = () => [...walk(GatewayConfigSchema), ...filterDefinitions.flatMap((d) => [...walk(d.schema)])];

test('every string format used by a schema is registered (TypeBox rejects unknown formats)', () => {
  const formats = new Set(everySchema().flatMap((s) => (typeof s.format === 'string' ? [s.format] : [])));
  for (const format of formats) assert.ok(FormatRegistry.Has(format), `format "${format}" is not registered in src/config/formats.ts`);
});

test('every record value schema has a default, or Value.Default would not fill its entries', () => {
  for (const schema of everySchema()) {
    if (schema.patternProperties === undefined) continue;
    for (const [pattern, value] of Object.entries(schema.patternProperties as Record<string, any>)) {
      assert.ok(value.type !== 'object' || 'default' in value, `record ${pattern} needs "default: {}" on its value schema`);
    }
  }
});
