/**
 * Programmatic API of the auth server, for `main.ts` and for other packages' end-to-end tests:
 *
 *   const auth = await startAuthServer({ config: 'config/auth-server.yaml', port: 0, keysFile });
 *   // auth.issuer, auth.url → token endpoint `${auth.issuer}/token`, JWKS `${auth.issuer}/jwks`
 *   await auth.close();
 */
export { startAuthServer, type StartAuthServerOptions, type RunningAuthServer } from './server.js';
export { loadConfigFile, parseConfig } from './config/load-config.js';
export type { AuthServerConfig, ClientConfig, ResourceServerConfig, UserConfig, SigningAlg } from './config/types.js';
export { hashPassword, verifyPassword } from './passwords/scrypt.js';
export { AuthError, AUTH_ERRORS, type AuthErrorCode } from './errors.js';
export type { Clock } from './clock.js';
