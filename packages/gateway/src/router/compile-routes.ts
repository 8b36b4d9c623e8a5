/**
 * Compiles the dynamic `routes` into a RouteSnapshot: match specs, upstream path builders, filter
 * chains (through `filterDefinitions`, `create` called here, once) and cached metric children.
 * Nothing here touches running state, so a failure leaves the last good snapshot serving; the
 * services are bound afterwards by the gateway.
 */
import type { Logger } from 'pino';
import type { GatewayConfig, RouteConfig } from '../config/schema.js';
import { filterDefinitions, type SharedResources } from '../filters/registry.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { compose } from '../pipeline/compose.js';
import type { Filter } from '../pipeline/types.js';
import type { ServiceRuntime } from '../service/service-runtime.js';
import type { CompiledRoute, RouteSnapshot } from './compiled-route.js';
import { createRouter, parsePattern } from './router.js';
import { compileLocationRewrite, compileUpstreamPath, patternParamNames } from './upstream-path.js';

export interface CompileDeps {
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly resources: SharedResources;
  /** The proxy: the end of every chain. */
  readonly terminal: Filter;
}

export interface ConfigIssue {
  path: string;
  message: string;
}

export type CompileResult = { ok: true; snapshot: RouteSnapshot } | { ok: false; errors: ConfigIssue[] };

/** Placeholder until the gateway binds the real runtime; never reached by a request. */
const UNBOUND = undefined as unknown as ServiceRuntime;

async function compileFilters(route: RouteConfig, index: number, config: GatewayConfig, deps: CompileDeps, errors: ConfigIssue[]): Promise<Filter[]> {
  const byName = new Map(filterDefinitions.map((d) => [d.name, d]));
  const filters: Filter[] = [];
  const entries = route.filters as Record<string, unknown>[];
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as Record<string, unknown>;
    const path = `/routes/${index}/filters/${i}`;
    const keys = Object.keys(entry);
    const def = keys.length === 1 ? byName.get(keys[0] as string) : undefined;
    if (def === undefined) {
      errors.push({ path, message: `a filter entry must have exactly one key naming a known filter (${[...byName.keys()].join(', ') || 'none registered'})` });
      continue;
    }
    const filterConfig = entry[def.name];
    for (const issue of def.validate?.(filterConfig, entries, i) ?? []) errors.push({ path: `${path}/${def.name}${issue.path}`, message: issue.message });
    try {
      filters.push(
        await def.create(filterConfig, {
          routeId: route.id,
          logger: deps.logger.child({ route: route.id, filter: def.name }),
          metrics: deps.metrics.registry,
          resources: deps.resources,
          gatewayConfig: config,
          fetchUpstream: (ctx) => deps.terminal(ctx, noNext),
        }),
      );
    } catch (err) {
      errors.push({ path: `${path}/${def.name}`, message: (err as Error).message });
    }
  }
  return filters;
}

export async function compileRoutes(config: GatewayConfig, deps: CompileDeps): Promise<CompileResult> {
  const errors: ConfigIssue[] = [];
  const routes: CompiledRoute[] = [];
  const ids = new Set<string>();
  for (let index = 0; index < config.routes.length; index++) {
    const rc = config.routes[index] as RouteConfig;
    const base = `/routes/${index}`;
    if (ids.has(rc.id)) errors.push({ path: `${base}/id`, message: `duplicate route id "${rc.id}"` });
    ids.add(rc.id);
    if (config.services[rc.service] === undefined) errors.push({ path: `${base}/service`, message: `unknown service "${rc.service}"` });
    let paramNames: string[] = [];
    if (rc.match.type === 'pattern') {
      try {
        parsePattern(rc.match.path);
        paramNames = patternParamNames(rc.match.path);
      } catch (err) {
        errors.push({ path: `${base}/match/path`, message: (err as Error).message });
      }
    }
    let buildUpstreamPath;
    try {
      buildUpstreamPath = compileUpstreamPath({ stripPrefix: rc.stripPrefix, addPrefix: rc.addPrefix, rewrite: rc.rewrite, paramNames });
    } catch (err) {
      errors.push({ path: `${base}/rewrite`, message: (err as Error).message });
      continue;
    }
    const filters = await compileFilters(rc, index, config, deps, errors);
    const terminal = deps.terminal;
    routes.push({
      id: rc.id,
      serviceName: rc.service,
      kind: rc.match.type,
      path: rc.match.path,
      methods: rc.match.methods === undefined ? null : new Set(rc.match.methods),
      host: rc.match.host === undefined ? null : rc.match.host.toLowerCase().replace(/:\d+$/, ''),
      config: rc,
      buildUpstreamPath,
      // Applied by the proxy as it takes the upstream's head: no extra step per request.
      rewriteLocation: compileLocationRewrite(rc),
      // A route without filters runs the proxy directly: no onion to build per request.
      run: filters.length === 0 ? (ctx) => terminal(ctx, noNext) : compose(filters, terminal),
      service: UNBOUND,
      logger: deps.logger.child({ route: rc.id }),
      metrics: deps.metrics.forRoute(rc.id),
    });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, snapshot: { routes, router: createRouter(routes), loadedAt: Date.now() } };
}

const noNext = (): Promise<void> => Promise.resolve();
