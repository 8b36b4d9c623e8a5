// The processes of the local system (`npm start`, `npm run chaos`): the authorization server, the
// gateway and the Customer Management instances, built from the packages' dist/ folders. The
// instances listen on ephemeral ports and register with the gateway's embedded registry, so the
// gateway starts before them; each is ready once it logs `registered`.
import { GATEWAY_BUILT_CLI, GATEWAY_COMMAND_ENV, gatewayCommand } from './gateway-command.mjs';
import { jsonLogLine } from './processes.mjs';

export const DEV_REGISTRY_TOKEN = 'local-dev-registry-token-change-me';
const AUTH_ENTRY = 'packages/auth-server/dist/main.js';
const CUSTOMERS_ENTRY = 'packages/customer-service/dist/main.js';

/**
 * @param {object} [options]
 * @param {number} [options.gatewayPort]  default 8080 (admin: gatewayPort + 1)
 * @param {number} [options.authPort]     default 9000
 * @param {string} [options.sqlitePath]   default var/customers.sqlite
 * @param {string} [options.logLevel]     LOG_LEVEL of every process
 * @param {string} [options.cacheControl] Cache-Control the service sends on reads
 */
export function localSystem(options = {}) {
  const gatewayPort = options.gatewayPort ?? 8080;
  const adminPort = options.adminPort ?? gatewayPort + 1;
  const authPort = options.authPort ?? 9000;
  const sqlitePath = options.sqlitePath ?? 'var/customers.sqlite';
  const registryToken = process.env.PORTERO_REGISTRY_TOKEN ?? DEV_REGISTRY_TOKEN;
  const logLevel = options.logLevel ?? process.env.LOG_LEVEL ?? 'info';
  const issuer = `http://127.0.0.1:${authPort}`;
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const env = { LOG_LEVEL: logLevel };

  const auth = {
    name: 'auth-server',
    command: [process.execPath, AUTH_ENTRY],
    requires: AUTH_ENTRY,
    env: { ...env, HOST: '127.0.0.1', PORT: String(authPort), AUTH_ISSUER: issuer },
    readyUrl: `${issuer}/.well-known/openid-configuration`,
    url: issuer,
  };
  const gateway = {
    name: 'gateway',
    command: gatewayCommand('config/local.yaml'),
    requires: GATEWAY_BUILT_CLI,
    env: {
      ...env,
      ...GATEWAY_COMMAND_ENV,
      PORTERO_PORT: String(gatewayPort),
      PORTERO_ADMIN_PORT: String(adminPort),
      PORTERO_AUTH_ISSUER: issuer,
      PORTERO_REGISTRY_TOKEN: registryToken,
    },
    readyUrl: `${adminUrl}/health/ready`,
    url: `${gatewayUrl} (admin ${adminUrl})`,
  };
  /** Instance `n` of the Customer Management service; `n` only names it. */
  const customerInstance = (n) => ({
    name: `customers-${n}`,
    command: [process.execPath, CUSTOMERS_ENTRY],
    requires: CUSTOMERS_ENTRY,
    env: {
      ...env,
      HOST: '127.0.0.1',
      PORT: '0',
      SQLITE_PATH: sqlitePath,
      INSTANCE_ID: `customers-${n}`,
      REGISTRY: 'embedded',
      REGISTRY_URL: adminUrl,
      REGISTRY_TOKEN: registryToken,
      REGISTRY_TTL_SECONDS: '6',
      // A registration refused while the gateway is busy is tried again soon, not after 30 s.
      REGISTRY_RETRY_MAX_MS: '2000',
      // Lets the gateway see the instance leave before it stops answering.
      SHUTDOWN_DRAIN_DELAY_MS: '300',
      CUSTOMER_CACHE_CONTROL: options.cacheControl ?? 'private, max-age=5',
    },
    readyLine: jsonLogLine('registered'),
    url: 'ephemeral port, registered with the gateway',
  });
  return { auth, gateway, customerInstance, issuer, gatewayUrl, adminUrl, registryToken };
}
