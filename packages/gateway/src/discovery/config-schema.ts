import { Type } from '@sinclair/typebox';

/** `services.<name>.discovery`: where the service's endpoints come from. */
export const DiscoverySchema = Type.Object(
  {
    provider: Type.Union([Type.Literal('static'), Type.Literal('registry'), Type.Literal('etcd'), Type.Literal('dns')], {
      default: 'static',
      description: 'static: the `endpoints` list; registry: instances registered with this gateway (providers.registry); etcd: keys under providers.etcd.prefix + service name; dns: the records named in `dns`.',
    }),
    name: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$', maxLength: 64, description: 'registry/etcd: the name instances register under, when it differs from the service name.' })),
    dns: Type.Optional(
      Type.Object(
        {
          name: Type.String({ minLength: 1, description: 'Name to resolve: a host name for A/AAAA, `_service._proto.domain` for SRV.' }),
          type: Type.Union([Type.Literal('A'), Type.Literal('AAAA'), Type.Literal('SRV')], { default: 'A', description: 'Record type. SRV records give each endpoint its port and weight (lowest priority only).' }),
          port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'Port of the endpoints for A/AAAA; required with them.' })),
          scheme: Type.Union([Type.Literal('http'), Type.Literal('https')], { default: 'http', description: 'Scheme of the endpoints.' }),
        },
        { additionalProperties: false, description: 'dns only: what to resolve.' },
      ),
    ),
  },
  { additionalProperties: false, default: {}, description: 'Service discovery. When the provider loses its backend the last known endpoints keep serving, and /admin/services and portero_discovery_staleness_seconds say how stale they are.' },
);

/** Static top-level `providers`: the discovery backends. */
export const ProvidersSchema = Type.Object(
  {
    registry: Type.Object(
      {
        token: Type.Optional(Type.String({ minLength: 16, description: 'Bearer token services present to register (not the admin token; e.g. ${PORTERO_REGISTRY_TOKEN}). Without it the registry endpoints answer 503.' })),
        defaultTtlSeconds: Type.Integer({ minimum: 1, default: 15, description: 'Lease of a registration that asks for none; an instance whose heartbeats stop is dropped when its lease ends.' }),
        minTtlSeconds: Type.Integer({ minimum: 1, default: 2, description: 'Shortest lease granted.' }),
        maxTtlSeconds: Type.Integer({ minimum: 1, default: 300, description: 'Longest lease granted.' }),
        maxInstancesPerService: Type.Integer({ minimum: 1, default: 256, description: 'Most instances one service may register.' }),
        maxServices: Type.Integer({ minimum: 1, default: 256, description: 'Most services the registry holds.' }),
        sweepIntervalMs: Type.Integer({ minimum: 100, default: 1000, description: 'How often expired leases are swept.' }),
      },
      { additionalProperties: false, default: {}, description: 'The embedded registry on the admin listener: POST/PUT/DELETE /registry/services/{service}/instances[/{id}[/heartbeat]].' },
    ),
    etcd: Type.Object(
      {
        hosts: Type.Array(Type.String({ format: 'uri' }), { minItems: 1, default: ['http://127.0.0.1:2379'], description: 'etcd client URLs.' }),
        prefix: Type.String({ pattern: '^/.*/$', default: '/portero/services/', description: 'Key prefix; an instance lives at <prefix><service>/<instanceId> → {"url","weight"} under a lease.' }),
        dialTimeoutMs: Type.Integer({ minimum: 100, default: 2000, description: 'Time to connect to etcd.' }),
        callTimeoutMs: Type.Integer({ minimum: 100, default: 3000, description: 'Time each etcd call may take.' }),
        retryMs: Type.Integer({ minimum: 100, default: 1000, description: 'Wait before a failed initial read of a service is tried again.' }),
      },
      { additionalProperties: false, default: {}, description: 'etcd discovery: each service is read, then watched, so every gateway sees the same instances.' },
    ),
    dns: Type.Object(
      {
        servers: Type.Array(Type.String(), { default: [], description: 'DNS servers (host or host:port); the system resolvers when empty.' }),
        minRefreshMs: Type.Integer({ minimum: 100, default: 1000, description: 'Shortest time between two resolutions of a name, however small its TTL; also the retry interval after a failure.' }),
        maxRefreshMs: Type.Integer({ minimum: 100, default: 60000, description: 'Longest time between two resolutions, however large its TTL.' }),
        queryTimeoutMs: Type.Integer({ minimum: 10, default: 2000, description: 'Time one query waits for an answer.' }),
        queryTries: Type.Integer({ minimum: 1, maximum: 10, default: 2, description: 'Tries per query.' }),
      },
      { additionalProperties: false, default: {}, description: 'DNS discovery (A/AAAA/SRV), re-resolved on the record TTL.' },
    ),
  },
  { additionalProperties: false, default: {}, description: 'Discovery providers. Static: read at start.' },
);
