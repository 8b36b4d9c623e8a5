// Writes the files generated from the config schema: `npm run generate -w @portero/gateway`.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { GENERATED_FILES, renderConfigReference, renderJsonSchema } from '../src/config/generate.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
await writeFile(root + GENERATED_FILES.jsonSchema, renderJsonSchema());
await writeFile(root + GENERATED_FILES.reference, renderConfigReference());
console.log(`wrote ${GENERATED_FILES.jsonSchema} and ${GENERATED_FILES.reference}`);
