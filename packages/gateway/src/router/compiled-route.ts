import type { Logger } from 'pino';
import type { RouteConfig } from '../config/schema.js';
import type { RouteMetrics } from '../metrics/gateway-metrics.js';
import type { CompiledRouteRef, GatewayContext } from '../pipeline/types.js';
import type { ServiceRuntime } from '../service/service-runtime.js';
import type { MatchSpec, Router } from './router.js';
import type { UpstreamPathBuilder } from './upstream-path.js';

/** A route ready to serve: everything a request needs was computed when the config loaded. */
export interface CompiledRoute extends CompiledRouteRef, MatchSpec {
  readonly config: RouteConfig;
  readonly buildUpstreamPath: UpstreamPathBuilder;
  /** Maps the upstream's Location / Content-Location into the route's path space, when it strips or adds a prefix. */
  readonly rewriteLocation: ((location: string) => string) | undefined;
  /** The route's filter chain ending in the proxy. */
  readonly run: (ctx: GatewayContext) => Promise<void>;
  /** Bound when the snapshot's services are applied. */
  service: ServiceRuntime;
  /** Child logger with `route` bound, for faults seen while serving the route. */
  readonly logger: Logger;
  readonly metrics: RouteMetrics;
}

/** One compiled dynamic config; requests keep the snapshot they started with. */
export interface RouteSnapshot {
  readonly routes: readonly CompiledRoute[];
  readonly router: Router<CompiledRoute>;
  /** When it was compiled (ms since the epoch), for /admin/routes. */
  readonly loadedAt: number;
}
