/**
 * Registry entry of the `cache` filter. Validation keeps caching safe by construction: the
 * filter must come after every authentication/authorization filter of its route (a lookup never
 * precedes access control), and statuses that are never cacheable are refused.
 */
import type { FilterConfigIssue, FilterDefinition } from '../registry.js';
import { CACHE_RUNTIME_RESOURCE, createCacheRuntimeFromConfig } from '../../cache/create-store.js';
import { createCacheMetrics } from '../../cache/metrics.js';
import { isForbiddenStatus } from '../../cache/policy.js';
import { createCacheFilter } from './cache-filter.js';
import { CacheFilterEntrySchema, type CacheFilterConfig } from './schema.js';

/** Filters that decide who may see a response; the cache must run after all of them. */
const ACCESS_FILTERS = ['jwtAuth', 'authorize'];

export const cacheFilterDefinition: FilterDefinition<CacheFilterConfig> = {
  name: 'cache',
  schema: CacheFilterEntrySchema,
  validate(config, filters, index) {
    const issues: FilterConfigIssue[] = [];
    filters.forEach((entry, i) => {
      if (i <= index) return;
      for (const name of ACCESS_FILTERS) {
        if (name in entry) issues.push({ path: '', message: `cache must come after ${name} (filter ${i}): a cache lookup never precedes access control` });
      }
    });
    (config.statuses ?? []).forEach((status, i) => {
      if (isForbiddenStatus(status)) issues.push({ path: `/statuses/${i}`, message: `status ${status} is never cached (5xx, 401, 403, 206 and 304 are refused)` });
    });
    return issues;
  },
  create(config, deps) {
    const runtime = deps.resources.acquire(CACHE_RUNTIME_RESOURCE, () => createCacheRuntimeFromConfig(deps.gatewayConfig, deps.logger));
    const metrics = createCacheMetrics(deps.metrics);
    metrics.observeStore(runtime.store);
    return createCacheFilter(config, { routeId: deps.routeId, runtime, metrics, logger: deps.logger, fetchUpstream: deps.fetchUpstream });
  },
};
