import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import { AuthError } from '../errors.js';
import { interpolate } from './interpolate.js';
import { isScryptHash } from '../passwords/scrypt.js';
import { createReader, type Reader } from './reader.js';
import { SIGNING_ALGS, type AuthServerConfig, type ClientConfig, type ResourceServerConfig, type SigningAlg, type UserConfig } from './types.js';

/** Scopes oidc-provider understands itself; API scopes come from the resource servers. */
export const OIDC_SCOPES = ['openid', 'offline_access', 'profile', 'email'];
const GRANT_TYPES = ['client_credentials', 'authorization_code', 'refresh_token'];

export interface ParseOptions {
  /** Directory relative paths (keys.file) resolve against; the config file's directory. */
  baseDir: string;
  env?: NodeJS.ProcessEnv;
}

/** Reads, interpolates and validates a YAML config file; throws AUTH_ERR_CONFIG_* listing every problem. */
export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): AuthServerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new AuthError('AUTH_ERR_CONFIG_UNREADABLE', [`${path}: ${(cause as Error).message}`], { cause });
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (cause) {
    throw new AuthError('AUTH_ERR_CONFIG_INVALID', [`${path}: ${(cause as Error).message}`], { cause });
  }
  return parseConfig(raw, { baseDir: dirname(resolve(path)), env });
}

/** Validates an already parsed config tree (after `${VAR:-default}` interpolation) and fills defaults. */
export function parseConfig(raw: unknown, options: ParseOptions): AuthServerConfig {
  const interpolationProblems: string[] = [];
  const tree = interpolate(raw, options.env ?? process.env, '', interpolationProblems);
  const r = createReader();
  r.problems.push(...interpolationProblems);
  const root = r.obj(tree, '');
  r.known(root, ['issuer', 'trustProxy', 'resourceServers', 'defaultResource', 'roles', 'clients', 'users', 'ttl', 'keys', 'cookies', 'storage', 'maxFormBytes', 'login'], '');

  const issuer = r.str(root, 'issuer', '', 'http://127.0.0.1:9000').replace(/\/+$/, '');
  checkUrl(r, issuer, 'issuer', ['http:', 'https:']);
  // The login pages and oidc-provider's routes are served from the root of the host.
  if (URL.canParse(issuer) && new URL(issuer).pathname !== '/') r.problems.push('issuer: must not have a path (serve the auth server at the root of its host)');

  const resourceServers = r.list(root, 'resourceServers', '').map((item, i) => readResourceServer(r, item, `resourceServers[${i}]`));
  if (resourceServers.length === 0) r.problems.push('resourceServers: at least one API must be declared');
  unique(r, resourceServers.map((rs) => rs.identifier), 'resourceServers', 'identifier');
  const apiScopes = new Set(resourceServers.flatMap((rs) => rs.scopes));
  const defaultResource = r.optStr(root, 'defaultResource', '') ?? resourceServers[0]?.identifier ?? '';
  if (defaultResource && !resourceServers.some((rs) => rs.identifier === defaultResource)) {
    r.problems.push(`defaultResource: ${defaultResource} is not the identifier of a resource server`);
  }

  const rolesRaw = r.obj(root.roles, 'roles');
  const roles: Record<string, string[]> = {};
  for (const name of Object.keys(rolesRaw)) {
    roles[name] = r.strList(rolesRaw, name, 'roles');
    for (const scope of roles[name]) if (!apiScopes.has(scope)) r.problems.push(`roles.${name}: scope ${scope} belongs to no resource server`);
  }

  const allowedClientScopes = new Set([...OIDC_SCOPES, ...apiScopes]);
  const clients = r.list(root, 'clients', '').map((item, i) => readClient(r, item, `clients[${i}]`, allowedClientScopes));
  unique(r, clients.map((c) => c.clientId), 'clients', 'clientId');
  const users = r.list(root, 'users', '').map((item, i) => readUser(r, item, `users[${i}]`, roles));
  unique(r, users.map((u) => u.username), 'users', 'username');

  const ttlRaw = r.obj(root.ttl, 'ttl');
  r.known(ttlRaw, ['authorizationCodeSeconds', 'idTokenSeconds', 'refreshTokenSeconds', 'sessionSeconds', 'grantSeconds', 'interactionSeconds'], 'ttl');
  const ttl = {
    authorizationCodeSeconds: r.int(ttlRaw, 'authorizationCodeSeconds', 'ttl', 60, 1, 600),
    idTokenSeconds: r.int(ttlRaw, 'idTokenSeconds', 'ttl', 3600, 1),
    refreshTokenSeconds: r.int(ttlRaw, 'refreshTokenSeconds', 'ttl', 86400, 1),
    sessionSeconds: r.int(ttlRaw, 'sessionSeconds', 'ttl', 28800, 1),
    grantSeconds: r.int(ttlRaw, 'grantSeconds', 'ttl', 86400, 1),
    interactionSeconds: r.int(ttlRaw, 'interactionSeconds', 'ttl', 600, 1),
  };

  const keysRaw = r.obj(root.keys, 'keys');
  r.known(keysRaw, ['file', 'algs', 'promoteDelaySeconds', 'refreshIntervalSeconds'], 'keys');
  const keyFile = r.str(keysRaw, 'file', 'keys', 'var/auth/keys.json');
  const algs = r.strList(keysRaw, 'algs', 'keys', ['RS256', 'ES256']);
  for (const alg of algs) if (!SIGNING_ALGS.includes(alg as SigningAlg)) r.problems.push(`keys.algs: ${alg} is not one of ${SIGNING_ALGS.join(', ')}`);
  for (const rs of resourceServers) {
    if (!algs.includes(rs.signingAlg)) r.problems.push(`resourceServers ${rs.identifier}: signingAlg ${rs.signingAlg} has no key (add it to keys.algs)`);
  }
  const keys = {
    file: isAbsolute(keyFile) ? keyFile : resolve(options.baseDir, keyFile),
    algs: algs as SigningAlg[],
    promoteDelaySeconds: r.int(keysRaw, 'promoteDelaySeconds', 'keys', 900, 0),
    refreshIntervalSeconds: r.int(keysRaw, 'refreshIntervalSeconds', 'keys', 60, 1),
  };

  const cookiesRaw = r.obj(root.cookies, 'cookies');
  r.known(cookiesRaw, ['keys'], 'cookies');
  const cookieKeys = r.strList(cookiesRaw, 'keys', 'cookies', []);

  const storageRaw = r.obj(root.storage, 'storage');
  r.known(storageRaw, ['kind', 'redisUrl', 'keyPrefix', 'memoryMaxEntries'], 'storage');
  const kind = r.str(storageRaw, 'kind', 'storage', 'memory');
  if (kind !== 'memory' && kind !== 'redis') r.problems.push('storage.kind: must be memory or redis');
  const storage = {
    kind: kind as 'memory' | 'redis',
    redisUrl: r.str(storageRaw, 'redisUrl', 'storage', 'redis://127.0.0.1:6379'),
    keyPrefix: r.str(storageRaw, 'keyPrefix', 'storage', 'portero:auth:'),
    memoryMaxEntries: r.int(storageRaw, 'memoryMaxEntries', 'storage', 10000, 10),
  };

  const loginRaw = r.obj(root.login, 'login');
  r.known(loginRaw, ['maxFailures', 'windowSeconds', 'maxTrackedKeys'], 'login');
  const login = {
    maxFailures: r.int(loginRaw, 'maxFailures', 'login', 5, 1),
    windowSeconds: r.int(loginRaw, 'windowSeconds', 'login', 300, 1),
    maxTrackedKeys: r.int(loginRaw, 'maxTrackedKeys', 'login', 10000, 10),
  };

  const config: AuthServerConfig = {
    issuer,
    trustProxy: r.bool(root, 'trustProxy', '', false),
    resourceServers,
    defaultResource,
    roles,
    clients,
    users,
    ttl,
    keys,
    cookieKeys,
    storage,
    maxFormBytes: r.int(root, 'maxFormBytes', '', 8192, 256, 1048576),
    login,
  };
  if (r.problems.length) throw new AuthError('AUTH_ERR_CONFIG_INVALID', r.problems);
  return config;
}

function readResourceServer(r: Reader, item: unknown, path: string): ResourceServerConfig {
  const o = r.obj(item, path);
  r.known(o, ['identifier', 'audience', 'scopes', 'accessTokenTtlSeconds', 'signingAlg'], path);
  const identifier = r.str(o, 'identifier', path);
  if (identifier) checkUrl(r, identifier, `${path}.identifier`);
  const signingAlg = r.str(o, 'signingAlg', path, 'RS256');
  if (!SIGNING_ALGS.includes(signingAlg as SigningAlg)) r.problems.push(`${path}.signingAlg: must be one of ${SIGNING_ALGS.join(', ')}`);
  const scopes = r.strList(o, 'scopes', path);
  for (const scope of scopes) if (OIDC_SCOPES.includes(scope)) r.problems.push(`${path}.scopes: ${scope} is an OpenID Connect scope, not an API scope`);
  return {
    identifier,
    audience: r.optStr(o, 'audience', path) ?? identifier,
    scopes,
    accessTokenTtlSeconds: r.int(o, 'accessTokenTtlSeconds', path, 300, 1, 86400),
    signingAlg: signingAlg as SigningAlg,
  };
}

function readClient(r: Reader, item: unknown, path: string, allowedScopes: Set<string>): ClientConfig {
  const o = r.obj(item, path);
  r.known(o, ['clientId', 'clientSecret', 'grantTypes', 'redirectUris', 'scopes'], path);
  const client: ClientConfig = {
    clientId: r.str(o, 'clientId', path),
    grantTypes: r.strList(o, 'grantTypes', path),
    redirectUris: r.strList(o, 'redirectUris', path, []),
    scopes: r.strList(o, 'scopes', path),
  };
  const secret = r.optStr(o, 'clientSecret', path);
  if (secret !== undefined) client.clientSecret = secret;
  for (const grant of client.grantTypes) if (!GRANT_TYPES.includes(grant)) r.problems.push(`${path}.grantTypes: ${grant} is not one of ${GRANT_TYPES.join(', ')}`);
  for (const scope of client.scopes) if (!allowedScopes.has(scope)) r.problems.push(`${path}.scopes: ${scope} is neither an OpenID scope nor a resource server scope`);
  if (client.grantTypes.includes('client_credentials') && !secret) r.problems.push(`${path}: client_credentials needs a clientSecret`);
  if (client.grantTypes.includes('authorization_code') && client.redirectUris.length === 0) r.problems.push(`${path}: authorization_code needs redirectUris`);
  for (const uri of client.redirectUris) checkUrl(r, uri, `${path}.redirectUris`, ['http:', 'https:']);
  return client;
}

function readUser(r: Reader, item: unknown, path: string, roles: Record<string, string[]>): UserConfig {
  const o = r.obj(item, path);
  r.known(o, ['username', 'passwordHash', 'roles', 'name', 'email'], path);
  const user: UserConfig = {
    username: r.str(o, 'username', path),
    passwordHash: r.str(o, 'passwordHash', path),
    roles: r.strList(o, 'roles', path, []),
  };
  if (user.passwordHash && !isScryptHash(user.passwordHash)) {
    r.problems.push(`${path}.passwordHash: must be a scrypt hash from \`npm run hash-password -w @portero/auth-server\`, never a password`);
  }
  for (const role of user.roles) if (!(role in roles)) r.problems.push(`${path}.roles: role ${role} is not defined under roles`);
  const name = r.optStr(o, 'name', path);
  const email = r.optStr(o, 'email', path);
  if (name !== undefined) user.name = name;
  if (email !== undefined) user.email = email;
  return user;
}

function checkUrl(r: Reader, value: string, path: string, protocols?: string[]): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    r.problems.push(`${path}: ${value} is not an absolute URL`);
    return;
  }
  if (url.hash) r.problems.push(`${path}: must not contain a fragment`);
  if (protocols && !protocols.includes(url.protocol)) r.problems.push(`${path}: must use ${protocols.join(' or ')}`);
}

function unique(r: Reader, values: string[], path: string, field: string): void {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) r.problems.push(`${path}: duplicate ${field} ${value}`);
    seen.add(value);
  }
}
