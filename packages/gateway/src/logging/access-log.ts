/**
 * The access log: one JSON line per request, in the same shape pino gives every other line
 * (`level`, `time`, `route`, `msg: "request"`, then the request's fields), written to the same
 * destination as the gateway's logger so lines never interleave and flush together.
 *
 * It is its own writer rather than `logger.info(...)` because it runs once per request with a fixed
 * set of fields: the line is assembled from a per-route prefix made once, with `JSON.stringify`
 * only on the strings a client influences (request id, path, method) and no generic serialisation
 * of an object per request, and the lines of one event-loop turn are handed over as one string
 * (one write per turn). Most of what logging cost per request was the write itself: asynchronous
 * writes go through libuv's thread pool, hence `logging.syncWrites` (see logger.ts).
 * Nothing here can carry credentials: no headers and no query string are logged.
 */
import pino, { type Logger } from 'pino';

export interface AccessLogRecord {
  readonly routeId: string;
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
  readonly upstream: string | undefined;
  readonly bytes: number;
}

export interface AccessLog {
  write(record: AccessLogRecord): void;
  /** Hands the lines held for this event-loop turn to the destination now. */
  flush(): void;
}

interface LineSink {
  write(line: string): unknown;
}

/** Lines held before they are handed over even within one event-loop turn. */
const MAX_PENDING_CHARS = 16 * 1024;

/** pino's info level number; access lines are written only when `info` is enabled. */
const INFO = 30;

/** The access log sharing `logger`'s destination, or null when the logger drops `info` lines. */
export function createAccessLog(logger: Logger): AccessLog | null {
  if (!logger.isLevelEnabled('info')) return null;
  const sink = (logger as unknown as Record<symbol, LineSink>)[pino.symbols.streamSym];
  if (sink === undefined || typeof sink.write !== 'function') throw new Error('the logger has no destination stream');
  // `,"route":"<id>","msg":"request","reqId":` per route id, made once.
  const prefixes = new Map<string, string>();
  const prefixFor = (routeId: string): string => {
    let prefix = prefixes.get(routeId);
    if (prefix === undefined) {
      // Route ids come from config; a reload may bring new ones. Keep the map small regardless.
      if (prefixes.size >= 4096) prefixes.clear();
      prefix = `,"route":${JSON.stringify(routeId)},"msg":"request","reqId":`;
      prefixes.set(routeId, prefix);
    }
    return prefix;
  };
  // Lines of one event-loop turn go to the destination as one string, after the turn.
  let pending = '';
  const flush = (): void => {
    const lines = pending;
    pending = '';
    if (lines !== '') sink.write(lines);
  };
  return {
    write(r) {
      const upstream = r.upstream === undefined ? '' : `,"upstream":${JSON.stringify(r.upstream)}`;
      if (pending === '') setImmediate(flush);
      pending +=
        `{"level":${INFO},"time":${Date.now()}${prefixFor(r.routeId)}${JSON.stringify(r.requestId)},"method":${JSON.stringify(r.method)},"path":${JSON.stringify(r.path)},"status":${r.status},"durationMs":${r.durationMs}${upstream},"bytes":${r.bytes}}\n`;
      if (pending.length >= MAX_PENDING_CHARS) flush();
    },
    flush,
  };
}
