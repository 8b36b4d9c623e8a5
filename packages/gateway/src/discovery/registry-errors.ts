/**
 * Error codes of the registry endpoints on the admin listener, in the shape of `src/errors.ts`
 * (which the integrator may merge these into). Tests assert on the codes.
 */
export const registryErrorCatalog = {
  GW_ERR_REGISTRY_BAD_REQUEST: { status: 400, message: 'The registration request is invalid.' },
  GW_ERR_REGISTRY_UNAUTHORIZED: { status: 401, message: 'A valid registration bearer token is required.' },
  GW_ERR_REGISTRY_INSTANCE_NOT_FOUND: { status: 404, message: 'No such instance is registered (its lease may have expired): register again.' },
  GW_ERR_REGISTRY_FULL: { status: 409, message: 'The registry holds as many instances or services as it may.' },
  GW_ERR_REGISTRY_DISABLED: { status: 503, message: 'The registry is disabled: no registration token is configured.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type RegistryErrorCode = keyof typeof registryErrorCatalog;

export function registryErrorBody(code: RegistryErrorCode, details?: unknown): { error: { code: string; message: string; details?: unknown } } {
  const { message } = registryErrorCatalog[code];
  return { error: details === undefined ? { code, message } : { code, message, details } };
}
