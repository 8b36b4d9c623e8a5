#!/usr/bin/env node
// The `portero` command. It runs the compiled CLI (dist/, from `npm run build`) when present, and
// otherwise the TypeScript sources through tsx, so it also works in a fresh checkout.
// PORTERO_FROM_SOURCE=1 forces the sources (tests use it so a stale dist/ cannot mask a change).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
let cli;
if (existsSync(compiled) && process.env.PORTERO_FROM_SOURCE !== '1') {
  cli = await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
process.exitCode = await cli.runCli(process.argv.slice(2));
