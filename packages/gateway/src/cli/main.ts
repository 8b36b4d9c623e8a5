/**
 * The `portero` command. bin/portero.mjs loads this module (compiled from dist, or from source
 * through tsx) and calls `runCli` with the arguments after the command name.
 */
import { parseArgs } from 'node:util';
import { processIo, type CliIo } from './io.js';
import { validateCommand } from './validate-command.js';

export const USAGE = `Usage:
  portero validate FILE          Check a config file; prints every problem with its path, or "ok".
  portero start --config FILE    Start the gateway with FILE.
  portero help                   Show this help.

Exit codes: 0 success, 1 invalid config or failure, 2 usage error.
`;

/** Runs one command and returns its exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'validate': {
      const parsed = parse(rest, {}, io);
      if (parsed === undefined) return 2;
      if (parsed.positionals.length !== 1) return usageError('validate takes exactly one FILE', io);
      return validateCommand(parsed.positionals[0] as string, io);
    }
    case 'start': {
      const parsed = parse(rest, { config: { type: 'string', short: 'c' } }, io);
      if (parsed === undefined) return 2;
      const file = parsed.values.config;
      if (typeof file !== 'string' || parsed.positionals.length > 0) return usageError('start needs --config FILE', io);
      const { startCommand } = await import('./start-command.js');
      return startCommand(file, io);
    }
    case 'help':
    case '--help':
    case '-h':
      io.stdout(USAGE);
      return 0;
    case undefined:
      return usageError('missing command', io);
    default:
      return usageError(`unknown command "${command}"`, io);
  }
}

type Options = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;

function parse<O extends Options>(args: readonly string[], options: O, io: CliIo) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true } as const);
  } catch (error) {
    usageError((error as Error).message, io);
    return undefined;
  }
}

function usageError(message: string, io: CliIo): number {
  io.stderr(`portero: ${message}\n\n${USAGE}`);
  return 2;
}
