/**
 * Names of the upstream headers that carry the verified identity. The static `identityHeaders`
 * section (owned by the data plane, which strips client-sent copies on every route) names them;
 * these are the defaults when it is absent. Names are lower case, as in `ctx.upstreamHeaders`.
 */
export interface IdentityHeaderNames {
  readonly subject: string;
  readonly clientId: string;
  readonly scopes: string;
}

export const DEFAULT_IDENTITY_HEADERS: IdentityHeaderNames = {
  subject: 'x-auth-subject',
  clientId: 'x-auth-client-id',
  scopes: 'x-auth-scopes',
};

export function resolveIdentityHeaders(gatewayConfig: unknown): IdentityHeaderNames {
  const section = (gatewayConfig as { identityHeaders?: Partial<Record<keyof IdentityHeaderNames, unknown>> } | undefined)?.identityHeaders;
  const pick = (key: keyof IdentityHeaderNames): string => {
    const v = section?.[key];
    return typeof v === 'string' && v.length > 0 ? v.toLowerCase() : DEFAULT_IDENTITY_HEADERS[key];
  };
  return { subject: pick('subject'), clientId: pick('clientId'), scopes: pick('scopes') };
}
