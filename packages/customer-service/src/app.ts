import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Kysely } from 'kysely';
import { customerRoutes } from './customers/routes.js';
import type { Database } from './db/schema.js';
import { handleError } from './error-handler.js';
import { createErrorBody } from './errors.js';
import { createReadiness, type Readiness } from './health/readiness.js';
import { healthRoutes } from './health/routes.js';
import { createRouteMethodIndex } from './method-not-allowed.js';
import { createRequestId } from './request-id.js';
import { validatorCompiler } from './validation.js';

/** Everything createApp needs; only `db` is required, the rest has production defaults. */
export interface AppOptions {
  /** A migrated database. The app never closes it; its owner does (see main.ts). */
  db: Kysely<Database>;
  /** Fastify logger options (`{ level }`), `false` for silence (the default, for tests). */
  logger?: FastifyServerOptions['logger'];
  /** A ready pino-compatible logger; wins over `logger`. */
  loggerInstance?: FastifyBaseLogger;
  /** Largest accepted body; larger ones get 413. Default 65536. */
  bodyLimitBytes?: number;
  /** Cache-Control on customer reads. Default `private, no-cache`. */
  cacheControl?: string;
  /** Page size without `limit`. Default 20. */
  pageSizeDefault?: number;
  /** Largest `limit`; larger is 400. Default 100. */
  pageSizeMax?: number;
  /** Readiness probe timeout. Default 2000 ms. */
  readinessTimeoutMs?: number;
  /** PATCH without If-Match retries this often on concurrent writes before 409. Default 3. */
  maxPatchAttempts?: number;
  /** Draining state shared with the process lifecycle. Default: a fresh one. */
  readiness?: Readiness;
  /** Clock for createdAt/updatedAt. Default `() => new Date()`. */
  now?: () => Date;
  /** Id generator for new customers. Default crypto.randomUUID. */
  newId?: () => string;
}

export function createApp(options: AppOptions): FastifyInstance {
  const app = Fastify({
    ...(options.loggerInstance !== undefined ? { loggerInstance: options.loggerInstance } : { logger: options.logger ?? false }),
    bodyLimit: options.bodyLimitBytes ?? 64 * 1024,
    requestIdHeader: false,
    genReqId: createRequestId,
    // A request that still reaches us on an open keep-alive connection while closing is served
    // (Fastify adds Connection: close) rather than refused with Fastify's own 503 body shape.
    return503OnClosing: false,
    // Validation goes through TypeBox (validatorCompiler), but should anything ever reach Ajv it
    // must neither strip unknown members nor coerce types silently.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setErrorHandler(handleError);

  // Only JSON bodies: dropping the text/plain parser makes every other media type a 415.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

  const routeIndex = createRouteMethodIndex();
  app.addHook('onRoute', (route) => routeIndex.add(route.url ?? route.path, route.method));

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = routeIndex.allowedFor(path);
    reply.header('cache-control', 'no-store');
    if (allowed.length > 0) return reply.code(405).header('allow', allowed.join(', ')).send(createErrorBody('SVC_ERR_METHOD_NOT_ALLOWED'));
    return reply.code(404).send(createErrorBody('SVC_ERR_ROUTE_NOT_FOUND'));
  });

  app.register(healthRoutes, {
    db: options.db,
    readiness: options.readiness ?? createReadiness(),
    readinessTimeoutMs: options.readinessTimeoutMs ?? 2000,
  });
  app.register(customerRoutes, {
    db: options.db,
    cacheControl: options.cacheControl ?? 'private, no-cache',
    pageSizeDefault: options.pageSizeDefault ?? 20,
    pageSizeMax: options.pageSizeMax ?? 100,
    maxPatchAttempts: options.maxPatchAttempts ?? 3,
    now: options.now ?? (() => new Date()),
    newId: options.newId ?? randomUUID,
  });
  return app;
}
