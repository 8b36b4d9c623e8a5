/**
 * Cross-checks between the static `auth` section and the routes' auth filters, for the config
 * loader to report at load time (with every other problem) instead of at route compile time:
 * unknown issuer names, HMAC without a secret, a route whose algorithm list leaves an issuer with
 * nothing to accept. The input may still contain schema errors, so every access is guarded.
 */
import { HMAC_ALGORITHMS, validateAuthConfig, type AuthConfig } from './config-schema.js';

export interface AuthConfigProblem {
  /** Path from the config root, e.g. ['routes', 0, 'filters', 1, 'jwtAuth', 'issuers', 0]. */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

type Loose = Record<string, any>;
const isObject = (v: unknown): v is Loose => v !== null && typeof v === 'object' && !Array.isArray(v);

export function checkAuthConfig(config: unknown): AuthConfigProblem[] {
  if (!isObject(config)) return [];
  const problems: AuthConfigProblem[] = [];
  const auth = isObject(config.auth) ? config.auth : {};
  const issuers: Loose = isObject(auth.issuers) ? auth.issuers : {};
  if (Object.values(issuers).every((i) => isObject(i) && Array.isArray(i.algorithms) && isObject(i.jwks))) {
    for (const issue of validateAuthConfig({ ...auth, issuers } as AuthConfig)) {
      problems.push({ path: ['auth', ...issue.path.split('/').filter((p) => p !== '')], message: issue.message });
    }
  }
  const routes: unknown[] = Array.isArray(config.routes) ? config.routes : [];
  routes.forEach((route, r) => {
    if (!isObject(route) || !Array.isArray(route.filters)) return;
    route.filters.forEach((entry: unknown, f: number) => {
      const jwt = isObject(entry) && isObject(entry.jwtAuth) ? entry.jwtAuth : undefined;
      if (jwt === undefined || !Array.isArray(jwt.issuers)) return;
      const base = ['routes', r, 'filters', f, 'jwtAuth'] as const;
      jwt.issuers.forEach((name: unknown, i: number) => {
        if (typeof name !== 'string') return;
        const issuer = issuers[name];
        if (!isObject(issuer)) {
          const known = Object.keys(issuers);
          problems.push({ path: [...base, 'issuers', i], message: `unknown issuer "${name}" (${known.length > 0 ? `auth.issuers has ${known.join(', ')}` : 'auth.issuers is empty'})` });
          return;
        }
        if (Array.isArray(jwt.algorithms) && Array.isArray(issuer.algorithms) && !issuer.algorithms.some((a: unknown) => jwt.algorithms.includes(a))) {
          problems.push({ path: [...base, 'algorithms'], message: `none of these algorithms is allowed by issuer "${name}" (${issuer.algorithms.join(', ')})` });
        }
        if (Array.isArray(jwt.algorithms) && jwt.algorithms.some((a: unknown) => typeof a === 'string' && HMAC_ALGORITHMS.has(a)) && typeof issuer.hmacSecret !== 'string') {
          problems.push({ path: [...base, 'algorithms'], message: `issuer "${name}" has no hmacSecret, so HS* can never be accepted` });
        }
      });
    });
  });
  return problems;
}
