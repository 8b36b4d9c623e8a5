import type { Balancer, Endpoint } from '../service/types.js';
import { createActiveHealthChecker, type ActiveHealthCheckConfig, type ActiveHealthChecker, type HealthProbe } from './active-health-checker.js';
import { systemClock, systemScheduler, type Clock, type Scheduler } from './clock.js';
import { createOutlierDetector, type OutlierDetectionConfig, type OutlierDetector } from './outlier-detector.js';
import type { UpstreamOutcome } from './outcome.js';
import type { ResilienceMetrics } from './resilience-metrics.js';

/** One endpoint as /admin/services shows it. */
export interface EndpointHealthSnapshot {
  readonly id: string;
  readonly origin: string;
  readonly weight: number;
  /** Passes active checks (always true without them). */
  readonly healthy: boolean;
  /** Clock time the outlier ejection ends, when ejected. */
  readonly ejectedUntil: number | undefined;
  readonly available: boolean;
}

/**
 * The health of one service's endpoints: the provider's list, minus those failing active checks,
 * minus those ejected by outlier detection, is pushed to the balancer whenever it changes.
 * ServiceRuntime owns one per service; the proxy reports each try's outcome through `report`.
 */
export interface ServiceHealth {
  /** The provider's current list. */
  setEndpoints(endpoints: readonly Endpoint[]): void;
  /** Passive health: the outcome of one try against `endpointId`. */
  report(endpointId: string, outcome: UpstreamOutcome): void;
  /** Endpoints that may take traffic now (what the balancer has). */
  available(): readonly Endpoint[];
  /**
   * Seconds a client should wait before retrying when no endpoint is available: until the soonest
   * ejection ends, or one active-check cycle to recovery; at least 1.
   */
  retryAfterSeconds(): number;
  snapshot(): EndpointHealthSnapshot[];
  close(): Promise<void>;
}

export interface ServiceHealthOptions {
  readonly service: string;
  /** Receives the available endpoints on every change: the service's balancer, or the runtime's availability flags. */
  readonly balancer: Pick<Balancer, 'update'>;
  readonly activeCheck?: ActiveHealthCheckConfig | undefined;
  readonly outlierDetection?: OutlierDetectionConfig | undefined;
  readonly probe?: HealthProbe;
  readonly clock?: Clock;
  readonly scheduler?: Scheduler;
  readonly metrics?: ResilienceMetrics | undefined;
  /** Told after every change of the available set (logging, admin events). */
  readonly onAvailabilityChange?: (available: readonly Endpoint[]) => void;
}

export function createServiceHealth(options: ServiceHealthOptions): ServiceHealth {
  const { service, balancer, metrics } = options;
  const clock = options.clock ?? systemClock;
  const scheduler = options.scheduler ?? systemScheduler;
  let endpoints: readonly Endpoint[] = [];
  let available: readonly Endpoint[] = [];

  const recompute = (): void => {
    available = endpoints.filter((e) => (checker?.isHealthy(e.id) ?? true) && !(outlier?.isEjected(e.id) ?? false));
    balancer.update(available);
    if (metrics) {
      const up = new Set(available.map((e) => e.id));
      for (const e of endpoints) metrics.endpointHealthy.set({ service, endpoint: e.id }, up.has(e.id) ? 1 : 0);
    }
    options.onAvailabilityChange?.(available);
  };

  const outlier: OutlierDetector | undefined = options.outlierDetection
    ? createOutlierDetector({
        config: options.outlierDetection,
        clock,
        scheduler,
        onChange: () => recompute(),
        onEject: () => metrics?.outlierEjections.inc({ service }),
      })
    : undefined;

  const checker: ActiveHealthChecker | undefined = options.activeCheck
    ? createActiveHealthChecker({
        config: options.activeCheck,
        probe: options.probe,
        scheduler,
        onChange: () => recompute(),
        // Envoy's successful_active_health_check_uneject_host: a passing probe ends an ejection.
        onProbeSuccess: (id) => outlier?.uneject(id),
      })
    : undefined;

  return {
    setEndpoints(next) {
      if (metrics) {
        const ids = new Set(next.map((e) => e.id));
        for (const e of endpoints) if (!ids.has(e.id)) metrics.endpointHealthy.remove({ service, endpoint: e.id });
      }
      endpoints = next;
      outlier?.update(next.map((e) => e.id));
      checker?.update(next);
      recompute();
    },
    report(endpointId, outcome) {
      outlier?.report(endpointId, outcome);
    },
    available: () => available,
    retryAfterSeconds() {
      const now = clock();
      let waitMs = Infinity;
      for (const e of endpoints) {
        const until = outlier?.ejectedUntil(e.id);
        if (until !== undefined && (checker?.isHealthy(e.id) ?? true)) waitMs = Math.min(waitMs, until - now);
        else if (options.activeCheck && !(checker?.isHealthy(e.id) ?? true)) {
          waitMs = Math.min(waitMs, options.activeCheck.intervalMs * options.activeCheck.healthyThreshold);
        }
      }
      return Number.isFinite(waitMs) ? Math.max(1, Math.ceil(waitMs / 1000)) : 1;
    },
    snapshot() {
      const up = new Set(available.map((e) => e.id));
      return endpoints.map((e) => ({
        id: e.id,
        origin: e.origin,
        weight: e.weight,
        healthy: checker?.isHealthy(e.id) ?? true,
        ejectedUntil: outlier?.ejectedUntil(e.id),
        available: up.has(e.id),
      }));
    },
    async close() {
      outlier?.close();
      await checker?.close();
      if (metrics) for (const e of endpoints) metrics.endpointHealthy.remove({ service, endpoint: e.id });
    },
  };
}
