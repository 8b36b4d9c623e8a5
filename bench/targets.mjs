// What the benchmark measures: the targets (direct, Portero, competitor proxies, nginx) and the
// scenarios (requests). Each target starts a process pinned to the proxy core and says where to
// send requests; every proxy routes /api/* to the upstream's /* so they all do the same work.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startJwtIssuer } from './jwt-issuer.mjs';
import { GATEWAY_BUILT_CLI, GATEWAY_COMMAND_ENV, gatewayCommand } from '../scripts/lib/gateway-command.mjs';

/**
 * Scenarios are a list: each names the request path and, for Portero, the config file to start
 * it with. `targets` limits a scenario to some targets (all when omitted). `setup()` (optional)
 * runs once before the measurements and returns `{ env, headers, close }`: environment for the
 * Portero process, headers the load generator sends, and a cleanup. `compareTo` names the
 * scenario whose Portero rows this one is reported against (the plain route).
 */
const PLAIN = 'GET one customer (~400 B JSON)';
const CUSTOMER = '/api/customers/7f1c2a9e-5b3d-4c8e-9a61-2d4f8b0c3e57';

export const scenarios = [
  { name: PLAIN, path: CUSTOMER, porteroConfig: 'bench/portero.yaml' },
  // The same route behind jwtAuth + authorize, one long-lived token (verified-token cache hits).
  { name: 'portero-auth-rs256', path: CUSTOMER, porteroConfig: 'bench/portero-auth.yaml', targets: ['portero'], compareTo: PLAIN, setup: () => startJwtIssuer('RS256') },
  { name: 'portero-auth-es256', path: CUSTOMER, porteroConfig: 'bench/portero-auth.yaml', targets: ['portero'], compareTo: PLAIN, setup: () => startJwtIssuer('ES256') },
  // The same route with the cache filter; the upstream allows max-age=60 under /cached/.
  { name: 'portero-cache-hit', path: '/api/cached/customers/7f1c2a9e-5b3d-4c8e-9a61-2d4f8b0c3e57', porteroConfig: 'bench/portero-cache.yaml', targets: ['portero'], compareTo: PLAIN },
];

/**
 * Installed for the benchmark only, into bench/.competitors (gitignored). Versions that run on
 * Node 20: fast-gateway 5 needs restana 6, which requires Node 24, hence 3.4.7.
 */
export const COMPETITOR_PACKAGES = ['fast-gateway@3.4.7', '@fastify/http-proxy@11.6.3', 'fastify@5.6.1', 'http-proxy@1.18.1'];

const competitor = (name, script, packages) => ({
  name,
  kind: 'competitor',
  packages,
  command: (ctx) => ctx.pinned('proxy', [process.execPath, script]),
  env: (ctx) => ({ PORT: String(ctx.port), UPSTREAM: ctx.upstreamUrl }),
});

export const targets = [
  { name: 'direct', kind: 'baseline', note: 'no proxy: the load generator talks to the upstream' },
  {
    name: 'portero',
    kind: 'subject',
    requires: GATEWAY_BUILT_CLI,
    // As `portero start` runs it: the launcher's Node options (scripts/lib/gateway-command.mjs).
    command: (ctx) => ctx.pinned('proxy', gatewayCommand(ctx.scenario.porteroConfig)),
    env: (ctx) => ({ ...ctx.scenarioEnv, ...GATEWAY_COMMAND_ENV, BENCH_PORT: String(ctx.port), BENCH_ADMIN_PORT: String(ctx.adminPort), BENCH_UPSTREAM: ctx.upstreamUrl }),
    readyUrl: (ctx) => `http://127.0.0.1:${ctx.adminPort}/health/ready`,
  },
  competitor('fast-gateway', 'bench/targets/fast-gateway.mjs', ['fast-gateway']),
  competitor('fastify-http-proxy', 'bench/targets/fastify-http-proxy.mjs', ['fastify', '@fastify/http-proxy']),
  competitor('http-proxy', 'bench/targets/http-proxy.mjs', ['http-proxy']),
  {
    name: 'nginx',
    kind: 'competitor',
    available: () => (hasBinary('nginx') ? undefined : 'nginx is not installed (it is never installed by this script)'),
    command: (ctx) => {
      const dir = mkdtempSync(join(tmpdir(), 'portero-bench-nginx-'));
      const conf = readFileSync('bench/targets/nginx.conf.template', 'utf8')
        .replaceAll('{{dir}}', dir)
        .replaceAll('{{port}}', String(ctx.port))
        .replaceAll('{{upstream}}', new URL(ctx.upstreamUrl).host);
      writeFileSync(join(dir, 'nginx.conf'), conf);
      return ctx.pinned('proxy', ['nginx', '-p', dir, '-c', join(dir, 'nginx.conf')]);
    },
  },
];

export function hasBinary(name) {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function competitorInstalled(pkg) {
  return existsSync(join('bench/.competitors/node_modules', pkg, 'package.json'));
}
