import { createHash, timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { EmbeddedRegistry } from './embedded-registry.js';
import { registryErrorBody, registryErrorCatalog, type RegistryErrorCode } from './registry-errors.js';

export interface RegistryAdminPluginOptions {
  readonly registry: EmbeddedRegistry;
  /** Registration token (static config `providers.registry.token` or PORTERO_REGISTRY_TOKEN); without one every call answers 503. */
  readonly token: string | undefined;
}

const ServiceName = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$', maxLength: 64 });
const InstanceId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$', maxLength: 128 });
const ServiceParams = Type.Object({ service: ServiceName });
const InstanceParams = Type.Object({ service: ServiceName, id: InstanceId });
const RegistrationBody = Type.Object(
  {
    id: Type.Optional(InstanceId),
    url: Type.String({ maxLength: 2048 }),
    weight: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    ttlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400 })),
  },
  { additionalProperties: false },
);

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * The registry's HTTP API, mounted on the admin listener but outside the admin token's scope:
 * services hold a registration token, not the admin token, so a leaked service credential cannot
 * reload config or purge caches. Tokens are compared as SHA-256 digests with timingSafeEqual, so
 * neither the content nor the length of the expected token leaks through timing.
 *
 *   POST   /registry/services/{service}/instances                 {id?, url, weight?, ttlSeconds?} → 201/200 {id, ttlSeconds}
 *   PUT    /registry/services/{service}/instances/{id}/heartbeat  → 200 {id, ttlSeconds} | 404 (register again)
 *   DELETE /registry/services/{service}/instances/{id}            → 204 | 404
 *   GET    /registry/services/{service}/instances                 → 200 {instances}
 */
export function createRegistryAdminPlugin(options: RegistryAdminPluginOptions): FastifyPluginAsync {
  const expected = options.token === undefined ? undefined : digest(options.token);
  const fail = (reply: FastifyReply, code: RegistryErrorCode, details?: unknown) =>
    reply.code(registryErrorCatalog[code].status).send(registryErrorBody(code, details));

  return async (root) => {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();
    // TypeBox's own validator, scoped to this plugin: unknown fields are rejected rather than
    // silently stripped as Fastify's default Ajv setup would.
    app.setValidatorCompiler(TypeBoxValidatorCompiler);

    app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      if (!expected) return fail(reply, 'GW_ERR_REGISTRY_DISABLED');
      const header = request.headers.authorization;
      const presented = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : '';
      if (!timingSafeEqual(digest(presented), expected)) {
        void reply.header('www-authenticate', 'Bearer realm="portero-registry"');
        return fail(reply, 'GW_ERR_REGISTRY_UNAUTHORIZED');
      }
    });

    app.setErrorHandler((err: { validation?: unknown; statusCode?: number; message: string }, _request, reply) => {
      if (err.validation || (err.statusCode !== undefined && err.statusCode < 500)) {
        return fail(reply, 'GW_ERR_REGISTRY_BAD_REQUEST', err.validation ? err.message : undefined);
      }
      return reply.code(500).send({ error: { code: 'GW_ERR_INTERNAL', message: 'The gateway failed to handle the request.' } });
    });

    const { registry } = options;

    app.post('/registry/services/:service/instances', { schema: { params: ServiceParams, body: RegistrationBody } }, async (request, reply) => {
      const result = registry.register(request.params.service, request.body);
      if (!result.ok) return fail(reply, result.reason === 'bad-url' ? 'GW_ERR_REGISTRY_BAD_REQUEST' : 'GW_ERR_REGISTRY_FULL', { reason: result.reason });
      return reply.code(result.created ? 201 : 200).send({ service: request.params.service, id: result.id, ttlSeconds: result.ttlSeconds });
    });

    app.put('/registry/services/:service/instances/:id/heartbeat', { schema: { params: InstanceParams } }, async (request, reply) => {
      const lease = registry.heartbeat(request.params.service, request.params.id);
      if (!lease) return fail(reply, 'GW_ERR_REGISTRY_INSTANCE_NOT_FOUND');
      return { id: request.params.id, ttlSeconds: lease.ttlSeconds };
    });

    app.delete('/registry/services/:service/instances/:id', { schema: { params: InstanceParams } }, async (request, reply) => {
      if (!registry.deregister(request.params.service, request.params.id)) return fail(reply, 'GW_ERR_REGISTRY_INSTANCE_NOT_FOUND');
      return reply.code(204).send();
    });

    app.get('/registry/services/:service/instances', { schema: { params: ServiceParams } }, async (request) => ({
      instances: registry.instances(request.params.service).map((i) => ({
        id: i.id,
        url: i.origin,
        weight: i.weight,
        ttlSeconds: i.ttlSeconds,
        expiresAt: new Date(i.expiresAt).toISOString(),
      })),
    }));
  };
}
