import { systemClock, systemScheduler, type Clock, type Scheduler } from './clock.js';
import { isGatewayFailure, isServerFailure, type UpstreamOutcome } from './outcome.js';

/** Passive outlier detection, Envoy's fields in camelCase with units. 0 disables a detector. */
export interface OutlierDetectionConfig {
  /** Consecutive 5xx responses (or network errors) that eject an endpoint. */
  readonly consecutive5xx: number;
  /** Consecutive 502/503/504 responses or connect/reset/timeout errors that eject an endpoint. */
  readonly consecutiveGatewayFailure: number;
  /** An ejection lasts this long times the number of times the endpoint has been ejected. */
  readonly baseEjectionTimeMs: number;
  /** Upper bound of one ejection. */
  readonly maxEjectionTimeMs: number;
  /** Most endpoints ejected at once, in percent of the service's endpoints (at least one may be). */
  readonly maxEjectionPercent: number;
}

export interface OutlierDetector {
  /** Tells the detector the endpoints the service has now; state of those that left is dropped. */
  update(endpointIds: readonly string[]): void;
  report(endpointId: string, outcome: UpstreamOutcome): void;
  isEjected(endpointId: string): boolean;
  /** Ends an ejection early (a passing active check). */
  uneject(endpointId: string): void;
  /** When the ejection ends (clock time), or undefined when not ejected. */
  ejectedUntil(endpointId: string): number | undefined;
  close(): void;
}

export interface OutlierDetectorOptions {
  readonly config: OutlierDetectionConfig;
  readonly clock?: Clock;
  readonly scheduler?: Scheduler;
  /** Called when an endpoint is ejected or comes back. */
  readonly onChange: (endpointId: string, ejected: boolean) => void;
  readonly onEject?: (endpointId: string) => void;
}

interface State {
  consecutive5xx: number;
  consecutiveGateway: number;
  timesEjected: number;
  ejectedUntil: number | undefined;
  lastReturnAt: number;
  timer: unknown;
}

export function createOutlierDetector(options: OutlierDetectorOptions): OutlierDetector {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const scheduler = options.scheduler ?? systemScheduler;
  const states = new Map<string, State>();

  const ejectedCount = (): number => {
    let n = 0;
    for (const s of states.values()) if (s.ejectedUntil !== undefined) n++;
    return n;
  };

  const bringBack = (id: string, s: State): void => {
    scheduler.clearTimeout(s.timer);
    s.ejectedUntil = undefined;
    s.timer = undefined;
    s.consecutive5xx = 0;
    s.consecutiveGateway = 0;
    s.lastReturnAt = clock();
    options.onChange(id, false);
  };

  const eject = (id: string, s: State): void => {
    // Envoy's rule: never eject beyond the cap, but always allow one so a lone bad endpoint goes.
    const cap = Math.max(1, Math.floor((states.size * config.maxEjectionPercent) / 100));
    if (config.maxEjectionPercent <= 0 || ejectedCount() >= cap) return;
    // An endpoint that stayed well for a whole max ejection time starts its multiplier over.
    if (s.timesEjected > 0 && clock() - s.lastReturnAt >= config.maxEjectionTimeMs) s.timesEjected = 0;
    s.timesEjected++;
    const duration = Math.min(config.baseEjectionTimeMs * s.timesEjected, config.maxEjectionTimeMs);
    s.ejectedUntil = clock() + duration;
    s.timer = scheduler.setTimeout(() => bringBack(id, s), duration);
    options.onEject?.(id);
    options.onChange(id, true);
  };

  return {
    update(endpointIds) {
      const next = new Set(endpointIds);
      for (const [id, s] of states) {
        if (!next.has(id)) {
          scheduler.clearTimeout(s.timer);
          states.delete(id);
        }
      }
      for (const id of endpointIds) {
        if (!states.has(id)) states.set(id, { consecutive5xx: 0, consecutiveGateway: 0, timesEjected: 0, ejectedUntil: undefined, lastReturnAt: -Infinity, timer: undefined });
      }
    },
    report(endpointId, outcome) {
      const s = states.get(endpointId);
      if (!s || s.ejectedUntil !== undefined) return;
      if (!isServerFailure(outcome)) {
        s.consecutive5xx = 0;
        s.consecutiveGateway = 0;
        return;
      }
      s.consecutive5xx++;
      s.consecutiveGateway = isGatewayFailure(outcome) ? s.consecutiveGateway + 1 : 0;
      const by5xx = config.consecutive5xx > 0 && s.consecutive5xx >= config.consecutive5xx;
      const byGateway = config.consecutiveGatewayFailure > 0 && s.consecutiveGateway >= config.consecutiveGatewayFailure;
      if (by5xx || byGateway) eject(endpointId, s);
    },
    isEjected: (endpointId) => states.get(endpointId)?.ejectedUntil !== undefined,
    uneject(endpointId) {
      const s = states.get(endpointId);
      if (s?.ejectedUntil !== undefined) bringBack(endpointId, s);
    },
    ejectedUntil: (endpointId) => states.get(endpointId)?.ejectedUntil,
    close() {
      for (const s of states.values()) scheduler.clearTimeout(s.timer);
      states.clear();
    },
  };
}
