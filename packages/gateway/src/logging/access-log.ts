/**
 * The access log: one JSON line per request, in the same shape pino gives every other line
 * (`level`, `time`, `route`, `msg: "request"`, then the request's fields), written to the same
 * destination as the gateway's logger so lines never interleave and flush together.
 *
 * It is its own writer rather than `logger.info(...)` because it runs once per request with a fixed
 * set of fields: the line is copied piece by piece into one reused buffer (a per-route prefix made
 * once, the client's strings as they are when they need no escaping, `JSON.stringify` only when
 * they do), with no record object, no generic serialisation and no intermediate strings per
 * request, and the lines of one event-loop turn are handed over as one string (one write per
 * turn). Most of what logging cost per request was the write itself: asynchronous
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

/** Bytes of lines held before they are handed over even within one event-loop turn. */
const MAX_PENDING_BYTES = 16 * 1024;

/** pino's info level number; access lines are written only when `info` is enabled. */
const INFO = 30;

/** Strings written between quotes as they are: printable ASCII without `"` and `\`. */
const JSON_SAFE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * The lines of one event-loop turn, assembled in one reused buffer: constant parts and strings
 * that need no escaping are copied in, so a line costs no intermediate strings; the buffer
 * becomes one string when the turn's lines are handed over.
 */
class LineBuffer {
  private buf = Buffer.allocUnsafe(MAX_PENDING_BYTES * 2);
  length = 0;

  /** Makes room for `bytes` more (a line can be as long as the longest path a client sends). */
  reserve(bytes: number): void {
    if (this.length + bytes <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + bytes));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }

  /** ASCII text as it is. */
  raw(text: string): void {
    this.length += this.buf.write(text, this.length, 'latin1');
  }

  utf8(text: string): void {
    this.length += this.buf.write(text, this.length, 'utf8');
  }

  /** `value` as a JSON string. */
  quoted(value: string): void {
    if (JSON_SAFE.test(value)) {
      this.buf[this.length++] = 0x22;
      this.length += this.buf.write(value, this.length, 'latin1');
      this.buf[this.length++] = 0x22;
    } else {
      this.length += this.buf.write(JSON.stringify(value), this.length, 'utf8');
    }
  }

  take(): string {
    const text = this.buf.toString('utf8', 0, this.length);
    this.length = 0;
    // A buffer grown for one huge line is not kept.
    if (this.buf.length > MAX_PENDING_BYTES * 2) this.buf = Buffer.allocUnsafe(MAX_PENDING_BYTES * 2);
    return text;
  }
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
  const lines = new LineBuffer();
  // The time field of the lines written within one millisecond, made once.
  let lastNow = 0;
  let timeField = '';
  const flush = (): void => {
    if (lines.length > 0) sink.write(lines.take());
  };
  return {
    write(routeId, requestId, method, path, status, durationMs, upstream, bytes) {
      const prefix = prefixFor(routeId);
      // Worst case: every character of a client string escaped as \uXXXX.
      lines.reserve(192 + prefix.length * 3 + (requestId.length + method.length + path.length + (upstream?.length ?? 0)) * 6);
      if (lines.length === 0) setImmediate(flush);
      const now = Date.now();
      if (now !== lastNow) {
        lastNow = now;
        timeField = `{"level":${INFO},"time":${now}`;
      }
      lines.raw(timeField);
      lines.utf8(prefix);
      lines.quoted(requestId);
      lines.raw(',"method":');
      lines.quoted(method);
      lines.raw(',"path":');
      lines.quoted(path);
      lines.raw(`,"status":${status},"durationMs":${durationMs}`);
      if (upstream !== undefined) {
        lines.raw(',"upstream":');
        lines.quoted(upstream);
      }
      lines.raw(`,"bytes":${bytes}}\n`);
      if (lines.length >= MAX_PENDING_BYTES) flush();
    },
    flush,
  };
}
