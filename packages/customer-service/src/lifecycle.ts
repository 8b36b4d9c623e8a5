import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import type { ServiceConfig } from './config.js';
import { createDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrations.js';
import { createReadiness } from './health/readiness.js';

/**
 * Extension points around the process lifecycle. Self-registration with a service registry
 * belongs here: register in `onListening` (the real URL is known), deregister in `onShutdown`
 * (before draining, so the registry stops sending traffic first).
 */
export interface LifecycleHooks {
  /** After migrations, before the port is bound. */
  beforeListen?: () => Promise<void>;
  /** Once the port is bound; `url` carries the real port (PORT=0 picks one). */
  onListening?: (url: string) => Promise<void>;
  /** First step of a shutdown, before readiness turns 503 and in-flight requests drain. */
  onShutdown?: () => Promise<void>;
}

/** A started instance. */
export interface RunningService {
  url: string;
  app: FastifyInstance;
  /** Drains and stops: hooks, readiness 503, drain delay, finish in-flight requests, close the database. */
  shutdown(reason: string): Promise<void>;
}

export async function startService(config: ServiceConfig, logger: Logger, hooks: LifecycleHooks = {}): Promise<RunningService> {
  const handle = createDatabase(config);
  try {
    const applied = await migrateToLatest(handle);
    logger.info({ dialect: handle.dialect, applied }, 'database migrated');
    await hooks.beforeListen?.();
  } catch (error) {
    await handle.db.destroy();
    throw error;
  }

  const readiness = createReadiness();
  const app = createApp({
    db: handle.db,
    loggerInstance: logger,
    bodyLimitBytes: config.bodyLimitBytes,
    cacheControl: config.cacheControl,
    pageSizeDefault: config.pageSizeDefault,
    pageSizeMax: config.pageSizeMax,
    readinessTimeoutMs: config.readinessTimeoutMs,
    readiness,
  });
  // Closing the database is the last step of app.close(), after in-flight requests finished.
  app.addHook('onClose', async () => {
    await handle.db.destroy();
  });

  const url = await app.listen({ host: config.host, port: config.port });
  // The start-up contract other tools parse: one JSON line with msg "listening" and the real URL,
  // printed even when LOG_LEVEL is above info.
  logger.child({}, { level: 'info' }).info({ url }, 'listening');
  await hooks.onListening?.(url);

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      logger.info({ reason }, 'shutting down');
      try {
        await hooks.onShutdown?.();
      } catch (error) {
        logger.error({ err: error }, 'shutdown hook failed');
      }
      readiness.startDraining();
      if (config.shutdownDrainDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.shutdownDrainDelayMs));
      await app.close();
      logger.info('stopped');
    })();
    return stopping;
  };
  return { url, app, shutdown };
}
