import type { CliIo } from './io.js';

/**
 * `portero start --config FILE`: hands over to the gateway's entry point (src/main.ts), which
 * loads the file, starts the listeners and handles signals. The specifier is computed so this
 * file compiles before that module exists; a missing entry point is reported, not thrown.
 */
export async function startCommand(file: string, io: CliIo): Promise<number> {
  const entry = '../main.js';
  let main: { start?: (options: { configFile: string }) => Promise<unknown> };
  try {
    main = (await import(entry)) as typeof main;
  } catch (error) {
    io.stderr(`portero: cannot load the gateway entry point: ${(error as Error).message}\n`);
    return 1;
  }
  if (typeof main.start !== 'function') {
    io.stderr('portero: the gateway entry point does not export start()\n');
    return 1;
  }
  await main.start({ configFile: file });
  return 0;
}
