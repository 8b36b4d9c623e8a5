/**
 * The seams between a Service and its Endpoints. Providers say which endpoints exist; health
 * (active checks, outlier detection) says which may take traffic; a Balancer picks one of those
 * for each try. The proxy owns the undici Pool of each endpoint.
 */

/** One upstream instance. `id` is stable for the life of the instance (its origin by default). */
export interface Endpoint {
  readonly id: string;
  /** `http://host:port`, no path. */
  readonly origin: string;
  /** Relative share of traffic for weighted policies, >= 1. */
  readonly weight: number;
}

/**
 * What the balancer is told about the try it picks for (Envoy's LoadBalancerContext): an
 * optional hash key for consistent hashing, and the endpoints already tried by this request so
 * that a retry asks for *another* host.
 */
export interface PickContext {
  readonly hashKey?: string | undefined;
  readonly exclude?: ReadonlySet<string> | undefined;
}

/**
 * A load-balancing policy over the endpoints currently allowed to take traffic. `update` is called
 * off the hot path whenever that set changes; `pick` runs per try and must not allocate much.
 * Returns undefined when no endpoint is available (the proxy answers 503).
 */
export interface Balancer {
  update(endpoints: readonly Endpoint[]): void;
  pick(ctx: PickContext): Endpoint | undefined;
  /** Request accounting for load-aware policies (least-request); optional for the others. */
  onRequestStart?(endpointId: string): void;
  onRequestEnd?(endpointId: string): void;
}

/**
 * A source of endpoints for services (static config, embedded registry, etcd, DNS). Each
 * subscription receives the complete current list whenever it changes; a provider that loses its
 * backend keeps reporting the last known list and says how stale it is.
 */
export interface EndpointProvider {
  readonly kind: string;
  subscribe(service: string, onChange: (endpoints: readonly Endpoint[]) => void): () => void;
  /** Milliseconds since the provider last heard from its backend about `service`; 0 if current. */
  stalenessMs(service: string): number;
  close(): Promise<void>;
}
