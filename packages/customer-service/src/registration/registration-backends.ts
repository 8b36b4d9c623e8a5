import { registerEtcdInstance, type EtcdRegistration } from '@portero/gateway/etcd-registration';
import { createRegistryClient, type RegistryClient, type RegistryClientTimers } from '@portero/gateway/registry-client';
import type { Logger } from 'pino';
import type { RegistrationConfig } from '../config.js';
import type { RegistrationBackend } from './instance-registration.js';

type EmbeddedConfig = Extract<RegistrationConfig, { kind: 'embedded' }>;
type EtcdConfig = Extract<RegistrationConfig, { kind: 'etcd' }>;

/**
 * The default instance id: the advertised host and port. A restarted instance (same address)
 * takes over its old entry instead of leaving a twin until the old lease expires.
 */
export function defaultInstanceId(url: string): string {
  const parsed = new URL(url);
  const port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
  const id = `${parsed.hostname.replace(/[[\]]/g, '')}-${port}`.replace(/[^A-Za-z0-9._:-]/g, '_');
  // Ids must start with a letter or digit (an IPv6 address such as ::1 does not).
  return /^[A-Za-z0-9]/.test(id) ? id : `i${id}`;
}

/** The gateway's embedded registry, through the gateway's own registration client (heartbeats every third of the lease). */
export function createEmbeddedBackend(config: EmbeddedConfig, logger: Logger, deps: { fetch?: typeof fetch; timers?: RegistryClientTimers } = {}): RegistrationBackend {
  let client: RegistryClient | undefined;
  return {
    kind: 'embedded',
    register(url) {
      client ??= createRegistryClient({
        registryUrl: config.registryUrl,
        token: config.registryToken,
        service: config.serviceName,
        url,
        id: config.instanceId ?? defaultInstanceId(url),
        ttlSeconds: config.ttlSeconds,
        requestTimeoutMs: config.requestTimeoutMs,
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
        ...(deps.timers ? { timers: deps.timers } : {}),
        // The client keeps heartbeating (and registers again after a lapsed lease); we only log.
        onError: (error) => logger.warn({ err: error, registry: 'embedded', service: config.serviceName }, 'registry heartbeat failed'),
      });
      return client.start();
    },
    async deregister() {
      await client?.stop();
    },
  };
}

/** etcd: the key `<prefix><service>/<id>` under a lease the etcd3 client keeps alive; revoking it deletes the key at once. */
export function createEtcdBackend(config: EtcdConfig, logger: Logger): RegistrationBackend {
  let registration: EtcdRegistration | undefined;
  return {
    kind: 'etcd',
    async register(url) {
      const id = config.instanceId ?? defaultInstanceId(url);
      registration = await registerEtcdInstance({
        hosts: config.etcdHosts,
        prefix: config.etcdPrefix,
        service: config.serviceName,
        id,
        url,
        ttlSeconds: config.ttlSeconds,
        retryMs: config.retryInitialMs,
        onLost: (error) => logger.warn({ err: error, registry: 'etcd', service: config.serviceName }, 'etcd lease lost; registering again'),
      });
      return { id, ttlSeconds: config.ttlSeconds };
    },
    async deregister() {
      await registration?.close();
    },
  };
}
