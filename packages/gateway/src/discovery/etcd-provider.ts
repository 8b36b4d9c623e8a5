import { Etcd3, type IOptions, type Watcher } from 'etcd3';
import { systemClock, systemScheduler, type Clock, type Scheduler } from '../health/clock.js';
import type { Endpoint, EndpointProvider } from '../service/types.js';
import { createSubscriberSet, toOrigin } from './endpoint-list.js';

/** Static config `providers.etcd`. */
export interface EtcdProviderConfig {
  /** etcd client URLs. */
  readonly hosts: readonly string[];
  /** Key prefix; an instance lives at `<prefix><service>/<instanceId>` → `{"url","weight"}`. */
  readonly prefix: string;
  /** Time to connect to etcd. */
  readonly dialTimeoutMs: number;
  /** Time each unary etcd call may take. */
  readonly callTimeoutMs: number;
  /** Wait before the initial load of a service is tried again after a failure. */
  readonly retryMs: number;
}

export const defaultEtcdProviderConfig: EtcdProviderConfig = {
  hosts: ['http://127.0.0.1:2379'],
  prefix: '/portero/services/',
  dialTimeoutMs: 2000,
  callTimeoutMs: 3000,
  retryMs: 1000,
};

export interface EtcdProviderOptions {
  readonly config?: Partial<EtcdProviderConfig>;
  readonly clock?: Clock;
  readonly scheduler?: Scheduler;
  /** Told when a service's view becomes current or stale (etcd unreachable). */
  readonly onStateChange?: (service: string, state: 'current' | 'stale', error?: Error) => void;
}

/** An instance's value under the prefix; entries that do not parse are skipped. */
export function parseInstanceValue(id: string, value: string): Endpoint | undefined {
  try {
    const parsed = JSON.parse(value) as { url?: unknown; weight?: unknown };
    const origin = typeof parsed.url === 'string' ? toOrigin(parsed.url) : undefined;
    if (!origin) return undefined;
    const weight = Number.isInteger(parsed.weight) && (parsed.weight as number) >= 1 && (parsed.weight as number) <= 1000 ? (parsed.weight as number) : 1;
    return { id, origin, weight };
  } catch {
    return undefined;
  }
}

interface ServiceWatch {
  readonly keyPrefix: string;
  readonly instances: Map<string, Endpoint>;
  watcher: Watcher | undefined;
  /** Clock time the view stopped being current; undefined while current. */
  staleSince: number | undefined;
  retryTimer: unknown;
}

/**
 * Endpoints from etcd: each watched service is read once (getAll with its revision) and then
 * followed by a watch from the next revision, so no change between the two is lost and several
 * gateways watching the same prefix see the same instances. When etcd becomes unreachable the
 * last known list keeps serving and `stalenessMs` counts up until the watch reconnects (the etcd3
 * client reconnects with backoff and resumes from the last revision it saw).
 */
export function createEtcdProvider(options: EtcdProviderOptions = {}): EndpointProvider {
  const config = { ...defaultEtcdProviderConfig, ...options.config };
  const clock = options.clock ?? systemClock;
  const scheduler = options.scheduler ?? systemScheduler;
  const clientOptions: IOptions = {
    hosts: [...config.hosts],
    dialTimeout: config.dialTimeoutMs,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + config.callTimeoutMs }),
  };
  const client = new Etcd3(clientOptions);
  const subscribers = createSubscriberSet();
  const watches = new Map<string, ServiceWatch>();
  let closed = false;

  const publish = (service: string, w: ServiceWatch): void => subscribers.publish(service, [...w.instances.values()]);

  const markStale = (service: string, w: ServiceWatch, error?: Error): void => {
    if (w.staleSince !== undefined) return;
    w.staleSince = clock();
    options.onStateChange?.(service, 'stale', error);
  };
  const markCurrent = (service: string, w: ServiceWatch): void => {
    if (w.staleSince === undefined) return;
    w.staleSince = undefined;
    options.onStateChange?.(service, 'current');
  };

  const idOf = (w: ServiceWatch, key: Buffer): string | undefined => {
    const rest = key.toString().slice(w.keyPrefix.length);
    return rest.length > 0 && !rest.includes('/') ? rest : undefined;
  };

  async function load(service: string, w: ServiceWatch): Promise<void> {
    try {
      const res = await client.getAll().prefix(w.keyPrefix).exec();
      if (closed) return;
      w.instances.clear();
      for (const kv of res.kvs) {
        const id = idOf(w, kv.key);
        const endpoint = id && parseInstanceValue(id, kv.value.toString());
        if (endpoint) w.instances.set(endpoint.id, endpoint);
      }
      publish(service, w);
      markCurrent(service, w);
      // Listeners go on before the watch connects, so a drop during connect is seen as well.
      const watcher = client.watch().prefix(w.keyPrefix).startRevision(String(Number(res.header.revision) + 1)).watcher();
      w.watcher = watcher;
      watcher.on('put', (kv) => {
        const id = idOf(w, kv.key);
        if (!id) return;
        const endpoint = parseInstanceValue(id, kv.value.toString());
        if (endpoint) w.instances.set(id, endpoint);
        else w.instances.delete(id);
        publish(service, w);
      });
      watcher.on('delete', (kv) => {
        const id = idOf(w, kv.key);
        if (id && w.instances.delete(id)) publish(service, w);
      });
      watcher.on('disconnected', (err) => markStale(service, w, err));
      watcher.on('connected', () => markCurrent(service, w));
      watcher.on('error', (err) => markStale(service, w, err));
    } catch (err) {
      if (closed) return;
      markStale(service, w, err as Error);
      w.retryTimer = scheduler.setTimeout(() => void load(service, w), config.retryMs);
    }
  }

  return {
    kind: 'etcd',
    subscribe(service, onChange) {
      const unsubscribe = subscribers.subscribe(service, onChange);
      if (!watches.has(service)) {
        // Stale until the first load answers: nothing is known yet.
        const w: ServiceWatch = { keyPrefix: `${config.prefix}${service}/`, instances: new Map(), watcher: undefined, staleSince: clock(), retryTimer: undefined };
        watches.set(service, w);
        void load(service, w);
      }
      return unsubscribe;
    },
    stalenessMs(service) {
      const since = watches.get(service)?.staleSince;
      return since === undefined ? 0 : Math.max(0, clock() - since);
    },
    async close() {
      closed = true;
      for (const w of watches.values()) {
        scheduler.clearTimeout(w.retryTimer);
        await w.watcher?.cancel().catch(() => {});
      }
      watches.clear();
      client.close();
    },
  };
}
