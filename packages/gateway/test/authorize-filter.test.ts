import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { authorizeFilterDefinition } from '../src/filters/authorize/definition.js';
import { createAuthorizeFilter } from '../src/filters/authorize/authorize-filter.js';
import { AuthorizeEntrySchema, type AuthorizeConfig } from '../src/filters/authorize/schema.js';
import type { Principal } from '../src/pipeline/types.js';
import { createContext, createDeps, errorOf } from './auth-fixtures.js';

function principal(scopes: string[], claims: Record<string, unknown> = {}): Principal {
  return { subject: 'u1', clientId: 'c1', scopes: new Set(scopes), issuer: 'http://idp', claims: { sub: 'u1', ...claims }, expiresAt: 0 };
}

/** The local system's customer rules: reads need customers:read, writes customers:write. */
const customersRules: AuthorizeConfig = {
  rules: [
    { methods: ['GET', 'HEAD'], scopes: { allOf: ['customers:read'] } },
    { methods: ['POST', 'PUT', 'PATCH', 'DELETE'], scopes: { allOf: ['customers:write'] } },
  ],
  otherMethods: 'deny',
};

async function decide(t: TestContext, config: AuthorizeConfig, method: string, p: Principal | undefined) {
  const deps = createDeps(t, {});
  const filter = createAuthorizeFilter(config, deps);
  const ctx = createContext({ method });
  ctx.principal = p;
  let upstreamCalled = false;
  await filter(ctx, async () => {
    upstreamCalled = true;
  });
  return { ctx, upstreamCalled, deps };
}

const scenarios: { name: string; method: string; scopes: string[]; status: number | 'pass'; code?: string; scope?: string }[] = [
  { name: 'GET with customers:read', method: 'GET', scopes: ['customers:read'], status: 'pass' },
  { name: 'GET without scopes', method: 'GET', scopes: [], status: 403, code: 'GW_ERR_AUTH_INSUFFICIENT_SCOPE', scope: 'customers:read' },
  { name: 'GET with a scope that only starts with the required one', method: 'GET', scopes: ['customers:reader', 'customers:read-all'], status: 403, code: 'GW_ERR_AUTH_INSUFFICIENT_SCOPE' },
  { name: 'GET with a prefix of the required scope', method: 'GET', scopes: ['customers', 'customers:'], status: 403, code: 'GW_ERR_AUTH_INSUFFICIENT_SCOPE' },
  { name: 'GET with only customers:write', method: 'GET', scopes: ['customers:write'], status: 403, code: 'GW_ERR_AUTH_INSUFFICIENT_SCOPE' },
  { name: 'POST with customers:read only', method: 'POST', scopes: ['customers:read'], status: 403, code: 'GW_ERR_AUTH_INSUFFICIENT_SCOPE', scope: 'customers:write' },
  { name: 'DELETE with customers:write', method: 'DELETE', scopes: ['customers:write'], status: 'pass' },
  { name: 'PATCH with customers:write', method: 'PATCH', scopes: ['customers:write', 'other'], status: 'pass' },
  { name: 'OPTIONS: no rule, denied by default', method: 'OPTIONS', scopes: ['customers:read', 'customers:write'], status: 403, code: 'GW_ERR_AUTH_FORBIDDEN' },
];

for (const s of scenarios) {
  test(`customers rules: ${s.name}`, async (t) => {
    const { ctx, upstreamCalled } = await decide(t, customersRules, s.method, principal(s.scopes));
    if (s.status === 'pass') {
      assert.equal(upstreamCalled, true);
      assert.equal(ctx.response, undefined);
      return;
    }
    assert.equal(upstreamCalled, false);
    assert.equal(ctx.response?.status, s.status);
    assert.equal(errorOf(ctx).code, s.code);
    const challenge = String(ctx.response?.headers['www-authenticate']);
    assert.match(challenge, /^Bearer realm="portero", error="insufficient_scope"/);
    if (s.scope !== undefined) assert.match(challenge, new RegExp(`scope="${s.scope}"`));
  });
}

test('anyOf needs one of the listed scopes', async (t) => {
  const config: AuthorizeConfig = { rules: [{ scopes: { anyOf: ['a:read', 'admin'] } }], otherMethods: 'deny' };
  assert.equal((await decide(t, config, 'GET', principal(['admin']))).upstreamCalled, true);
  assert.equal((await decide(t, config, 'GET', principal(['a:read']))).upstreamCalled, true);
  const refused = await decide(t, config, 'GET', principal(['a:write']));
  assert.equal(refused.ctx.response?.status, 403);
  assert.match(String(refused.ctx.response?.headers['www-authenticate']), /scope="a:read admin"/);
});

test('claim rules: includes, equals, in, dotted paths; all must hold', async (t) => {
  const config: AuthorizeConfig = {
    rules: [
      {
        claims: [
          { claim: 'roles', includes: 'admin' },
          { claim: 'tenant', equals: 'acme' },
          { claim: 'org.tier', in: ['gold', 'silver'] },
        ],
      },
    ],
    otherMethods: 'deny',
  };
  const ok = { roles: ['user', 'admin'], tenant: 'acme', org: { tier: 'gold' } };
  assert.equal((await decide(t, config, 'GET', principal([], ok))).upstreamCalled, true);
  const cases: Record<string, unknown>[] = [
    { ...ok, roles: ['user', 'administrator'] },
    { ...ok, roles: 'admins' },
    { ...ok, tenant: 'acme-evil' },
    { ...ok, org: { tier: 'bronze' } },
    { ...ok, org: { tier: ['gold'] } },
    { roles: ['admin'], tenant: 'acme' },
  ];
  for (const claims of cases) {
    const { ctx, upstreamCalled } = await decide(t, config, 'GET', principal([], claims));
    assert.equal(upstreamCalled, false, JSON.stringify(claims));
    assert.equal(errorOf(ctx).code, 'GW_ERR_AUTH_FORBIDDEN');
    assert.equal(errorOf(ctx).details?.reason, 'claim');
  }
});

test('no principal (optional authentication, no token) answers 401 with a bare challenge', async (t) => {
  const { ctx, upstreamCalled, deps } = await decide(t, customersRules, 'GET', undefined);
  assert.equal(upstreamCalled, false);
  assert.equal(ctx.response?.status, 401);
  assert.equal(errorOf(ctx).code, 'GW_ERR_AUTH_MISSING_TOKEN');
  assert.equal(ctx.response?.headers['www-authenticate'], 'Bearer realm="portero"');
  const metric = await deps.metrics.getSingleMetric('portero_auth_outcomes_total')?.get();
  assert.equal(metric?.values.find((v) => v.labels.reason === 'missing_token')?.value, 1);
});

test('otherMethods: allow lets uncovered methods through; a catch-all rule shadows later rules', async (t) => {
  const allow: AuthorizeConfig = { ...customersRules, otherMethods: 'allow' };
  assert.equal((await decide(t, allow, 'OPTIONS', principal([]))).upstreamCalled, true);
  const shadow: AuthorizeConfig = { rules: [{ scopes: { allOf: ['x'] } }, { methods: ['GET'] }], otherMethods: 'allow' };
  assert.equal((await decide(t, shadow, 'GET', principal([]))).upstreamCalled, false);
});

test('validate: authorize must come after jwtAuth', () => {
  const cfg = customersRules;
  assert.deepEqual(authorizeFilterDefinition.validate?.(cfg, [{ jwtAuth: {} }, { authorize: cfg }], 1), []);
  assert.equal(authorizeFilterDefinition.validate?.(cfg, [{ authorize: cfg }, { jwtAuth: {} }], 0).length, 1);
  assert.equal(authorizeFilterDefinition.validate?.(cfg, [{ authorize: cfg }], 0).length, 1);
});

test('schema: defaults otherMethods to deny and rejects a claim rule with two operators', () => {
  const entry = Value.Default(AuthorizeEntrySchema, { authorize: { rules: [{ methods: ['GET'], scopes: { allOf: ['a'] } }] } }) as { authorize: AuthorizeConfig };
  assert.equal(entry.authorize.otherMethods, 'deny');
  assert.equal(Value.Check(AuthorizeEntrySchema, entry), true);
  assert.equal(Value.Check(AuthorizeEntrySchema, { authorize: { rules: [{ claims: [{ claim: 'r', equals: 'a', in: ['b'] }] }] } }), false);
  assert.equal(Value.Check(AuthorizeEntrySchema, { authorize: { rules: [] } }), false);
});
