import type { FilterDefinition } from '../registry.js';
import { createJwtAuthFilter } from './jwt-auth-filter.js';
import { JwtAuthEntrySchema, type JwtAuthConfig } from './schema.js';

/** `{ jwtAuth: {...} }`: OAuth2 bearer-token authentication (JWT or introspected opaque token). */
export const jwtAuthFilterDefinition: FilterDefinition<JwtAuthConfig> = {
  name: 'jwtAuth',
  schema: JwtAuthEntrySchema,
  validate(_config, filters, index) {
    const earlier = filters.slice(0, index).findIndex((f) => 'jwtAuth' in f);
    return earlier >= 0 ? [{ path: '', message: `a route has one jwtAuth filter; another one is at position ${earlier}` }] : [];
  },
  create: (config, deps) => createJwtAuthFilter(config, deps),
};
