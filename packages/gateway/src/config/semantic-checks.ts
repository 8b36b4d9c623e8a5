import { configError, type ConfigError, type PathPart } from './config-error.js';
import { isIpOrCidr } from './net-address.js';
import { isSegmentPrefix, parsePathTemplate } from './path-template.js';
import { checkServiceResilience } from '../discovery/service-config-checks.js';
import type { ServiceConfig } from './schema.js';

type Loose = Record<string, any>;

const isObject = (value: unknown): value is Loose => value !== null && typeof value === 'object' && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * Checks that need more than one value at a time, or more than a schema can say. The input has
 * had its defaults applied but may still contain schema errors, so every access is guarded:
 * this lets one run report schema and semantic problems together.
 */
export function checkSemantics(config: unknown): ConfigError[] {
  if (!isObject(config)) return [];
  return [...checkStatic(config), ...checkServices(config.services), ...checkRoutes(config.routes, config.services)];
}

function checkStatic(config: Loose): ConfigError[] {
  const errors: ConfigError[] = [];
  const proxies = config.listener?.trustedProxies;
  if (Array.isArray(proxies)) {
    proxies.forEach((entry, index) => {
      if (typeof entry === 'string' && !isIpOrCidr(entry)) {
        errors.push(configError('CONFIG_TRUSTED_PROXY', ['listener', 'trustedProxies', index], `"${entry}" is not an IP address or CIDR range`));
      }
    });
  }
  const { listener, admin, limits } = config;
  if (isObject(listener) && isObject(admin) && listener.port === admin.port && listener.port !== 0 && listener.host === admin.host) {
    errors.push(configError('CONFIG_ADDRESS_CONFLICT', ['admin', 'port'], `admin listener uses the same address as the data-plane listener (${String(admin.host)}:${String(admin.port)})`));
  }
  if (isObject(limits) && typeof limits.headersTimeoutMs === 'number' && typeof limits.requestTimeoutMs === 'number' && limits.headersTimeoutMs > limits.requestTimeoutMs) {
    errors.push(configError('CONFIG_LIMITS', ['limits', 'headersTimeoutMs'], `must not exceed limits.requestTimeoutMs (${limits.requestTimeoutMs})`));
  }
  return errors;
}

function checkServices(services: unknown): ConfigError[] {
  if (!isObject(services)) return [];
  const errors: ConfigError[] = [];
  for (const [name, service] of Object.entries(services)) {
    if (!isObject(service) || !Array.isArray(service.endpoints)) continue;
    service.endpoints.forEach((endpoint: unknown, index: number) => {
      const url = isObject(endpoint) ? str(endpoint.url) : undefined;
      if (url === undefined) return;
      const problem = endpointUrlProblem(url);
      if (problem !== undefined) errors.push(configError('CONFIG_ENDPOINT_URL', ['services', name, 'endpoints', index, 'url'], problem));
    });
    // Cross-field resilience checks read fields the schema has already checked; on a config with
    // schema errors they may meet unexpected shapes, which the schema errors already report.
    try {
      for (const issue of checkServiceResilience(name, service as ServiceConfig)) {
        errors.push(configError('CONFIG_SERVICE_RESILIENCE', issue.path.split('.'), issue.message));
      }
    } catch {
      // Reported by the schema.
    }
  }
  return errors;
}

/** An endpoint is an origin: the route decides the path, so a path here would be silently dropped or doubled. */
export function endpointUrlProblem(url: string): string | undefined {
  if (!URL.canParse(url)) return `"${url}" is not a URL`;
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `"${url}" must use http or https`;
  if (parsed.username !== '' || parsed.password !== '') return `"${url}" must not contain credentials`;
  if (parsed.pathname !== '/' || parsed.search !== '' || parsed.hash !== '' || /[?#]/.test(url)) {
    return `"${url}" must be an origin like http://host:port, without path or query`;
  }
  return undefined;
}

function checkRoutes(routes: unknown, services: unknown): ConfigError[] {
  if (!Array.isArray(routes)) return [];
  const errors: ConfigError[] = [];
  const firstById = new Map<string, number>();
  const firstByMatch = new Map<string, number>();
  routes.forEach((route: unknown, index: number) => {
    if (!isObject(route)) return;
    const at: PathPart[] = ['routes', index];
    const id = str(route.id);
    if (id !== undefined) {
      const first = firstById.get(id);
      if (first !== undefined) errors.push(configError('CONFIG_DUPLICATE_ROUTE_ID', [...at, 'id'], `duplicate route id "${id}" (first used by routes[${first}])`));
      else firstById.set(id, index);
    }
    const service = str(route.service);
    if (service !== undefined && isObject(services) && !Object.hasOwn(services, service)) {
      errors.push(configError('CONFIG_UNKNOWN_SERVICE', [...at, 'service'], `unknown service "${service}"`));
    }
    if (isObject(route.match)) {
      const key = matchKey(route.match);
      const first = key === undefined ? undefined : firstByMatch.get(key);
      if (first !== undefined) errors.push(configError('CONFIG_DUPLICATE_MATCH', [...at, 'match'], `same match as routes[${first}]; one of them could never be selected`));
      else if (key !== undefined) firstByMatch.set(key, index);
    }
    errors.push(...checkRoutePaths(route, at));
  });
  return errors;
}

/** Two routes with the same host, path, type and methods are ambiguous. */
function matchKey(match: Loose): string | undefined {
  if (typeof match.path !== 'string') return undefined;
  const methods = Array.isArray(match.methods) ? [...match.methods].sort().join(',') : '*';
  return JSON.stringify([String(match.host ?? '').toLowerCase(), match.type ?? 'prefix', match.path, methods]);
}

function checkRoutePaths(route: Loose, at: PathPart[]): ConfigError[] {
  const errors: ConfigError[] = [];
  const path = str(route.match?.path);
  const type = str(route.match?.type) ?? 'prefix';
  let params: readonly string[] = [];
  let literalPath = path;
  if (path !== undefined && path.startsWith('/')) {
    const parsed = parsePathTemplate(path);
    if (!parsed.ok) {
      errors.push(configError('CONFIG_PATH_SYNTAX', [...at, 'match', 'path'], parsed.message));
      literalPath = undefined;
    } else if (type !== 'pattern' && parsed.template.params.length > 0) {
      errors.push(configError('CONFIG_PATH_SYNTAX', [...at, 'match', 'path'], `{${parsed.template.params[0]}} captures a parameter only with match.type "pattern"`));
      literalPath = undefined;
    } else {
      params = parsed.template.params;
      literalPath = type === 'pattern' ? parsed.template.literalPrefix : path;
    }
  }
  const rewrite = str(route.rewrite);
  if (rewrite !== undefined && rewrite.startsWith('/')) {
    for (const key of ['stripPrefix', 'addPrefix'] as const) {
      if (route[key] !== undefined) errors.push(configError('CONFIG_REWRITE_EXCLUSIVE', [...at, 'rewrite'], `rewrite cannot be combined with ${key}`));
    }
    const parsed = parsePathTemplate(rewrite);
    if (!parsed.ok) errors.push(configError('CONFIG_PATH_SYNTAX', [...at, 'rewrite'], parsed.message));
    else if (literalPath !== undefined) {
      // Only when match.path itself is valid: otherwise its error already explains the mismatch.
      for (const name of parsed.template.params) {
        if (!params.includes(name)) errors.push(configError('CONFIG_REWRITE_PARAM', [...at, 'rewrite'], `{${name}} is not captured by match.path`));
      }
    }
  }
  const stripPrefix = str(route.stripPrefix);
  if (stripPrefix !== undefined && stripPrefix.startsWith('/') && literalPath !== undefined) {
    if (!isSegmentPrefix(stripPrefix, literalPath)) {
      errors.push(configError('CONFIG_STRIP_PREFIX', [...at, 'stripPrefix'], `"${stripPrefix}" is not a prefix of match.path "${path}"${type === 'pattern' ? ' before its first parameter' : ''}`));
    }
  }
  for (const key of ['stripPrefix', 'addPrefix'] as const) {
    const value = str(route[key]);
    if (value === undefined || !value.startsWith('/')) continue;
    const parsed = parsePathTemplate(value);
    if (!parsed.ok) errors.push(configError('CONFIG_PATH_SYNTAX', [...at, key], parsed.message));
    else if (parsed.template.params.length > 0) errors.push(configError('CONFIG_PATH_SYNTAX', [...at, key], 'must not contain {param}; use rewrite'));
  }
  return errors;
}
