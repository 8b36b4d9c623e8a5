/**
 * The one source of truth for the gateway's configuration. Every field has its default and a
 * description here; `gateway.schema.json` and `docs/configuration-reference.md` are generated
 * from this file (`npm run generate -w @portero/gateway`) and a test fails when they are stale.
 *
 * The file has two parts:
 * - static (`listeners`, `limits`, `logging`, `stores`, `providers`, `admin`): read at start;
 *   changing it needs a restart.
 * - dynamic (`services`, `routes`): validated whole, compiled and swapped atomically on reload.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { AuthSchema } from '../auth/config-schema.js';
import { CacheStoreConfigSchema } from '../cache/store-config.js';
import { filterSchemas } from '../filters/registry.js';
import { CircuitBreakerSchema } from '../breaker/config-schema.js';
import { DiscoverySchema, ProvidersSchema } from '../discovery/config-schema.js';
import { HealthCheckSchema, OutlierDetectionSchema } from '../health/config-schema.js';
import { RetryBudgetSchema, RetrySchema } from '../retry/config-schema.js';
import { LoadBalancerSchema } from '../service/balancers/config-schema.js';

const Port = (def: number, description: string) =>
  Type.Integer({ minimum: 0, maximum: 65535, default: def, description });

export const ListenerSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', description: 'Address the data-plane listener binds to.' }),
    port: Port(8080, 'TCP port of the data-plane listener; 0 picks a free port.'),
    trustedProxies: Type.Array(Type.String(), {
      default: [],
      description:
        'Peer addresses (exact IPs or CIDR ranges) whose X-Forwarded-* and Forwarded headers are kept and extended. From any other peer these headers are overwritten, so a client cannot spoof its address.',
    }),
    backlog: Type.Integer({
      minimum: 1,
      maximum: 65535,
      default: 4096,
      description:
        "Connections the kernel queues for the listener until the gateway accepts them (capped by the kernel's net.core.somaxconn). When a burst of new connections overflows it, the kernel drops their SYNs and clients only retry after 1, 3, 7... seconds, so keep it above the number of clients that may connect at once.",
    }),
  },
  { additionalProperties: false, default: {}, description: 'The data-plane listener clients connect to.' },
);

export const AdminSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', description: 'Address the admin listener binds to. Keep it private.' }),
    port: Port(8081, 'TCP port of the admin listener (health, metrics, admin API); 0 picks a free port.'),
    token: Type.Optional(
      Type.String({
        minLength: 16,
        description:
          'Bearer token required by /admin/* endpoints. Without it the admin API answers 503 (deny by default); /health/* and /metrics stay open.',
      }),
    ),
  },
  { additionalProperties: false, default: {}, description: 'The admin listener: its own port, never the data plane.' },
);

const HeaderName = (def: string, description: string) => Type.String({ pattern: '^[A-Za-z0-9-]+$', default: def, description });

export const IdentityHeadersSchema = Type.Object(
  {
    subject: HeaderName('X-Auth-Subject', "Header carrying the verified token's subject (`sub`) to the upstream."),
    clientId: HeaderName('X-Auth-Client-Id', "Header carrying the verified token's client id (`client_id` / `azp`) to the upstream."),
    scopes: HeaderName('X-Auth-Scopes', "Header carrying the verified token's scopes, space-separated, to the upstream."),
  },
  {
    additionalProperties: false,
    default: {},
    description:
      'Names of the identity headers the authentication filter sets for the upstream. The gateway removes client-sent headers with these names on every route, so only the filter can set them.',
  },
);

export const LimitsSchema = Type.Object(
  {
    maxHeaderBytes: Type.Integer({ minimum: 1024, maximum: 1048576, default: 16384, description: 'Largest request head (request line and headers) in bytes; larger answers 431.' }),
    maxHeaderCount: Type.Integer({ minimum: 8, maximum: 1000, default: 100, description: 'Most request headers accepted; more answers 431.' }),
    maxBodyBytes: Type.Integer({ minimum: 0, default: 1048576, description: 'Largest request body in bytes: checked from Content-Length before proxying (413) and again while streaming.' }),
    headersTimeoutMs: Type.Integer({ minimum: 100, default: 10000, description: 'Time a client has to send the complete request head (slowloris protection); the connection is closed with 408.' }),
    requestTimeoutMs: Type.Integer({ minimum: 100, default: 30000, description: 'Time a client has to send the whole request; past it the gateway answers 408.' }),
    keepAliveTimeoutMs: Type.Integer({ minimum: 100, default: 5000, description: 'How long an idle client keep-alive connection stays open.' }),
    maxRequestsPerSocket: Type.Integer({ minimum: 0, default: 0, description: 'Requests served on one client connection before it is closed; 0 is unlimited.' }),
    drainTimeoutMs: Type.Integer({ minimum: 0, default: 10000, description: 'On SIGTERM, how long in-flight requests get to finish before connections are closed.' }),
  },
  { additionalProperties: false, default: {}, description: 'Limits at the edge. Each one has a default and answers with its own status when exceeded.' },
);

export const LoggingSchema = Type.Object(
  {
    level: Type.Union(
      [Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')],
      { default: 'info', description: 'Minimum level written to the JSON log (pino).' },
    ),
    accessLog: Type.Boolean({ default: true, description: 'Write one JSON line per request (Authorization and cookies redacted).' }),
    syncWrites: Type.Boolean({
      default: true,
      description:
        'Write log batches to standard output synchronously (as pino does by default): cheapest per request, since an asynchronous write costs a thread-pool round trip, but a consumer that stops reading a piped standard output stalls the gateway once the pipe is full. false writes asynchronously: nothing stalls, and unwritten lines accumulate in memory instead.',
    }),
    bufferBytes: Type.Integer({
      minimum: 0,
      maximum: 1048576,
      default: 4096,
      description: 'Log lines are buffered and written once this many bytes are waiting (one write for many lines instead of one per request); 0 writes every line as soon as the previous write finished.',
    }),
    flushIntervalMs: Type.Integer({
      minimum: 10,
      maximum: 10000,
      default: 100,
      description: 'Buffered log lines are written at least this often, so a quiet gateway still logs promptly. Lines are also flushed on shutdown.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'Structured logs on standard output.' },
);

export const EndpointSchema = Type.Object(
  {
    url: Type.String({ format: 'uri', description: 'Origin of the endpoint: http://host:port (a path is not allowed).' }),
    weight: Type.Integer({ minimum: 1, maximum: 1000, default: 1, description: 'Relative share of traffic for weighted balancing.' }),
  },
  { additionalProperties: false },
);

export const ServiceSchema = Type.Object(
  {
    endpoints: Type.Array(EndpointSchema, { default: [], description: 'Static endpoints of the service.' }),
    loadBalancer: LoadBalancerSchema,
    discovery: DiscoverySchema,
    healthCheck: Type.Optional(HealthCheckSchema),
    outlierDetection: OutlierDetectionSchema,
    retry: RetrySchema,
    retryBudget: RetryBudgetSchema,
    circuitBreaker: CircuitBreakerSchema,
    connectionsPerEndpoint: Type.Integer({ minimum: 1, maximum: 10000, default: 128, description: 'Most open connections from this gateway to one endpoint (undici Pool size); requests beyond wait in the pool queue.' }),
    maxPendingPerEndpoint: Type.Integer({ minimum: 0, default: 1024, description: 'Most requests waiting for a connection to one endpoint; beyond it the gateway answers 503 at once.' }),
    connectTimeoutMs: Type.Integer({ minimum: 10, default: 2000, description: 'Time to establish a TCP connection to an endpoint; past it 504.' }),
    responseTimeoutMs: Type.Integer({ minimum: 10, default: 15000, description: 'Time to the upstream response head, and longest silence while its body streams; past it 504.' }),
    keepAliveTimeoutMs: Type.Integer({ minimum: 100, default: 4000, description: 'Idle time after which a pooled upstream connection is closed.' }),
  },
  // default {} makes TypeBox's Value.Default descend into each entry of the `services` record.
  { additionalProperties: false, default: {}, description: 'A named upstream service: its endpoints and how to reach them.' },
);

export const RouteMatchSchema = Type.Object(
  {
    path: Type.String({ pattern: '^/', description: 'Path to match. With type "pattern", segments like {id} capture a parameter.' }),
    type: Type.Union([Type.Literal('prefix'), Type.Literal('exact'), Type.Literal('pattern')], {
      default: 'prefix',
      description: 'prefix: the path or anything below it (segment-aware: /api does not match /apix); exact: only this path; pattern: segment by segment with {param} captures.',
    }),
    methods: Type.Optional(
      Type.Array(Type.String({ pattern: '^[A-Z]+$' }), {
        minItems: 1,
        uniqueItems: true,
        description: 'Methods this route accepts; a matching path with another method answers 405 with Allow. Omitted: every method.',
      }),
    ),
    host: Type.Optional(Type.String({ description: 'Host the request must address (exact, case-insensitive, port ignored). Omitted: any host.' })),
  },
  { additionalProperties: false, description: 'Which requests the route takes: a path, and optionally methods and a host.' },
);

export const RouteSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$', maxLength: 64, description: 'Unique route id; used in metrics labels and logs.' }),
    match: RouteMatchSchema,
    service: Type.String({ description: 'Name of the service in `services` that serves this route.' }),
    stripPrefix: Type.Optional(Type.String({ pattern: '^/', description: 'Prefix removed from the path before it goes upstream.' })),
    addPrefix: Type.Optional(Type.String({ pattern: '^/', description: 'Prefix added to the path (after stripPrefix) before it goes upstream.' })),
    rewrite: Type.Optional(Type.String({ pattern: '^/', description: 'Upstream path template; {param} is replaced by the captured parameter. Exclusive with stripPrefix/addPrefix.' })),
    retry: Type.Optional(
      Type.Object(RetrySchema.properties, {
        additionalProperties: false,
        description: "This route's retry policy, replacing the service's `retry` whole (fields left out take their defaults).",
      }),
    ),
    filters: Type.Array(Type.Union(filterSchemas as TSchema[]), {
      default: [],
      description: 'Filters run in this order, top to bottom, before the request is proxied.',
    }),
  },
  { additionalProperties: false },
);

export const StoresSchema = Type.Object(
  { cache: CacheStoreConfigSchema },
  { additionalProperties: false, default: {}, description: 'Stores holding shared state. Static: read at start.' },
);

export const GatewayConfigSchema = Type.Object(
  {
    listener: ListenerSchema,
    admin: AdminSchema,
    limits: LimitsSchema,
    logging: LoggingSchema,
    identityHeaders: IdentityHeadersSchema,
    auth: AuthSchema,
    stores: StoresSchema,
    providers: ProvidersSchema,
    services: Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$' }), ServiceSchema, {
      default: {},
      additionalProperties: false,
      description: 'Dynamic: upstream services by name.',
    }),
    routes: Type.Array(RouteSchema, { default: [], description: 'Dynamic: routes; the most specific match wins.' }),
  },
  { additionalProperties: false, $id: 'https://portero.dev/schema/gateway.json', title: 'Portero gateway configuration' },
);

export type GatewayConfig = Static<typeof GatewayConfigSchema>;
export type ServiceConfig = Static<typeof ServiceSchema>;
export type RouteConfig = Static<typeof RouteSchema>;
export type LimitsConfig = Static<typeof LimitsSchema>;
export type IdentityHeadersConfig = Static<typeof IdentityHeadersSchema>;
export type StoresConfig = Static<typeof StoresSchema>;
