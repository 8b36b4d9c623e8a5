/** The position after which the next page starts: the last row's sort key. */
export interface CursorPosition {
  createdAt: string;
  id: string;
}

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Cursors are opaque to clients: base64url of `createdAt|id`, the keyset of the last item. */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(`${position.createdAt}|${position.id}`, 'utf8').toString('base64url');
}

/** Returns the position, or undefined when the cursor was not produced by encodeCursor. */
export function decodeCursor(cursor: string): CursorPosition | undefined {
  if (!BASE64URL.test(cursor)) return undefined;
  const [createdAt, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (rest.length > 0 || createdAt === undefined || id === undefined) return undefined;
  if (!ISO_MS.test(createdAt) || Number.isNaN(Date.parse(createdAt)) || !UUID.test(id)) return undefined;
  return { createdAt, id };
}
