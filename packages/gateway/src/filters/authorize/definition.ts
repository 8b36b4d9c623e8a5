import type { FilterDefinition } from '../registry.js';
import { createAuthorizeFilter } from './authorize-filter.js';
import { AuthorizeEntrySchema, type AuthorizeConfig } from './schema.js';

/** `{ authorize: {...} }`: scope and claim rules per method; must follow a jwtAuth entry. */
export const authorizeFilterDefinition: FilterDefinition<AuthorizeConfig> = {
  name: 'authorize',
  schema: AuthorizeEntrySchema,
  validate(_config, filters, index) {
    const auth = filters.findIndex((f) => 'jwtAuth' in f);
    if (auth < 0) return [{ path: '', message: 'authorize needs a jwtAuth filter before it in the same route' }];
    if (auth > index) return [{ path: '', message: `authorize must come after jwtAuth (which is at position ${auth})` }];
    return [];
  },
  create: (config, deps) => createAuthorizeFilter(config, deps),
};
