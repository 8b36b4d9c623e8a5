/**
 * Registration client for the gateway's embedded registry, for the services behind the gateway.
 * Self-contained on purpose (no gateway imports, only global fetch), so a service can import it or
 * copy the file. Usage:
 *
 *   const registration = createRegistryClient({ registryUrl: 'http://127.0.0.1:8081', token, service: 'customers', url: 'http://127.0.0.1:3001' });
 *   await registration.start();              // after the server listens
 *   process.on('SIGTERM', () => registration.stop());  // before closing the server
 */

/** Timer functions, injectable so tests drive heartbeats without waiting. */
export interface RegistryClientTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface RegistryClientOptions {
  /** Origin of the gateway's admin listener, e.g. `http://127.0.0.1:8081`. */
  readonly registryUrl: string;
  /** The registration token (not the admin token). */
  readonly token: string;
  readonly service: string;
  /** This instance's own origin, as the gateway should reach it. */
  readonly url: string;
  /** Stable instance id; the registry assigns one when omitted. */
  readonly id?: string;
  readonly weight?: number;
  /** Lease asked for; the registry may clamp it. Default 15. */
  readonly ttlSeconds?: number;
  /** Time each registry call may take. Default 2000. */
  readonly requestTimeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly timers?: RegistryClientTimers;
  /** Told about failed heartbeats and re-registrations; the client keeps trying. */
  readonly onError?: (error: Error) => void;
}

export interface RegistryClient {
  /** Registers and starts heartbeats (every third of the granted lease). Rejects when registration fails. */
  start(): Promise<{ id: string; ttlSeconds: number }>;
  /** Stops heartbeats and deregisters, so the gateway stops sending traffic before shutdown. */
  stop(): Promise<void>;
  /** The instance id, once registered. */
  id(): string | undefined;
}

export class RegistryClientError extends Error {
  constructor(readonly status: number, readonly code: string | undefined) {
    super(`registry answered ${status}${code ? ` ${code}` : ''}`);
    this.name = 'RegistryClientError';
  }
}

/** Real timers, unref'd: a pending heartbeat or retry must not keep a stopping process alive. */
export const unrefTimers: RegistryClientTimers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export function createRegistryClient(options: RegistryClientOptions): RegistryClient {
  const doFetch = options.fetch ?? fetch;
  const timers = options.timers ?? unrefTimers;
  const timeoutMs = options.requestTimeoutMs ?? 2000;
  const base = `${options.registryUrl.replace(/\/+$/, '')}/registry/services/${encodeURIComponent(options.service)}/instances`;
  let id = options.id;
  let ttlSeconds = options.ttlSeconds ?? 15;
  let timer: unknown;
  let running = false;

  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> => {
    const res = await doFetch(base + path, {
      method,
      headers: { authorization: `Bearer ${options.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };

  const register = async (): Promise<{ id: string; ttlSeconds: number }> => {
    const { status, json } = await call('POST', '', { id, url: options.url, weight: options.weight, ttlSeconds: options.ttlSeconds });
    if (status !== 200 && status !== 201) throw new RegistryClientError(status, json?.error?.code);
    id = json.id as string;
    ttlSeconds = json.ttlSeconds as number;
    return { id, ttlSeconds };
  };

  const schedule = (): void => {
    // Three heartbeats per lease: one lost heartbeat never lets the lease lapse.
    timer = timers.setTimeout(() => void beat(), Math.max(250, (ttlSeconds * 1000) / 3));
  };

  const beat = async (): Promise<void> => {
    try {
      const { status, json } = await call('PUT', `/${encodeURIComponent(id!)}/heartbeat`);
      // The lease lapsed (gateway restarted, or a long pause): register again under the same id.
      if (status === 404 && running) await register();
      else if (status !== 200) throw new RegistryClientError(status, json?.error?.code);
    } catch (err) {
      options.onError?.(err as Error);
    }
    if (running) schedule();
  };

  return {
    async start() {
      const lease = await register();
      running = true;
      schedule();
      return lease;
    },
    async stop() {
      running = false;
      timers.clearTimeout(timer);
      if (id === undefined) return;
      const { status, json } = await call('DELETE', `/${encodeURIComponent(id)}`);
      if (status !== 204 && status !== 404) throw new RegistryClientError(status, json?.error?.code);
    },
    id: () => id,
  };
}
