import { randomUUID } from 'node:crypto';

/** Client ids are kept only when short and made of characters safe in logs and headers. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's `X-Request-Id` when it is safe to propagate, else a fresh UUID. */
export function resolveRequestId(clientValue: string | string[] | undefined): string {
  if (typeof clientValue === 'string' && SAFE_REQUEST_ID.test(clientValue)) return clientValue;
  return randomUUID();
}
