import { Agent, request } from 'undici';
import type { Endpoint } from '../service/types.js';
import { systemScheduler, type Scheduler } from './clock.js';

/** Settings of a service's active HTTP health check. */
export interface ActiveHealthCheckConfig {
  /** Path probed on every endpoint, e.g. `/health/ready`. */
  readonly path: string;
  /** Time between two probes of one endpoint. */
  readonly intervalMs: number;
  /** A probe without a response head within this time fails. */
  readonly timeoutMs: number;
  /** Consecutive passing probes that bring an unhealthy endpoint back. */
  readonly healthyThreshold: number;
  /** Consecutive failing probes that take a healthy endpoint out. */
  readonly unhealthyThreshold: number;
}

/** One probe: resolves true when the endpoint is fit for traffic. Must honour `signal`. */
export type HealthProbe = (endpoint: Endpoint, signal: AbortSignal) => Promise<boolean>;

export interface ActiveHealthChecker {
  /** Starts probing endpoints that are new and stops probing those that left. */
  update(endpoints: readonly Endpoint[]): void;
  /** New endpoints count as healthy until `unhealthyThreshold` probes fail. */
  isHealthy(endpointId: string): boolean;
  close(): Promise<void>;
}

export interface ActiveHealthCheckerOptions {
  readonly config: ActiveHealthCheckConfig;
  /** Defaults to an HTTP GET of `config.path` expecting 2xx. */
  readonly probe?: HealthProbe;
  readonly scheduler?: Scheduler;
  /** Called when an endpoint crosses a threshold. */
  readonly onChange: (endpointId: string, healthy: boolean) => void;
  /** Called after every passing probe (outlier detection uses it to un-eject). */
  readonly onProbeSuccess?: (endpointId: string) => void;
}

/**
 * HTTP probe through its own small Agent, so health traffic never waits behind data-plane requests
 * in the endpoint's pool and a stuck endpoint cannot exhaust the pool's connections.
 */
export function createHttpProbe(path: string): { probe: HealthProbe; close(): Promise<void> } {
  const agent = new Agent({ connections: 2, keepAliveTimeout: 1000 });
  return {
    async probe(endpoint, signal) {
      try {
        const res = await request(new URL(path, endpoint.origin), { method: 'GET', dispatcher: agent, signal });
        await res.body.dump();
        return res.statusCode >= 200 && res.statusCode < 300;
      } catch {
        return false;
      }
    },
    close: () => agent.close(),
  };
}

interface EndpointState {
  endpoint: Endpoint;
  healthy: boolean;
  passes: number;
  failures: number;
  timer: unknown;
  inFlight: AbortController | undefined;
  removed: boolean;
}

export function createActiveHealthChecker(options: ActiveHealthCheckerOptions): ActiveHealthChecker {
  const { config } = options;
  const scheduler = options.scheduler ?? systemScheduler;
  const http = options.probe ? undefined : createHttpProbe(config.path);
  const probe = options.probe ?? http!.probe;
  const states = new Map<string, EndpointState>();
  let closed = false;

  const schedule = (s: EndpointState): void => {
    s.timer = scheduler.setTimeout(() => void run(s), config.intervalMs);
  };

  const record = (s: EndpointState, ok: boolean): void => {
    if (ok) {
      s.failures = 0;
      s.passes++;
      options.onProbeSuccess?.(s.endpoint.id);
      if (!s.healthy && s.passes >= config.healthyThreshold) {
        s.healthy = true;
        options.onChange(s.endpoint.id, true);
      }
    } else {
      s.passes = 0;
      s.failures++;
      if (s.healthy && s.failures >= config.unhealthyThreshold) {
        s.healthy = false;
        options.onChange(s.endpoint.id, false);
      }
    }
  };

  async function run(s: EndpointState): Promise<void> {
    const controller = new AbortController();
    s.inFlight = controller;
    const timeout = scheduler.setTimeout(() => controller.abort(), config.timeoutMs);
    let ok: boolean;
    try {
      ok = await probe(s.endpoint, controller.signal);
    } catch {
      ok = false;
    }
    scheduler.clearTimeout(timeout);
    // A probe that finished only because it was aborted by its timeout is a failure.
    if (controller.signal.aborted) ok = false;
    s.inFlight = undefined;
    if (s.removed || closed) return;
    record(s, ok);
    schedule(s);
  }

  const stop = (s: EndpointState): void => {
    s.removed = true;
    scheduler.clearTimeout(s.timer);
    s.inFlight?.abort();
  };

  return {
    update(endpoints) {
      const next = new Set(endpoints.map((e) => e.id));
      for (const [id, s] of states) {
        if (!next.has(id)) {
          stop(s);
          states.delete(id);
        }
      }
      for (const endpoint of endpoints) {
        const existing = states.get(endpoint.id);
        if (existing) {
          existing.endpoint = endpoint;
          continue;
        }
        const s: EndpointState = { endpoint, healthy: true, passes: 0, failures: 0, timer: undefined, inFlight: undefined, removed: false };
        states.set(endpoint.id, s);
        // First probe right away so a dead endpoint is found within one timeout, not one interval.
        s.timer = scheduler.setTimeout(() => void run(s), 0);
      }
    },
    isHealthy(endpointId) {
      return states.get(endpointId)?.healthy ?? true;
    },
    async close() {
      closed = true;
      for (const s of states.values()) stop(s);
      states.clear();
      await http?.close();
    },
  };
}
