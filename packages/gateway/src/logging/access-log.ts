/**
 * The access log: one JSON line per request, in the same shape pino gives every other line
 * (`level`, `time`, `route`, `msg: "request"`, then the request's fields), written to the same
 * destination as the gateway's logger so lines never interleave and flush together.
 *
 * It is its own writer rather than `logger.info(...)` because it runs once per request with a fixed
 * set of fields: one template string per line from a per-route prefix made once, the client's
 * strings as they are when they need no escaping (`JSON.stringify` only when they do), no record
 * object and no generic serialisation, and the lines of one event-loop turn are handed over as one
 * string (one write per turn). Most of what logging cost per request was the write itself: asynchronous
 * writes go through libuv's thread pool, hence `logging.syncWrites` (see logger.ts).
 * Nothing here can carry credentials: no headers and no query string are logged.
 */
import pino, { type Logger } from 'pino';

/** The fields of one access line, in the order `AccessLog.write` takes them. */
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
  /** One line; positional rather than a record object, since it runs once per request. */
  write(routeId: string, requestId: string, method: string, path: string, status: number, durationMs: number, upstream: string | undefined, bytes: number): void;
  /** Hands the lines held for this event-loop turn to the destination now. */
  flush(): void;
}

interface LineSink {
  write(line: string): unknown;
}

/** Characters of lines held before they are handed over even within one event-loop turn. */
const MAX_PENDING_CHARS = 16 * 1024;

/** pino's info level number; access lines are written only when `info` is enabled. */
const INFO = 30;

/** Strings written between quotes as they are: printable ASCII without `"` and `\`. */
const JSON_SAFE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** `value` as a JSON string: quoted as it is when nothing needs escaping, else JSON.stringify. */
function quoted(value: string): string {
  return JSON_SAFE.test(value) ? `"${value}"` : JSON.stringify(value);
}

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
  // The time field of the lines written within one millisecond, made once.
  let lastNow = 0;
  let timeField = '';
  // Lines of one event-loop turn go to the destination as one string, after the turn.
  let pending = '';
  const flush = (): void => {
    const lines = pending;
    pending = '';
    if (lines !== '') sink.write(lines);
  };
  return {
    write(routeId, requestId, method, path, status, durationMs, upstream, bytes) {
      const now = Date.now();
      if (now !== lastNow) {
        lastNow = now;
        timeField = `{"level":${INFO},"time":${now}`;
      }
      if (pending === '') setImmediate(flush);
      // One template per line: V8 joins its parts lazily and flattens the turn's lines once, when
      // they are written; copying pieces into a Buffer instead measured ten times slower.
      pending += `${timeField}${prefixFor(routeId)}${quoted(requestId)},"method":${quoted(method)},"path":${quoted(path)},"status":${status},"durationMs":${durationMs}${upstream === undefined ? '' : `,"upstream":${quoted(upstream)}`},"bytes":${bytes}}\n`;
      if (pending.length >= MAX_PENDING_CHARS) flush();
    },
    flush,
  };
}
