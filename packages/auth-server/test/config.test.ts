import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { loadConfigFile, parseConfig } from '../src/config/load-config.js';
import { AuthError } from '../src/errors.js';
import { localConfig, tempDir } from './helpers.js';

function problemsOf(fn: () => unknown): { code: string; details: string[] } {
  try {
    fn();
  } catch (err) {
    return { code: (err as AuthError).code, details: (err as AuthError).details ?? [] };
  }
  assert.fail('expected the config to be refused');
}

const minimal = () => ({
  resourceServers: [{ identifier: 'api://x', scopes: ['x:read'] }],
  roles: { reader: ['x:read'] },
  clients: [{ clientId: 'svc', clientSecret: 's', grantTypes: ['client_credentials'], scopes: ['x:read'] }],
});

test('the shipped local config loads with its documented defaults', () => {
  const config = localConfig();
  assert.equal(config.issuer, 'http://127.0.0.1:9000');
  assert.equal(config.defaultResource, 'api://portero-customers');
  assert.deepEqual(config.resourceServers[0], {
    identifier: 'api://portero-customers', audience: 'api://portero-customers', scopes: ['customers:read', 'customers:write'], accessTokenTtlSeconds: 300, signingAlg: 'RS256',
  });
  assert.deepEqual(config.clients.map((c) => c.clientId), ['demo-writer', 'demo-reader', 'demo-web']);
  assert.deepEqual(config.users.map((u) => [u.username, u.roles]), [['alice', ['admin']], ['bob', ['viewer']]]);
  assert.ok(config.keys.file.endsWith('/var/auth/keys.json'));
  assert.deepEqual(config.cookieKeys, []);
  assert.equal(config.storage.kind, 'memory');
});

test('${VAR:-default} interpolation reads the environment, numbers included', () => {
  const config = localConfig({ AUTH_ISSUER: 'https://auth.example.com/', AUTH_API_AUDIENCE: 'https://api.example.com', AUTH_ACCESS_TOKEN_TTL_SECONDS: '120', AUTH_COOKIE_KEYS: 'k1,k2', AUTH_KEYS_FILE: '/etc/portero/keys.json' });
  assert.equal(config.issuer, 'https://auth.example.com');
  assert.equal(config.resourceServers[0]!.audience, 'https://api.example.com');
  assert.equal(config.defaultResource, 'https://api.example.com');
  assert.equal(config.resourceServers[0]!.accessTokenTtlSeconds, 120);
  assert.deepEqual(config.cookieKeys, ['k1', 'k2']);
  assert.equal(config.keys.file, '/etc/portero/keys.json');
});

test('minimal config gets every default', () => {
  const config = parseConfig(minimal(), { baseDir: '/srv', env: {} });
  assert.equal(config.keys.file, '/srv/var/auth/keys.json');
  assert.deepEqual(config.keys.algs, ['RS256', 'ES256']);
  assert.equal(config.keys.promoteDelaySeconds, 900);
  assert.equal(config.ttl.authorizationCodeSeconds, 60);
  assert.equal(config.storage.memoryMaxEntries, 10000);
  assert.equal(config.maxFormBytes, 8192);
  assert.equal(config.trustProxy, false);
});

test('every problem is reported at once, with its path', () => {
  const raw = {
    ...minimal(),
    issuer: 'not a url',
    extra: 1,
    resourceServers: [{ identifier: 'api://x', scopes: ['x:read', 'openid'], signingAlg: 'HS256', accessTokenTtlSeconds: 0 }],
    clients: [
      { clientId: 'svc', grantTypes: ['client_credentials', 'password'], scopes: ['x:write'] },
      { clientId: 'svc', grantTypes: ['authorization_code'], scopes: ['openid'] },
    ],
    users: [{ username: 'u', passwordHash: 'plaintext', roles: ['ghost'] }],
    roles: { reader: ['y:read'] },
    storage: { kind: 'mongo' },
    maxFormBytes: '${MISSING_VAR}',
  };
  const { code, details } = problemsOf(() => parseConfig(raw, { baseDir: '/', env: {} }));
  assert.equal(code, 'AUTH_ERR_CONFIG_INVALID');
  const expected = [
    'maxFormBytes: environment variable MISSING_VAR',
    'extra: unknown field',
    'issuer: not a url is not an absolute URL',
    'resourceServers[0].signingAlg',
    'resourceServers[0].scopes: openid',
    'resourceServers[0].accessTokenTtlSeconds',
    'roles.reader: scope y:read',
    'clients[0].grantTypes: password',
    'clients[0].scopes: x:write',
    'clients[0]: client_credentials needs a clientSecret',
    'clients[1]: authorization_code needs redirectUris',
    'clients: duplicate clientId svc',
    'users[0].passwordHash',
    'users[0].roles: role ghost',
    'storage.kind',
  ];
  for (const line of expected) assert.ok(details.some((d) => d.startsWith(line)), `missing problem: ${line}\n${details.join('\n')}`);
});

test('unreadable and unparsable files have their own codes', (t) => {
  const dir = tempDir(t);
  assert.equal(problemsOf(() => loadConfigFile(join(dir, 'nope.yaml'), {})).code, 'AUTH_ERR_CONFIG_UNREADABLE');
  writeFileSync(join(dir, 'bad.yaml'), 'issuer: [unclosed');
  assert.equal(problemsOf(() => loadConfigFile(join(dir, 'bad.yaml'), {})).code, 'AUTH_ERR_CONFIG_INVALID');
});
