import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { createErrorBody } from '../errors.js';
import type { Readiness } from './readiness.js';

/** What the health routes check. */
export interface HealthRoutesOptions {
  db: Kysely<Database>;
  readiness: Readiness;
  /** How long the readiness probe waits for the database before answering 503. */
  readinessTimeoutMs: number;
}

const HealthStatus = Type.Object({ status: Type.String() });

/** Resolves true when the database answered `select 1` within the timeout. */
async function databaseAnswers(db: Kysely<Database>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const probe = sql`select 1`.execute(db).then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, options) => {
  // Liveness says only that the process serves HTTP; restarting it would not fix a database outage.
  // Probes arrive every few seconds from every gateway: logged only when something is wrong.
  app.get('/health/live', { logLevel: 'warn', schema: { response: { 200: HealthStatus } } }, async () => ({ status: 'ok' }));

  app.get('/health/ready', { logLevel: 'warn' }, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    if (options.readiness.isDraining()) {
      return reply.code(503).send(createErrorBody('SVC_ERR_UNAVAILABLE', undefined, 'The instance is draining before shutdown.'));
    }
    if (!(await databaseAnswers(options.db, options.readinessTimeoutMs))) {
      return reply.code(503).send(createErrorBody('SVC_ERR_UNAVAILABLE', undefined, 'The database does not answer.'));
    }
    return { status: 'ready' };
  });
};
