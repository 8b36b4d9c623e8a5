/**
 * The registry endpoints' answers. Their codes are listed with every other gateway code in
 * `src/errors.ts`; this module only narrows them and shapes the JSON body.
 */
import { errorCatalog, type GatewayErrorCode } from '../errors.js';

export type RegistryErrorCode = Extract<GatewayErrorCode, `GW_ERR_REGISTRY_${string}`>;

export const registryErrorCatalog: Readonly<Record<RegistryErrorCode, { readonly status: number; readonly message: string }>> = errorCatalog;

export function registryErrorBody(code: RegistryErrorCode, details?: unknown): { error: { code: string; message: string; details?: unknown } } {
  const { message } = errorCatalog[code];
  return { error: details === undefined ? { code, message } : { code, message, details } };
}
