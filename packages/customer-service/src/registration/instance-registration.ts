import { unrefTimers, type RegistryClientTimers } from '@portero/gateway/registry-client';
import type { Logger } from 'pino';

/** One discovery backend (the gateway's embedded registry, or etcd) as the instance sees it. */
export interface RegistrationBackend {
  readonly kind: 'embedded' | 'etcd';
  /** Registers `url` and keeps the registration alive (heartbeats or lease keep-alive). Rejects when it could not register. */
  register(url: string): Promise<{ id: string; ttlSeconds: number }>;
  /** Removes the registration at once and stops keeping it alive. Only called after `register` resolved. */
  deregister(): Promise<void>;
}

/** What happened to the registration when `stop()` returned. */
export type StopOutcome = 'deregistered' | 'not-registered' | 'failed' | 'timed-out';

/** The instance's registration, kept alive in the background while the process serves. */
export interface InstanceRegistration {
  /** Starts registering `url`; a failed attempt is logged and retried with backoff. Does not wait. */
  start(url: string): void;
  /** Cancels pending retries and deregisters, within `deregisterTimeoutMs`; never rejects. */
  stop(): Promise<StopOutcome>;
}

export interface InstanceRegistrationOptions {
  readonly backend: RegistrationBackend;
  readonly logger: Logger;
  readonly service: string;
  /** Wait after the first failed attempt; doubles per failure up to `retryMaxMs`. */
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  /** Bound on `stop()`: a registry that does not answer must not hold up the shutdown. */
  readonly deregisterTimeoutMs: number;
  /** Injectable so tests drive retries and the stop bound without waiting. */
  readonly timers?: RegistryClientTimers;
}

/**
 * Registration never blocks serving: the gateway (or etcd) may start later or restart, and an
 * instance that crashed on an unreachable registry would only add a restart loop to the outage.
 * So start() returns at once and failed attempts are retried with exponential backoff, each
 * failure logged; the gateway's health checks and the registry's own expiry cover the rest.
 */
export function createInstanceRegistration(options: InstanceRegistrationOptions): InstanceRegistration {
  const { backend, logger } = options;
  const timers = options.timers ?? unrefTimers;
  let attempt: Promise<boolean> | undefined;
  let retryTimer: unknown;
  let delayMs = options.retryInitialMs;
  let stopping: Promise<StopOutcome> | undefined;

  const tryRegister = async (url: string): Promise<boolean> => {
    try {
      const lease = await backend.register(url);
      logger.info({ registry: backend.kind, service: options.service, instanceId: lease.id, url, ttlSeconds: lease.ttlSeconds }, 'registered');
      return true;
    } catch (error) {
      if (stopping) return false;
      logger.warn({ err: error, registry: backend.kind, service: options.service, url, retryInMs: delayMs }, 'registration failed; retrying');
      retryTimer = timers.setTimeout(() => {
        if (!stopping) attempt = tryRegister(url);
      }, delayMs);
      delayMs = Math.min(delayMs * 2, options.retryMaxMs);
      return false;
    }
  };

  const deregister = async (): Promise<StopOutcome> => {
    // An attempt still in flight may yet succeed; wait for it so that instance is removed too.
    if (!(await attempt)) return 'not-registered';
    try {
      await backend.deregister();
      logger.info({ registry: backend.kind, service: options.service }, 'deregistered');
      return 'deregistered';
    } catch (error) {
      logger.warn({ err: error, registry: backend.kind, service: options.service }, 'deregistration failed; the lease will expire');
      return 'failed';
    }
  };

  return {
    start(url) {
      if (attempt || stopping) throw new Error('registration already started');
      attempt = tryRegister(url);
    },
    stop() {
      stopping ??= (async () => {
        timers.clearTimeout(retryTimer);
        let bound: unknown;
        const timedOut = new Promise<StopOutcome>((resolve) => {
          bound = timers.setTimeout(() => resolve('timed-out'), options.deregisterTimeoutMs);
        });
        const outcome = await Promise.race([deregister(), timedOut]);
        timers.clearTimeout(bound);
        if (outcome === 'timed-out') {
          logger.warn({ registry: backend.kind, service: options.service, timeoutMs: options.deregisterTimeoutMs }, 'deregistration timed out; the lease will expire');
        }
        return outcome;
      })();
      return stopping;
    },
  };
}
