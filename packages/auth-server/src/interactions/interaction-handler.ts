import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import { AuthError, errorBody, type AuthErrorCode } from '../errors.js';
import type { AuthServerConfig } from '../config/types.js';
import type { AccountStore } from '../provider/accounts.js';
import { readForm } from './read-form.js';
import type { LoginThrottle } from './login-throttle.js';
import { renderConsentPage, renderErrorPage, renderLoginPage } from './pages.js';

const ROUTE = /^\/interaction\/([A-Za-z0-9_-]{1,128})(?:\/(login|confirm|abort))?$/;

export interface InteractionHandlerOptions {
  provider: () => Provider;
  config: AuthServerConfig;
  accounts: AccountStore;
  /** Public origin of the issuer; posted forms must come from it. */
  origin: string;
  logger: Logger;
  /** Failed-login accounting; shared across provider rebuilds. */
  throttle: LoginThrottle;
}

/**
 * The login and consent pages oidc-provider sends people to (`interactions.url`). Returns false
 * for paths that are not ours so the caller hands the request to oidc-provider.
 *
 * CSRF: oidc-provider binds each interaction to a SameSite=Lax cookie carrying its uid, so a form
 * posted from another site arrives without it and `interactionDetails` refuses it; the uid in the
 * URL must also match that cookie, and a cross-origin Origin header is refused outright.
 */
export function createInteractionHandler(options: InteractionHandlerOptions) {
  const { config, accounts, logger } = options;
  const roleScopes = (roles: string[]) => new Set(roles.flatMap((role) => config.roles[role] ?? []));
  const apiScopes = new Set(config.resourceServers.flatMap((rs) => rs.scopes));
  const { throttle } = options;
  const clientAddress = (req: IncomingMessage) => {
    const forwarded = config.trustProxy ? String(req.headers['x-forwarded-for'] ?? '').split(',')[0]?.trim() : '';
    return forwarded || req.socket.remoteAddress || 'unknown';
  };

  const send = (res: ServerResponse, status: number, html: string) => {
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-frame-options': 'DENY',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    });
    res.end(html);
  };
  const fail = (req: IncomingMessage, res: ServerResponse, err: AuthError) => {
    if (String(req.headers.accept ?? '').includes('text/html')) {
      send(res, err.status, renderErrorPage(err.code, err.message));
      return;
    }
    res.writeHead(err.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(errorBody(err)));
  };

  const details = async (req: IncomingMessage, res: ServerResponse, uid: string) => {
    try {
      const found = await options.provider().interactionDetails(req, res);
      if (found.uid !== uid) throw new AuthError('AUTH_ERR_INTERACTION_NOT_FOUND');
      return found;
    } catch (err) {
      if (err instanceof AuthError) throw err;
      // SessionNotFound and friends: no cookie, a cookie for another interaction, or expired.
      throw new AuthError('AUTH_ERR_INTERACTION_NOT_FOUND', undefined, { cause: err });
    }
  };

  const consentScopes = (requested: string[], allowed: Set<string>) => ({
    granted: requested.filter((s) => !apiScopes.has(s) || allowed.has(s)),
    refused: requested.filter((s) => apiScopes.has(s) && !allowed.has(s)),
  });

  async function handle(req: IncomingMessage, res: ServerResponse, uid: string, action: string | undefined): Promise<void> {
    if (action === undefined) {
      if (req.method !== 'GET') throw new AuthError('AUTH_ERR_METHOD_NOT_ALLOWED');
      const found = await details(req, res, uid);
      const clientId = String(found.params.client_id);
      if (found.prompt.name === 'login') return send(res, 200, renderLoginPage({ uid, clientId }));
      const user = accounts.get(found.session?.accountId ?? '');
      if (!user) throw new AuthError('AUTH_ERR_INTERACTION_NOT_FOUND');
      const requested = String(found.params.scope ?? '').split(' ').filter(Boolean);
      return send(res, 200, renderConsentPage({ uid, clientId, username: user.username, ...consentScopes(requested, roleScopes(user.roles)) }));
    }

    if (req.method !== 'POST') throw new AuthError('AUTH_ERR_METHOD_NOT_ALLOWED');
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== 'null' && origin !== options.origin) throw new AuthError('AUTH_ERR_INTERACTION_FORBIDDEN');
    const form = await readForm(req, config.maxFormBytes);
    const found = await details(req, res, uid);
    const provider = options.provider();

    if (action === 'abort') {
      return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'End-User aborted interaction' }, { mergeWithLastSubmission: false });
    }

    if (action === 'login') {
      if (found.prompt.name !== 'login') throw new AuthError('AUTH_ERR_INTERACTION_NOT_FOUND');
      const username = form.get('username') ?? '';
      const clientId = String(found.params.client_id);
      const throttleKey = `${username.toLowerCase()}|${clientAddress(req)}`;
      if (throttle.blocked(throttleKey)) {
        const code: AuthErrorCode = 'AUTH_ERR_TOO_MANY_LOGIN_ATTEMPTS';
        return send(res, 429, renderLoginPage({ uid, clientId, username, errorCode: code, errorMessage: new AuthError(code).message }));
      }
      const user = await accounts.authenticate(username, form.get('password') ?? '');
      if (!user) {
        throttle.fail(throttleKey);
        logger.info({ uid, event: 'login_failed' }, 'login failed');
        const code: AuthErrorCode = 'AUTH_ERR_INVALID_CREDENTIALS';
        return send(res, 401, renderLoginPage({ uid, clientId, username, errorCode: code, errorMessage: new AuthError(code).message }));
      }
      throttle.succeed(throttleKey);
      logger.info({ uid, event: 'login', user: user.username }, 'login');
      return provider.interactionFinished(req, res, { login: { accountId: user.username } }, { mergeWithLastSubmission: false });
    }

    // confirm: grant what was asked, minus API scopes the user's roles do not allow. Refused
    // scopes are recorded as rejected so the consent prompt does not ask again in a loop.
    if (found.prompt.name !== 'consent' || !found.session) throw new AuthError('AUTH_ERR_INTERACTION_NOT_FOUND');
    const user = accounts.get(found.session.accountId);
    if (!user) throw new AuthError('AUTH_ERR_INTERACTION_NOT_FOUND');
    const allowed = roleScopes(user.roles);
    const grant = found.grantId
      ? (await provider.Grant.find(found.grantId)) ?? new provider.Grant({ accountId: user.username, clientId: String(found.params.client_id) })
      : new provider.Grant({ accountId: user.username, clientId: String(found.params.client_id) });
    const prompt = found.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (prompt.missingOIDCScope) {
      const { granted, refused } = consentScopes(prompt.missingOIDCScope, allowed);
      if (granted.length) grant.addOIDCScope(granted);
      if (refused.length) grant.rejectOIDCScope(refused);
    }
    if (prompt.missingOIDCClaims) grant.addOIDCClaims(prompt.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(prompt.missingResourceScopes ?? {})) {
      const { granted, refused } = consentScopes(scopes, allowed);
      if (granted.length) grant.addResourceScope(indicator, granted);
      if (refused.length) grant.rejectResourceScope(indicator, refused);
    }
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  return async function interactionHandler(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (!path.startsWith('/interaction/')) return false;
    const match = ROUTE.exec(path);
    try {
      if (!match) throw new AuthError('AUTH_ERR_NOT_FOUND');
      await handle(req, res, match[1] as string, match[2]);
    } catch (err) {
      const known = err instanceof AuthError ? err : new AuthError('AUTH_ERR_INTERNAL', undefined, { cause: err });
      if (known.status >= 500) logger.error({ err }, 'interaction failed');
      if (!res.headersSent) fail(req, res, known);
      else res.end();
    }
    return true;
  };
}
