#!/usr/bin/env -S node --max-semi-space-size=32
// The `portero` command. It runs the compiled CLI (dist/, from `npm run build`) when present, and
// otherwise the TypeScript sources through tsx, so it also works in a fresh checkout.
// The first line is also the gateway's Node options: a 32 MB semi-space (V8's young generation;
// Node's default is 16 MB), which keeps the state of hundreds of requests in flight from being
// promoted at every scavenge (README, "One process, many connections"). `npm start`, `npm run
// chaos` and the benchmark read the options from this line (scripts/lib/gateway-command.mjs).
// `node bin/portero.mjs …` ignores the line; put options on that command line to choose others.
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
