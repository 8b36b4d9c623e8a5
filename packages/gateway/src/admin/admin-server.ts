/**
 * The admin Listener (Fastify, its own port): open health and metrics endpoints for probes and
 * scrapers, and the token-protected admin API. Extra plugins from the gateway composition (cache
 * purge, …) are registered inside the protected scope, so their routes need the token too.
 */
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import { errorBody, GatewayError } from '../errors.js';
import type { RouteSnapshot } from '../router/compiled-route.js';
import type { ServiceRuntime } from '../service/service-runtime.js';
import type { ServiceResilienceSnapshot } from '../health/resilience-controller.js';
import { createAdminAuth, type AdminAuthHook } from './admin-auth.js';

/** What the admin API reads from and does to the running gateway. */
export interface AdminGatewayView {
  isReady(): boolean;
  snapshot(): RouteSnapshot;
  services(): ReadonlyMap<string, ServiceRuntime>;
  reload(): Promise<{ ok: boolean; errors?: { path: string; message: string }[]; changed?: string[]; ignored?: string[] }>;
  readonly registry: Registry;
  /** Discovery, health and breaker state of a service, when resilience is on. */
  resilience?(service: string): ServiceResilienceSnapshot | undefined;
}

/** Options every admin plugin receives: the gateway view and the auth hook already applied. */
export interface AdminPluginOptions {
  readonly gateway: AdminGatewayView;
  readonly requireAdmin: AdminAuthHook;
}

export type AdminPlugin = FastifyPluginAsync<AdminPluginOptions>;

export interface AdminServerOptions {
  readonly gateway: AdminGatewayView;
  readonly token: string | undefined;
  readonly plugins?: readonly AdminPlugin[];
  /** Plugins registered outside the admin token's scope, with their own auth (the service registry). */
  readonly openPlugins?: readonly FastifyPluginAsync[];
}

export async function createAdminServer(options: AdminServerOptions): Promise<FastifyInstance> {
  const { gateway } = options;
  const app = Fastify({ logger: false });
  const requireAdmin = createAdminAuth(options.token);

  app.get('/health/live', async () => ({ status: 'live' }));
  app.get('/health/ready', async (_request, reply) => {
    if (gateway.isReady()) return { status: 'ready' };
    const err = new GatewayError('GW_ERR_DRAINING');
    return reply.code(503).type('application/json').send(errorBody(err));
  });
  app.get('/metrics', async (_request, reply) => {
    const text = await gateway.registry.metrics();
    return reply.type(gateway.registry.contentType).send(text);
  });

  for (const plugin of options.openPlugins ?? []) await app.register(plugin);

  await app.register(async (admin) => {
    admin.addHook('onRequest', requireAdmin);
    admin.get('/admin/routes', async () => {
      const snapshot = gateway.snapshot();
      return {
        loadedAt: new Date(snapshot.loadedAt).toISOString(),
        routes: snapshot.routes.map((r) => ({
          id: r.id,
          service: r.serviceName,
          match: { type: r.kind, path: r.path, methods: r.methods === null ? null : [...r.methods], host: r.host },
          filters: (r.config.filters as Record<string, unknown>[]).map((f) => Object.keys(f)[0]),
        })),
      };
    });
    admin.get('/admin/services', async () => ({
      services: [...gateway.services().values()].map((s) => {
        const r = gateway.resilience?.(s.name);
        const health = new Map(r?.endpoints.map((e) => [e.id, e]));
        return {
          name: s.name,
          policy: s.config.loadBalancer.policy,
          ...(r && {
            discovery: { provider: r.provider, stalenessSeconds: r.stalenessMs / 1000 },
            circuitBreaker: r.circuitBreaker ?? null,
            retryBudgetRemaining: r.retryBudgetRemaining,
          }),
          endpoints: s.endpoints().map((e) => {
            const h = health.get(e.endpoint.id);
            return {
              id: e.endpoint.id,
              origin: e.endpoint.origin,
              weight: e.endpoint.weight,
              available: e.available,
              active: e.active,
              connected: e.pool.stats.connected,
              pending: e.pool.stats.pending,
              ...(h && { healthy: h.healthy, ejectedUntil: h.ejectedUntil === undefined ? null : new Date(h.ejectedUntil).toISOString() }),
            };
          }),
        };
      }),
    }));
    admin.post('/admin/reload', async (_request, reply) => {
      const result = await gateway.reload();
      if (result.ok) return { ok: true, changed: result.changed ?? [], ignored: result.ignored ?? [] };
      const err = new GatewayError('GW_ERR_CONFIG_INVALID', { details: result.errors });
      return reply.code(err.status).type('application/json').send(errorBody(err));
    });
    for (const plugin of options.plugins ?? []) await admin.register(plugin, { gateway, requireAdmin });
  });
  return app;
}
