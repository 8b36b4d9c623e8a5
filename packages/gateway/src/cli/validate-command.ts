import { loadConfigFile } from '../config/load.js';
import type { CliIo } from './io.js';

/**
 * `portero validate FILE`: prints every problem as `path: message`, one per line, and returns 1;
 * problems with the file as a whole (unreadable, not YAML) have no path and print the message.
 * prints `ok` and returns 0 when the file is valid. Reads only; changes nothing.
 */
export async function validateCommand(file: string, io: CliIo): Promise<number> {
  const result = await loadConfigFile(file, io.env);
  if (result.ok) {
    io.stdout('ok\n');
    return 0;
  }
  // Problems are the command's output (like tsc and eslint), so they go to stdout.
  for (const error of result.errors) io.stdout(error.path === '' ? `${error.message}\n` : `${error.path}: ${error.message}\n`);
  return 1;
}
