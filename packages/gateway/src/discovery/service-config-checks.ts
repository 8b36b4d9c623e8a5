import type { ServiceConfig } from '../config/schema.js';

/** A problem in one service's resilience settings; `path` is relative to the config root. */
export interface ResilienceConfigIssue {
  path: string;
  message: string;
}

/**
 * Checks across fields of a service's discovery, balancing, retry and breaker settings that the
 * schema alone cannot express. The config validator runs it for every service so `portero
 * validate` reports these with the rest.
 */
export function checkServiceResilience(name: string, service: ServiceConfig): ResilienceConfigIssue[] {
  const issues: ResilienceConfigIssue[] = [];
  const at = (path: string) => `services.${name}.${path}`;
  const { discovery, loadBalancer, retry } = service;

  if (discovery.provider === 'dns') {
    if (!discovery.dns) issues.push({ path: at('discovery.dns'), message: 'provider "dns" needs discovery.dns (name and type)' });
    else if (discovery.dns.type !== 'SRV' && discovery.dns.port === undefined) {
      issues.push({ path: at('discovery.dns.port'), message: `${discovery.dns.type} records need a port` });
    }
  } else if (discovery.dns) {
    issues.push({ path: at('discovery.dns'), message: `discovery.dns is only read with provider "dns", not "${discovery.provider}"` });
  }
  if (discovery.provider !== 'static' && service.endpoints.length > 0) {
    issues.push({ path: at('endpoints'), message: `static endpoints are ignored with provider "${discovery.provider}"; remove them` });
  }
  if (discovery.provider === 'static' && discovery.name !== undefined) {
    issues.push({ path: at('discovery.name'), message: 'discovery.name is only read with provider "registry" or "etcd"' });
  }

  if (loadBalancer.policy === 'consistent-hash' && !loadBalancer.hashOn) {
    issues.push({ path: at('loadBalancer.hashOn'), message: 'policy "consistent-hash" needs hashOn (header, claim or clientAddress)' });
  }
  if (loadBalancer.policy !== 'consistent-hash' && loadBalancer.hashOn) {
    issues.push({ path: at('loadBalancer.hashOn'), message: `hashOn is only read with policy "consistent-hash", not "${loadBalancer.policy}"` });
  }

  if (retry.perTryTimeoutMs > retry.deadlineMs) {
    issues.push({ path: at('retry.perTryTimeoutMs'), message: 'perTryTimeoutMs is longer than deadlineMs' });
  }
  if (retry.backoffBaseMs > retry.backoffMaxMs) {
    issues.push({ path: at('retry.backoffBaseMs'), message: 'backoffBaseMs is larger than backoffMaxMs' });
  }
  if (service.outlierDetection.baseEjectionTimeMs > service.outlierDetection.maxEjectionTimeMs) {
    issues.push({ path: at('outlierDetection.baseEjectionTimeMs'), message: 'baseEjectionTimeMs is longer than maxEjectionTimeMs' });
  }
  if (service.healthCheck && service.healthCheck.timeoutMs >= service.healthCheck.intervalMs) {
    issues.push({ path: at('healthCheck.timeoutMs'), message: 'timeoutMs must be shorter than intervalMs' });
  }
  return issues;
}
