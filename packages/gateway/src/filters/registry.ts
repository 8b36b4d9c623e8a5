/**
 * Every filter type a route may list. Each entry pairs the config schema of one filter (an object
 * with a single key naming the filter, e.g. `{ jwtAuth: {...} }`) with the factory that compiles
 * it into a Filter when the config loads.
 */
import type { TSchema } from '@sinclair/typebox';

export const filterSchemas: TSchema[] = [];
