/**
 * The `authorize` filter: decides, per method, whether the principal set by `jwtAuth` may go on.
 * Deny by default: a rule that is configured and not met answers 403, a method no rule covers
 * answers 403 unless `otherMethods: allow`, and a request without a principal (optional
 * authentication, no token) answers 401 so the client knows a token would help.
 */
import { resolveAuthConfig } from '../../auth/issuer-registry.js';
import { getAuthMetrics } from '../../auth/metrics.js';
import { createAuthResponder } from '../../auth/responses.js';
import type { Filter } from '../../pipeline/types.js';
import type { FilterDeps } from '../registry.js';
import { compileRules } from './compile-rules.js';
import type { AuthorizeConfig } from './schema.js';

const DONE: Promise<void> = Promise.resolve();

export function createAuthorizeFilter(config: AuthorizeConfig, deps: FilterDeps): Filter {
  const rules = compileRules(config);
  const responder = createAuthResponder(resolveAuthConfig(deps.gatewayConfig).realm);
  const metrics = getAuthMetrics(deps.metrics);
  const route = deps.routeId;
  const allowed = metrics.outcome(route, 'authorized', 'ok');

  // Not an async function: an allowed request goes straight to next() without another promise.
  return function authorize(ctx, next) {
    const principal = ctx.principal;
    if (principal === undefined) {
      metrics.outcome(route, 'forbidden', 'missing_token').value++;
      ctx.response = responder.respond('GW_ERR_AUTH_MISSING_TOKEN');
      return DONE;
    }
    const decision = rules.forMethod(ctx.method)(principal);
    if (decision.allowed) {
      allowed.value++;
      return next();
    }
    metrics.outcome(route, 'forbidden', decision.reason).value++;
    ctx.response =
      decision.reason === 'insufficient_scope'
        ? responder.respond('GW_ERR_AUTH_INSUFFICIENT_SCOPE', { error: 'insufficient_scope', reason: 'insufficient_scope', scope: decision.scope })
        : responder.respond('GW_ERR_AUTH_FORBIDDEN', { error: 'insufficient_scope', reason: decision.reason });
    return DONE;
  };
}
