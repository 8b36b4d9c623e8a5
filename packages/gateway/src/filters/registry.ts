/**
 * Every filter type a route may list. A route's `filters` entry is an object with a single key
 * naming the filter (`{ jwtAuth: {...} }`); its value is validated by the definition's schema and
 * compiled by `create` when the config loads, never per request.
 */
import type { TSchema } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Filter, GatewayContext } from '../pipeline/types.js';
import { authorizeFilterDefinition } from './authorize/definition.js';
import { cacheFilterDefinition } from './cache/definition.js';
import { jwtAuthFilterDefinition } from './jwt-auth/definition.js';

/**
 * Long-lived objects shared by filters across routes and across reloads (JWKS caches, cache
 * stores, token caches). `acquire` returns the existing instance for `key` or creates it; the
 * gateway closes every resource on shutdown.
 */
export interface SharedResources {
  acquire<T extends { close?(): Promise<void> | void }>(key: string, create: () => T): T;
}

/** What a filter factory gets besides its own config. */
export interface FilterDeps {
  readonly routeId: string;
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly resources: SharedResources;
  /** The whole (validated, defaulted) gateway config, for static sections such as `stores`. */
  readonly gatewayConfig: unknown;
  /**
   * Sends a context through the route's terminal (the proxy) only, leaving the answer in its
   * `response`. For work a filter does after its own request has been answered, such as the
   * cache's stale-while-revalidate refresh; the context must be a detached copy.
   */
  readonly fetchUpstream?: (ctx: GatewayContext) => Promise<void>;
}

/** A problem found in one filter entry; `path` is relative to the entry's own config object. */
export interface FilterConfigIssue {
  path: string;
  message: string;
}

export interface FilterDefinition<C = any> {
  /** The key that names this filter in a route's `filters` list. */
  readonly name: string;
  /** Schema of the single-key object `{ [name]: C }`. */
  readonly schema: TSchema;
  /**
   * Checks that need more than the schema (position in the chain, references). `filters` is the
   * route's whole list, `index` this entry's position.
   */
  validate?(config: C, filters: readonly Record<string, unknown>[], index: number): FilterConfigIssue[];
  create(config: C, deps: FilterDeps): Filter | Promise<Filter>;
}

export const filterDefinitions: FilterDefinition[] = [jwtAuthFilterDefinition, authorizeFilterDefinition, cacheFilterDefinition];

export const filterSchemas: TSchema[] = filterDefinitions.map((d) => d.schema);
