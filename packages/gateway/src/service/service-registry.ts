/**
 * The ServiceRuntimes of the gateway, by service name, kept across reloads so that pools, health
 * state and balancer state survive a config change that does not touch them.
 */
import type { ServiceConfig } from '../config/schema.js';
import type { BalancerFactory } from './balancer-registry.js';
import { createServiceRuntime, type ServiceRuntime } from './service-runtime.js';

export interface ServiceRegistry {
  get(name: string): ServiceRuntime | undefined;
  all(): ReadonlyMap<string, ServiceRuntime>;
  /** Problems `apply` would hit, found without side effects; paths are relative to `services`. */
  check(services: Record<string, ServiceConfig>): { path: string; message: string }[];
  /** Creates, updates and removes runtimes to match `services`. Call `check` first. */
  apply(services: Record<string, ServiceConfig>): void;
  close(): Promise<void>;
}

export function createServiceRegistry(createBalancer: BalancerFactory): ServiceRegistry {
  const runtimes = new Map<string, ServiceRuntime>();
  const retiring = new Set<Promise<void>>();
  return {
    get: (name) => runtimes.get(name),
    all: () => runtimes,
    check(services) {
      const errors: { path: string; message: string }[] = [];
      for (const [name, svc] of Object.entries(services)) {
        try {
          createBalancer(svc.loadBalancer.policy);
        } catch (err) {
          errors.push({ path: `/services/${name}/loadBalancer/policy`, message: (err as Error).message });
        }
        svc.endpoints.forEach((e, i) => {
          let url: URL | undefined;
          try {
            url = new URL(e.url);
          } catch {
            url = undefined;
          }
          if (url === undefined || url.protocol !== 'http:' || (url.pathname !== '/' && url.pathname !== '') || url.search !== '') {
            errors.push({ path: `/services/${name}/endpoints/${i}/url`, message: 'must be an http origin (http://host:port) without path or query' });
          }
        });
      }
      return errors;
    },
    apply(services) {
      for (const [name, svc] of Object.entries(services)) {
        const existing = runtimes.get(name);
        if (existing === undefined) runtimes.set(name, createServiceRuntime({ name, config: svc, createBalancer }));
        else if (JSON.stringify(existing.config) !== JSON.stringify(svc)) existing.update(svc);
      }
      for (const [name, runtime] of runtimes) {
        if (services[name] !== undefined) continue;
        runtimes.delete(name);
        const p = runtime.close();
        retiring.add(p);
        void p.finally(() => retiring.delete(p));
      }
    },
    async close() {
      const all = [...runtimes.values()].map((r) => r.close());
      runtimes.clear();
      await Promise.all([...all, ...retiring]);
    },
  };
}
