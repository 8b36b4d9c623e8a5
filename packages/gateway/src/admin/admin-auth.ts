/**
 * Bearer-token check for /admin/*: constant-time comparison of SHA-256 digests (equal length
 * whatever the input). No token configured means the admin API is off (503), never open.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, GatewayError } from '../errors.js';

export type AdminAuthHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export function createAdminAuth(token: string | undefined): AdminAuthHook {
  const expected = token === undefined || token === '' ? undefined : digest(token);
  return async (request, reply) => {
    if (expected === undefined) {
      const err = new GatewayError('GW_ERR_ADMIN_DISABLED');
      await reply.code(err.status).type('application/json').send(errorBody(err));
      return;
    }
    const header = request.headers.authorization;
    const presented = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!timingSafeEqual(digest(presented), expected)) {
      const err = new GatewayError('GW_ERR_ADMIN_UNAUTHORIZED');
      await reply.code(err.status).header('www-authenticate', 'Bearer').type('application/json').send(errorBody(err));
    }
  };
}
