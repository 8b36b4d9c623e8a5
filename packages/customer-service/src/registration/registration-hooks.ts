import type { Logger } from 'pino';
import type { RegistrationConfig } from '../config.js';
import type { LifecycleHooks } from '../lifecycle.js';
import { createInstanceRegistration, type InstanceRegistration } from './instance-registration.js';
import { createEmbeddedBackend, createEtcdBackend } from './registration-backends.js';

/**
 * Lifecycle hooks for self-registration: register once the real URL is known, and deregister as
 * the first step of a shutdown (before readiness turns 503 and requests drain), so the gateways
 * stop sending new traffic while this instance still answers.
 */
export function createRegistrationHooks(config: RegistrationConfig, logger: Logger): LifecycleHooks & { registration?: InstanceRegistration } {
  if (config.kind === 'none') return {};
  const backend = config.kind === 'embedded' ? createEmbeddedBackend(config, logger) : createEtcdBackend(config, logger);
  const registration = createInstanceRegistration({
    backend,
    logger,
    service: config.serviceName,
    retryInitialMs: config.retryInitialMs,
    retryMaxMs: config.retryMaxMs,
    deregisterTimeoutMs: config.deregisterTimeoutMs,
  });
  return {
    registration,
    onListening: async (url) => registration.start(config.advertiseUrl ?? url),
    onShutdown: async () => {
      await registration.stop();
    },
  };
}
