/**
 * Binary form of a cache record for remote stores: a 4-byte big-endian length, the record's
 * metadata and headers as JSON, then the body bytes as they are. The body is never base64'd or
 * copied into JSON, and a decoded body is a view into the buffer Redis returned.
 */
import type { CacheRecord } from './store.js';

export function encodeRecord(record: CacheRecord): Buffer {
  if (record.kind === 'vary') {
    const meta = Buffer.from(JSON.stringify(record));
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32BE(meta.length, 0);
    return Buffer.concat([head, meta]);
  }
  const { body, ...rest } = record;
  const meta = Buffer.from(JSON.stringify(rest));
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(meta.length, 0);
  return Buffer.concat([head, meta, body], 4 + meta.length + body.length);
}

/** Decodes a record; undefined when the bytes are not a record (foreign or corrupted value). */
export function decodeRecord(data: Buffer): CacheRecord | undefined {
  if (data.length < 4) return undefined;
  const metaLength = data.readUInt32BE(0);
  if (4 + metaLength > data.length) return undefined;
  try {
    const meta = JSON.parse(data.subarray(4, 4 + metaLength).toString('utf8')) as { kind?: unknown };
    if (meta.kind === 'vary') return meta as CacheRecord;
    if (meta.kind !== 'response') return undefined;
    return { ...(meta as object), body: data.subarray(4 + metaLength) } as CacheRecord;
  } catch {
    return undefined;
  }
}
