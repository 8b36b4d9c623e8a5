import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { loadConfigFile } from '../src/config/load-config.js';
import type { AuthServerConfig } from '../src/config/types.js';
import { startAuthServer, type RunningAuthServer, type StartAuthServerOptions } from '../src/server.js';

export const LOCAL_CONFIG_PATH = fileURLToPath(new URL('../../../config/auth-server.yaml', import.meta.url));

/** The shipped local config, read with an empty environment so every default applies. */
export function localConfig(env: NodeJS.ProcessEnv = {}): AuthServerConfig {
  return loadConfigFile(LOCAL_CONFIG_PATH, env);
}

/** A fresh temporary directory removed after the test. */
export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'portero-auth-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts a real server on port 0 with a temporary keys file; closed after the test. */
export async function startTestServer(t: TestContext, overrides: Partial<StartAuthServerOptions> = {}): Promise<RunningAuthServer & { keysFile: string }> {
  const keysFile = overrides.keysFile ?? join(tempDir(t), 'keys', 'keys.json');
  const server = await startAuthServer({ config: localConfig(), port: 0, keysFile, ...overrides });
  t.after(() => server.close());
  return Object.assign(server, { keysFile });
}

export const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

export async function clientCredentials(issuer: string, id: string, secret: string, body: Record<string, string>): Promise<Response> {
  return fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { authorization: basic(id, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...body }),
  });
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** fetch with a cookie jar and manual redirects, like a browser driven by hand. */
export function createBrowser() {
  const jar = new Map<string, string>();
  return {
    jar,
    async fetch(url: string, init: RequestInit = {}): Promise<Response> {
      const headers = new Headers(init.headers);
      if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
      const res = await fetch(url, { ...init, headers, redirect: 'manual' });
      for (const line of res.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const eq = pair!.indexOf('=');
        const name = pair!.slice(0, eq).trim();
        const value = pair!.slice(eq + 1).trim();
        if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') jar.delete(name);
        else jar.set(name, value);
      }
      return res;
    },
  };
}

export const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});
