import Provider, { errors, type ClientMetadata, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { AuthServerConfig, ClientConfig } from '../config/types.js';
import { OIDC_SCOPES } from '../config/load-config.js';
import type { KeyView } from '../keys/key-set.js';
import type { StorageAdapterFactory } from '../storage/adapter.js';
import type { AccountStore } from './accounts.js';
import { renderErrorPage } from '../interactions/pages.js';

/** Everything a Provider instance is built from; the server rebuilds it when the keys change. */
export interface ProviderInputs {
  issuer: string;
  config: AuthServerConfig;
  keys: KeyView;
  /** The current signing kid per alg, read per token so a key activation needs no rebuild. */
  signingKid: (alg: string) => string | undefined;
  cookieKeys: string[];
  adapter: StorageAdapterFactory;
  accounts: AccountStore;
}

/** Maps a configured client to oidc-provider client metadata. */
export function toClientMetadata(client: ClientConfig): ClientMetadata {
  const codeFlow = client.grantTypes.includes('authorization_code');
  return {
    client_id: client.clientId,
    ...(client.clientSecret ? { client_secret: client.clientSecret } : {}),
    grant_types: client.grantTypes,
    response_types: codeFlow ? ['code'] : [],
    redirect_uris: client.redirectUris,
    token_endpoint_auth_method: client.clientSecret ? 'client_secret_basic' : 'none',
    scope: client.scopes.join(' '),
  };
}

/** Builds the oidc-provider instance: configuration only, no OAuth logic of our own. */
export function createProvider(inputs: ProviderInputs): Provider {
  const { config, accounts } = inputs;
  const resourceServers = new Map(config.resourceServers.map((rs) => [rs.identifier, rs]));
  const apiScopes = config.resourceServers.flatMap((rs) => rs.scopes);
  const accessTokenTtl = (_ctx: KoaContextWithOIDC, token: { resourceServer?: { accessTokenTTL?: number } }) =>
    token.resourceServer?.accessTokenTTL ?? Math.min(...config.resourceServers.map((rs) => rs.accessTokenTtlSeconds));

  const configuration: Configuration = {
    adapter: inputs.adapter,
    clients: config.clients.map(toClientMetadata),
    jwks: { keys: inputs.keys.published.map((key) => key.jwk) as never },
    cookies: { keys: inputs.cookieKeys },
    findAccount: accounts.findAccount,
    // API scopes are listed too: oidc-provider only checks a client's scope allow-list for the
    // scopes it knows, and that check is what answers invalid_scope to a reader asking to write.
    scopes: [...OIDC_SCOPES, ...apiScopes],
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // Clients need not send `resource`: tokens are for the configured API unless they ask otherwise.
        defaultResource: async (_ctx, _client, oneOf) => oneOf ?? config.defaultResource,
        // Code-flow tokens target the API granted at consent even when `openid` is requested.
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, indicator) => {
          const rs = resourceServers.get(indicator);
          if (!rs) throw new errors.InvalidTarget();
          const kid = inputs.signingKid(rs.signingAlg);
          return {
            scope: rs.scopes.join(' '),
            audience: rs.audience,
            accessTokenFormat: 'jwt',
            accessTokenTTL: rs.accessTokenTtlSeconds,
            jwt: { sign: { alg: rs.signingAlg, ...(kid ? { kid } : {}) } },
          };
        },
      },
    },
    pkce: { required: () => true },
    interactions: { url: async (_ctx, interaction) => `/interaction/${interaction.uid}` },
    extraTokenClaims: async (_ctx, token) => {
      const accountId = (token as { accountId?: string }).accountId;
      const user = accountId ? accounts.get(accountId) : undefined;
      return user ? { roles: user.roles } : undefined;
    },
    // A refresh token for every client allowed the grant, not only for offline_access requests.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      AccessToken: accessTokenTtl,
      ClientCredentials: accessTokenTtl,
      AuthorizationCode: config.ttl.authorizationCodeSeconds,
      IdToken: config.ttl.idTokenSeconds,
      RefreshToken: config.ttl.refreshTokenSeconds,
      Session: config.ttl.sessionSeconds,
      Grant: config.ttl.grantSeconds,
      Interaction: config.ttl.interactionSeconds,
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = renderErrorPage(String(out.error), out.error_description ? String(out.error_description) : undefined);
    },
  };

  const provider = new Provider(inputs.issuer, configuration);
  // Behind a TLS-terminating proxy the issuer is https while this socket is http; trusting
  // X-Forwarded-Proto makes secure cookies and redirects work. Off unless configured.
  provider.proxy = config.trustProxy;
  return provider;
}
