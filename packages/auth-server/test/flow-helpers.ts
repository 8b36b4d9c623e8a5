import assert from 'node:assert/strict';
import { createBrowser, form } from './helpers.js';

/** Helpers that drive the authorization code flow like a browser (shared by unit and integration tests). */
export const REDIRECT_URI = 'http://127.0.0.1:8080/callback';
export type Browser = ReturnType<typeof createBrowser>;

export function authUrl(issuer: string, params: Record<string, string>): string {
  return `${issuer}/auth?${new URLSearchParams({ client_id: 'demo-web', response_type: 'code', redirect_uri: REDIRECT_URI, state: 'state-1', ...params })}`;
}

/** Follows redirects on the issuer until one leaves it (or a page is rendered). */
export async function follow(browser: Browser, issuer: string, res: Response): Promise<{ res: Response; url: string }> {
  let url = '';
  while (res.status === 303 || res.status === 302) {
    url = new URL(res.headers.get('location')!, issuer).href;
    if (!url.startsWith(issuer)) return { res, url };
    res = await browser.fetch(url);
  }
  return { res, url };
}

/** Drives login and consent pages like a person; returns the final redirect to the client. */
export async function signIn(browser: Browser, issuer: string, params: Record<string, string>, username: string, password: string): Promise<URL> {
  const login = await follow(browser, issuer, await browser.fetch(authUrl(issuer, params)));
  assert.equal(login.res.status, 200);
  const loginHtml = await login.res.text();
  assert.match(loginHtml, /name="password"/);
  const loginAction = /action="(\/interaction\/[^"]+\/login)"/.exec(loginHtml)![1]!;
  const consent = await follow(browser, issuer, await browser.fetch(`${issuer}${loginAction}`, form({ username, password })));
  assert.equal(consent.res.status, 200);
  const consentHtml = await consent.res.text();
  const confirmAction = /action="(\/interaction\/[^"]+\/confirm)"/.exec(consentHtml)![1]!;
  const done = await follow(browser, issuer, await browser.fetch(`${issuer}${confirmAction}`, form({})));
  return new URL(done.url);
}

export async function token(issuer: string, body: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: 'demo-web', ...body }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

