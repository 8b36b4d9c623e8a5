import { randomFillSync } from 'node:crypto';

/** Client ids are kept only when short and made of characters safe in logs and headers. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's `X-Request-Id` when it is safe to propagate, else a fresh UUID. */
export function resolveRequestId(clientValue: string | string[] | undefined): string {
  if (typeof clientValue === 'string' && SAFE_REQUEST_ID.test(clientValue)) return clientValue;
  return randomRequestId();
}

const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** Random bytes for 256 ids, from the same CSPRNG as crypto.randomUUID, refilled when used up. */
const pool = Buffer.allocUnsafe(16 * 256);
let poolOffset = pool.length;
const text = Buffer.allocUnsafe(36);

/**
 * A random (version 4) UUID, as crypto.randomUUID makes, formatted into a reused buffer: the one
 * string it returns is its only allocation (randomUUID joins some twenty pieces per call, which
 * measured as one of the larger allocations of a proxied request).
 */
export function randomRequestId(): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const o = poolOffset;
  poolOffset += 16;
  pool[o + 6] = (pool[o + 6]! & 0x0f) | 0x40; // version 4
  pool[o + 8] = (pool[o + 8]! & 0x3f) | 0x80; // RFC 9562 variant
  let j = 0;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) text[j++] = 0x2d;
    const byte = pool[o + i]!;
    text[j++] = HEX[byte >> 4]!;
    text[j++] = HEX[byte & 15]!;
  }
  return text.toString('latin1', 0, 36);
}
