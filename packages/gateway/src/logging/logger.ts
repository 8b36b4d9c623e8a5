/**
 * The gateway's pino logger: JSON lines on standard output through an asynchronous SonicBoom
 * destination (a write per line would cost a syscall on the hot path). Credentials never reach
 * the log: Authorization, Proxy-Authorization and cookies are redacted wherever headers are logged.
 */
import pino, { type Logger } from 'pino';

export const REDACTED_PATHS = [
  'headers.authorization',
  'headers["proxy-authorization"]',
  'headers.cookie',
  'headers["set-cookie"]',
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

export interface LoggerOptions {
  level: string;
  /** Where lines go; defaults to standard output (fd 1) asynchronously. */
  destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? pino.destination({ dest: 1, sync: false });
  return pino(
    {
      level: options.level,
      base: undefined,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}

/** Flushes buffered lines; used before the process exits. */
export function flushLogger(logger: Logger): void {
  try {
    logger.flush();
  } catch {
    // A destination that is not ready yet (or already closed) has nothing to flush.
  }
}
