/**
 * The gateway composition: data-plane listener, admin listener, services, compiled routes and
 * hot reload. The dynamic sections (`services`, `routes`) are compiled whole and swapped with one
 * reference assignment; requests keep the snapshot they started with. Static sections are read
 * once; a reload that changes them applies the dynamic part and warns that the rest needs a restart.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createAdminServer, type AdminPlugin } from './admin/admin-server.js';
import { watchConfigFile, type ConfigWatcher } from './config-watcher.js';
import { loadConfigFile, type ConfigResult } from './config/load.js';
import type { GatewayConfig } from './config/schema.js';
import { changedStaticSections, DYNAMIC_SECTIONS } from './config/sections.js';
import { createTrustedProxies } from './http/trusted-proxies.js';
import { createUpstreamHeaderBuilder } from './http/upstream-headers.js';
import { createDataListener, type DataListener } from './listener/data-listener.js';
import { createAccessLog, type AccessLog } from './logging/access-log.js';
import { createLogger, flushLogger } from './logging/logger.js';
import { createGatewayMetrics, type GatewayMetrics } from './metrics/gateway-metrics.js';
import { createProxyTerminal } from './proxy/proxy-terminal.js';
import { createEmbeddedRegistry, type EmbeddedRegistry } from './discovery/embedded-registry.js';
import { createRegistryAdminPlugin } from './discovery/registry-admin-plugin.js';
import { createResilienceController, type ResilienceController } from './health/resilience-controller.js';
import { createResilientProxyTerminal } from './retry/resilient-proxy-terminal.js';
import { createSharedResources, type ClosableResources } from './resources.js';
import type { RouteSnapshot } from './router/compiled-route.js';
import { compileRoutes, type ConfigIssue } from './router/compile-routes.js';
import { defaultBalancerFactory, type BalancerFactory } from './service/balancer-registry.js';
import { createServiceRegistry } from './service/service-registry.js';
import type { ServiceRuntime } from './service/service-runtime.js';

export interface GatewayOptions {
  /** The validated, defaulted config to start with. */
  config: GatewayConfig;
  /** File `reload()` reads; also watched for changes unless `watch` is false. */
  configFile?: string;
  /** Watch `configFile` and reload on change (default true when a file is given). */
  watch?: boolean;
  logger?: Logger;
  /** Environment for the admin token (PORTERO_ADMIN_TOKEN) and the loader's ${VAR}s. */
  env?: NodeJS.ProcessEnv;
  /** Extra Fastify plugins for the admin listener, registered behind the admin token. */
  adminPlugins?: readonly AdminPlugin[];
  /** Balancer per `loadBalancer.policy`; default knows round-robin. */
  createBalancer?: BalancerFactory;
  /** Reads and validates `configFile`; defaults to config/load.ts `loadConfigFile`. */
  loadConfig?: (file: string, env: NodeJS.ProcessEnv) => Promise<ConfigResult<GatewayConfig>>;
  /** Include prom-client's process metrics (default true). */
  defaultMetrics?: boolean;
  /**
   * Discovery providers, active/passive health, retries, retry budget and circuit breaker per
   * service (default true). False keeps the plain one-try proxy.
   */
  resilience?: boolean;
}

export interface ReloadResult {
  ok: boolean;
  errors?: ConfigIssue[];
  /** Dynamic sections that changed. */
  changed?: string[];
  /** Static sections that changed and were ignored (restart required). */
  ignored?: string[];
}

export interface Gateway {
  listen(): Promise<{ port: number; adminPort: number }>;
  /** Reads `configFile` again and applies it. */
  reload(): Promise<ReloadResult>;
  /** Applies an already loaded config (what `reload` does after reading the file). */
  applyConfig(config: GatewayConfig): Promise<ReloadResult>;
  /** Graceful drain: stop accepting, let in-flight requests finish (limits.drainTimeoutMs), close pools. */
  close(): Promise<void>;
  config(): GatewayConfig;
  snapshot(): RouteSnapshot;
  services(): ReadonlyMap<string, ServiceRuntime>;
  /** Called after every successful (re)load with the current runtimes (health checks attach here). */
  onServicesChanged(listener: (services: ReadonlyMap<string, ServiceRuntime>) => void): () => void;
  isReady(): boolean;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  readonly resources: ClosableResources;
}

export class GatewayConfigError extends Error {
  readonly errors: ConfigIssue[];
  constructor(errors: ConfigIssue[]) {
    super(`invalid configuration: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
    this.name = 'GatewayConfigError';
    this.errors = errors;
  }
}

export function createGateway(options: GatewayOptions): Gateway {
  const env = options.env ?? process.env;
  const initial = options.config;
  const logger = options.logger ?? createLogger({ level: initial.logging.level, bufferBytes: initial.logging.bufferBytes, flushIntervalMs: initial.logging.flushIntervalMs, syncWrites: initial.logging.syncWrites });
  const metrics = createGatewayMetrics({ defaultMetrics: options.defaultMetrics });
  const resources = createSharedResources();
  const registry = createServiceRegistry(options.createBalancer ?? defaultBalancerFactory);
  const loadConfig = options.loadConfig ?? loadConfigFile;
  const registryToken = env.PORTERO_REGISTRY_TOKEN !== undefined && env.PORTERO_REGISTRY_TOKEN !== '' ? env.PORTERO_REGISTRY_TOKEN : initial.providers.registry.token;
  const embeddedRegistry: EmbeddedRegistry | undefined =
    options.resilience !== false && registryToken !== undefined ? createEmbeddedRegistry({ config: initial.providers.registry }) : undefined;
  const resilience: ResilienceController | undefined =
    options.resilience !== false ? createResilienceController({ registry: metrics.registry, providers: initial.providers, embeddedRegistry }) : undefined;
  const terminal = resilience
    ? createResilientProxyTerminal({ metrics, maxBodyBytes: initial.limits.maxBodyBytes, resilience: resilience.get })
    : createProxyTerminal({ metrics, maxBodyBytes: initial.limits.maxBodyBytes });
  const serviceListeners = new Set<(services: ReadonlyMap<string, ServiceRuntime>) => void>();

  let config = initial;
  let snapshot: RouteSnapshot | undefined;
  let listener: DataListener | undefined;
  let accessLog: AccessLog | null = null;
  let admin: FastifyInstance | undefined;
  let watcher: ConfigWatcher | undefined;
  let ready = false;
  let closing: Promise<void> | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  async function apply(next: GatewayConfig, initialLoad: boolean): Promise<ReloadResult> {
    const ignored = initialLoad ? [] : changedStaticSections(config as Record<string, unknown>, next as Record<string, unknown>);
    if (ignored.length > 0) logger.warn({ sections: ignored }, 'static config sections changed; they apply after a restart');
    const merged: GatewayConfig = { ...config, services: next.services, routes: next.routes };
    const errors = registry.check(merged.services);
    const compiled = await compileRoutes(merged, { logger, metrics, resources, terminal });
    if (!compiled.ok) errors.push(...compiled.errors);
    if (errors.length > 0 || !compiled.ok) return { ok: false, errors };
    registry.apply(merged.services);
    for (const route of compiled.snapshot.routes) route.service = registry.get(route.serviceName) as ServiceRuntime;
    resilience?.sync(registry.all());
    const changed = initialLoad
      ? [...DYNAMIC_SECTIONS]
      : DYNAMIC_SECTIONS.filter((k) => JSON.stringify((config as Record<string, unknown>)[k]) !== JSON.stringify((merged as Record<string, unknown>)[k]));
    // The swap: new requests see the new snapshot; running ones hold their own reference.
    snapshot = compiled.snapshot;
    config = merged;
    for (const l of serviceListeners) l(registry.all());
    return { ok: true, changed, ignored };
  }

  function serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  }

  const gateway: Gateway = {
    metrics,
    logger,
    resources,
    config: () => config,
    snapshot() {
      if (snapshot === undefined) throw new Error('the gateway has not loaded its config yet');
      return snapshot;
    },
    services: () => registry.all(),
    isReady: () => ready,
    onServicesChanged(l) {
      serviceListeners.add(l);
      return () => serviceListeners.delete(l);
    },
    applyConfig(next) {
      return serialized(async () => {
        const result = await apply(next, false);
        if (result.ok) logger.info({ changed: result.changed, ignored: result.ignored }, 'config reloaded');
        else logger.warn({ errors: result.errors }, 'config reload refused; the last good config keeps serving');
        return result;
      });
    },
    async reload() {
      if (options.configFile === undefined) return { ok: false, errors: [{ path: '', message: 'the gateway was started without a config file' }] };
      const loaded = await loadConfig(options.configFile, env);
      if (!loaded.ok) {
        const errors = loaded.errors.map((e) => ({ path: e.path, message: e.message }));
        logger.warn({ errors }, 'config reload refused; the last good config keeps serving');
        return { ok: false, errors };
      }
      return gateway.applyConfig(loaded.config);
    },
    async listen() {
      const first = await serialized(() => apply(initial, true));
      if (!first.ok) throw new GatewayConfigError(first.errors ?? []);
      const limits = config.limits;
      accessLog = config.logging.accessLog ? createAccessLog(logger) : null;
      listener = createDataListener({
        limits,
        trustedProxies: createTrustedProxies(config.listener.trustedProxies),
        buildUpstreamHeaders: createUpstreamHeaderBuilder(Object.values(config.identityHeaders)),
        metrics,
        accessLog,
        logger,
        currentSnapshot: () => snapshot as RouteSnapshot,
      });
      const server = listener.server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: config.listener.port, host: config.listener.host, backlog: config.listener.backlog }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      admin = await createAdminServer({
        gateway: { isReady: () => ready, snapshot: () => gateway.snapshot(), services: () => registry.all(), reload: () => gateway.reload(), registry: metrics.registry, resilience: resilience?.snapshot },
        token: env.PORTERO_ADMIN_TOKEN !== undefined && env.PORTERO_ADMIN_TOKEN !== '' ? env.PORTERO_ADMIN_TOKEN : config.admin.token,
        plugins: options.adminPlugins,
        openPlugins: embeddedRegistry ? [createRegistryAdminPlugin({ registry: embeddedRegistry, token: registryToken })] : [],
      });
      await admin.listen({ port: config.admin.port, host: config.admin.host });
      if (options.configFile !== undefined && options.watch !== false) {
        watcher = watchConfigFile(options.configFile, () => void gateway.reload());
      }
      ready = true;
      const adminAddress = admin.server.address() as AddressInfo;
      return { port: (server.address() as AddressInfo).port, adminPort: adminAddress.port };
    },
    close() {
      closing ??= drain();
      return closing;
    },
  };

  async function drain(): Promise<void> {
    ready = false;
    watcher?.close();
    if (listener !== undefined) {
      const dl = listener;
      dl.startDraining();
      const closed = new Promise<void>((resolve) => dl.server.close(() => resolve()));
      dl.server.closeIdleConnections();
      const deadline = new Promise<void>((resolve) => {
        const t = setTimeout(resolve, config.limits.drainTimeoutMs);
        t.unref();
        void closed.then(() => clearTimeout(t));
      });
      await Promise.race([closed, deadline]);
      if (dl.inFlight() > 0) logger.warn({ inFlight: dl.inFlight() }, 'drain timeout: closing the remaining connections');
      dl.server.closeAllConnections();
      await closed;
    }
    await registry.close();
    await resilience?.close();
    await embeddedRegistry?.close();
    await admin?.close();
    const errors = await resources.closeAll();
    for (const err of errors) logger.error({ err }, 'closing a shared resource failed');
    accessLog?.flush();
    flushLogger(logger);
  }

  return gateway;
}
