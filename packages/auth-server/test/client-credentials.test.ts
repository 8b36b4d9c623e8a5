import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { clientCredentials, startTestServer } from './helpers.js';

const AUDIENCE = 'api://portero-customers';

test('discovery and JWKS describe the issuer and publish RS256 and ES256 public keys', async (t) => {
  const server = await startTestServer(t);
  const res = await fetch(`${server.issuer}/.well-known/openid-configuration`);
  assert.equal(res.status, 200);
  const meta = (await res.json()) as Record<string, unknown>;
  assert.equal(meta.issuer, server.issuer);
  assert.equal(meta.token_endpoint, `${server.issuer}/token`);
  assert.equal(meta.jwks_uri, `${server.issuer}/jwks`);
  assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
  assert.ok((meta.grant_types_supported as string[]).includes('client_credentials'));

  const jwks = (await (await fetch(meta.jwks_uri as string)).json()) as { keys: Record<string, unknown>[] };
  assert.deepEqual(jwks.keys.map((k) => k.alg).sort(), ['ES256', 'RS256']);
  for (const key of jwks.keys) {
    assert.equal(key.d, undefined, 'no private parts are published');
    assert.equal(key.use, 'sig');
    assert.equal(typeof key.kid, 'string');
  }
});

test('client credentials: both demo clients get RFC 9068 JWTs for the API without sending resource', async (t) => {
  const server = await startTestServer(t);
  const jwks = createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
  const cases = [
    { id: 'demo-writer', secret: 'demo-writer-secret', scope: 'customers:read customers:write' },
    { id: 'demo-reader', secret: 'demo-reader-secret', scope: 'customers:read' },
  ];
  for (const c of cases) {
    const res = await clientCredentials(server.issuer, c.id, c.secret, { scope: c.scope });
    assert.equal(res.status, 200, c.id);
    const body = (await res.json()) as { access_token: string; token_type: string; expires_in: number; scope: string };
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.scope, c.scope);
    assert.equal(body.expires_in, 300);

    const { payload, protectedHeader } = await jwtVerify(body.access_token, jwks, {
      issuer: server.issuer,
      audience: AUDIENCE,
      typ: 'at+jwt',
      algorithms: ['RS256'],
    });
    assert.equal(protectedHeader.kid, server.keyView().signing.get('RS256'));
    assert.equal(payload.sub, c.id);
    assert.equal(payload.client_id, c.id);
    assert.equal(payload.scope, c.scope);
    assert.equal(typeof payload.jti, 'string');
    assert.equal(typeof payload.iat, 'number');
    assert.equal(payload.exp, (payload.iat as number) + 300);
    assert.equal(payload.roles, undefined, 'service tokens carry no roles');
  }
});

test('client credentials refusals: foreign scope, wrong secret, unknown resource', async (t) => {
  const server = await startTestServer(t);

  const foreign = await clientCredentials(server.issuer, 'demo-reader', 'demo-reader-secret', { scope: 'customers:write' });
  assert.equal(foreign.status, 400);
  assert.equal(((await foreign.json()) as { error: string }).error, 'invalid_scope');

  const wrongSecret = await clientCredentials(server.issuer, 'demo-writer', 'not-the-secret', { scope: 'customers:read' });
  assert.equal(wrongSecret.status, 401);
  assert.equal(((await wrongSecret.json()) as { error: string }).error, 'invalid_client');

  const unknownClient = await clientCredentials(server.issuer, 'nobody', 'x', { scope: 'customers:read' });
  assert.equal(unknownClient.status, 401);
  assert.equal(((await unknownClient.json()) as { error: string }).error, 'invalid_client');

  const target = await clientCredentials(server.issuer, 'demo-writer', 'demo-writer-secret', { scope: 'customers:read', resource: 'api://elsewhere' });
  assert.equal(target.status, 400);
  assert.equal(((await target.json()) as { error: string }).error, 'invalid_target');

  // The code-flow client may not use the client credentials grant at all.
  const web = await fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'demo-web' }),
  });
  assert.equal(web.status, 400);
  const webError = (await web.json()) as { error: string; error_description: string };
  // oidc-provider answers invalid_request ("requested grant type is not allowed for this client").
  assert.equal(webError.error, 'invalid_request', webError.error_description);
});

test('the explicit resource indicator of the API is accepted too', async (t) => {
  const server = await startTestServer(t);
  const res = await clientCredentials(server.issuer, 'demo-writer', 'demo-writer-secret', { scope: 'customers:write', resource: AUDIENCE });
  assert.equal(res.status, 200);
  const { access_token } = (await res.json()) as { access_token: string };
  assert.equal(decodeProtectedHeader(access_token).typ, 'at+jwt');
});
