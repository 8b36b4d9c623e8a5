/**
 * Bounded JSON fetch for discovery documents, key sets and introspection answers: a hard timeout
 * over the whole exchange, a body size limit, no redirects (a redirect could move key material
 * to a host nobody configured), and only 200 counts as success.
 */

/** The subset of `fetch` the auth module uses; tests inject their own. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface FetchJsonOptions {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly fetch?: FetchLike | undefined;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export interface FetchJsonResult {
  readonly body: unknown;
  /** `max-age` of the response's Cache-Control, in seconds, when present. */
  readonly maxAgeSeconds: number | undefined;
}

export class AuthFetchError extends Error {
  override readonly name = 'AuthFetchError';
}

export async function fetchJson(url: string, options: FetchJsonOptions): Promise<FetchJsonResult> {
  const doFetch = options.fetch ?? fetch;
  const signal = AbortSignal.timeout(options.timeoutMs);
  let res: Response;
  try {
    res = await doFetch(url, {
      method: options.method ?? 'GET',
      headers: { accept: 'application/json', ...options.headers },
      body: options.body,
      redirect: 'error',
      signal,
    });
  } catch (err) {
    throw new AuthFetchError(`fetch ${url} failed: ${(err as Error).message}`);
  }
  if (res.status !== 200) {
    await res.body?.cancel().catch(() => undefined);
    throw new AuthFetchError(`fetch ${url} answered ${res.status}`);
  }
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new AuthFetchError(`fetch ${url}: body of ${declared} bytes exceeds ${options.maxBytes}`);
  }
  const text = await readLimited(res, options.maxBytes, url);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AuthFetchError(`fetch ${url}: body is not JSON`);
  }
  return { body, maxAgeSeconds: parseMaxAge(res.headers.get('cache-control')) };
}

async function readLimited(res: Response, maxBytes: number, url: string): Promise<string> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new AuthFetchError(`fetch ${url}: body exceeds ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof AuthFetchError) throw err;
    throw new AuthFetchError(`fetch ${url}: reading the body failed: ${(err as Error).message}`);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function parseMaxAge(cacheControl: string | null): number | undefined {
  if (cacheControl === null) return undefined;
  const m = /(?:^|[\s,])max-age\s*=\s*"?(\d+)"?/i.exec(cacheControl);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}
