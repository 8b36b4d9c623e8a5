import { loadConfigFile } from '../config/load.js';
import type { CliIo } from './io.js';

/**
 * `portero start --config FILE`: checks the file first, printing problems the way `validate`
 * does (1 when invalid), then hands over to the gateway's entry point (src/main.ts `start`),
 * which listens, logs and handles signals; the process then lives until SIGTERM / SIGINT.
 */
export async function startCommand(file: string, io: CliIo): Promise<number> {
  const loaded = await loadConfigFile(file, io.env);
  if (!loaded.ok) {
    for (const error of loaded.errors) io.stderr(error.path === '' ? `${error.message}\n` : `${error.path}: ${error.message}\n`);
    return 1;
  }
  // Loaded lazily: `validate` must not pay for (or depend on) the whole data plane.
  const { start } = await import('../main.js');
  try {
    await start({ configFile: file, env: { ...io.env } });
  } catch (error) {
    io.stderr(`portero: ${(error as Error).message}\n`);
    return 1;
  }
  return 0;
}
