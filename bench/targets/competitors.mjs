// Loads a package installed for the benchmark only (bench/.competitors, gitignored).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const competitorsDir = fileURLToPath(new URL('../.competitors/', import.meta.url));
export const requireCompetitor = createRequire(`${competitorsDir}node_modules/`);

/** Every competitor proxy gets the same job: /api/<rest> -> UPSTREAM/<rest>, keep-alive upstream. */
export function targetEnv() {
  return { port: Number(process.env.PORT), upstream: process.env.UPSTREAM };
}
