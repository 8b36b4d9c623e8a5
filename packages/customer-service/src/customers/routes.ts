import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { ServiceError } from '../errors.js';
import { collectViolations } from '../validation.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { createEtag, ifMatchHolds, ifNoneMatchHits } from './etag.js';
import { applyMergePatch } from './merge-patch.js';
import { deleteCustomer, EmailTakenError, findCustomerById, insertCustomer, listCustomers, updateCustomer } from './repository.js';
import {
  Customer,
  CustomerIdParams,
  CustomerInput,
  CustomerMergePatch,
  CustomerPage,
  createListQuery,
  type Customer as CustomerType,
} from './schemas.js';

/** What the customer routes need; createApp fills it from the service configuration. */
export interface CustomerRoutesOptions {
  db: Kysely<Database>;
  /** Cache-Control on customer reads. */
  cacheControl: string;
  pageSizeDefault: number;
  pageSizeMax: number;
  /** How often a PATCH without If-Match re-reads and retries when another write got in between. */
  maxPatchAttempts: number;
  now: () => Date;
  newId: () => string;
}

const MERGE_PATCH = 'application/merge-patch+json';
const JSON_TYPE = 'application/json';
const checkCustomerInput = TypeCompiler.Compile(CustomerInput);

/** Fastify parses both media types; each route still only accepts the ones it documents. */
function requireMediaType(allowed: readonly string[]) {
  return async (request: FastifyRequest) => {
    const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!allowed.includes(mediaType)) throw new ServiceError('SVC_ERR_UNSUPPORTED_MEDIA_TYPE');
  };
}

function sendCustomer(reply: FastifyReply, customer: CustomerType, cacheControl: string): FastifyReply {
  return reply
    .header('etag', createEtag(customer.id, customer.version))
    .header('last-modified', new Date(customer.updatedAt).toUTCString())
    .header('cache-control', cacheControl);
}

/** The If-Match header, or undefined when the request sets no precondition. */
function ifMatchOf(request: FastifyRequest): string | undefined {
  const value = request.headers['if-match'];
  return value === undefined || value === '' ? undefined : value;
}

function sameWritableFields(current: CustomerType, input: CustomerInput): boolean {
  const a = input.address ?? null;
  const b = current.address;
  const sameAddress =
    a === null || b === null ? a === b : a.street === b.street && a.city === b.city && a.postalCode === b.postalCode && a.country === b.country;
  return (
    sameAddress &&
    current.name === input.name &&
    current.email === input.email &&
    current.phone === (input.phone ?? null) &&
    current.status === (input.status ?? 'active')
  );
}

async function writeOrConflict<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof EmailTakenError) throw new ServiceError('SVC_ERR_EMAIL_TAKEN', [{ in: 'body', path: '/email', message: 'already used' }]);
    throw error;
  }
}

export const customerRoutes: FastifyPluginAsyncTypebox<CustomerRoutesOptions> = async (app, options) => {
  const { db, cacheControl, now } = options;

  app.post(
    '/customers',
    { schema: { body: CustomerInput, response: { 201: Customer } }, preValidation: requireMediaType([JSON_TYPE]) },
    async (request, reply) => {
      const customer = await writeOrConflict(() => insertCustomer(db, options.newId(), request.body, now()));
      reply.code(201).header('location', `/customers/${customer.id}`);
      return sendCustomer(reply, customer, cacheControl).send(customer);
    },
  );

  app.get('/customers', { schema: { querystring: createListQuery(options.pageSizeMax), response: { 200: CustomerPage } } }, async (request, reply) => {
    const { cursor, q, status } = request.query;
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    if (cursor !== undefined && after === undefined) {
      throw new ServiceError('SVC_ERR_INVALID_CURSOR', [{ in: 'querystring', path: '/cursor', message: 'not a cursor returned by this service' }]);
    }
    const page = await listCustomers(db, { limit: request.query.limit ?? options.pageSizeDefault, after, q, status });
    const last = page.items.at(-1);
    reply.header('cache-control', cacheControl);
    return { items: page.items, nextCursor: page.hasMore && last !== undefined ? encodeCursor(last) : null };
  });

  app.get('/customers/:id', { schema: { params: CustomerIdParams, response: { 200: Customer } } }, async (request, reply) => {
    const customer = await findCustomerById(db, request.params.id.toLowerCase());
    if (customer === undefined) throw new ServiceError('SVC_ERR_CUSTOMER_NOT_FOUND');
    sendCustomer(reply, customer, cacheControl);
    if (ifNoneMatchHits(request.headers['if-none-match'], createEtag(customer.id, customer.version))) return (reply as FastifyReply).code(304).send();
    return customer;
  });

  /**
   * With `If-Match`, the version the write must find (404 when the customer is gone, 412 when the
   * tag does not match); without it, undefined: the write applies to whatever version is current.
   */
  async function expectedVersionFor(id: string, ifMatch: string | undefined): Promise<number | undefined> {
    if (ifMatch === undefined) return undefined;
    const current = await findCustomerById(db, id);
    if (current === undefined) throw new ServiceError('SVC_ERR_CUSTOMER_NOT_FOUND');
    if (!ifMatchHolds(ifMatch, createEtag(current.id, current.version))) throw new ServiceError('SVC_ERR_PRECONDITION_FAILED');
    return current.version;
  }

  app.put(
    '/customers/:id',
    { schema: { params: CustomerIdParams, body: CustomerInput, response: { 200: Customer } }, preValidation: requireMediaType([JSON_TYPE]) },
    async (request, reply) => {
      const id = request.params.id.toLowerCase();
      const expectedVersion = await expectedVersionFor(id, ifMatchOf(request));
      const result = await writeOrConflict(() => updateCustomer(db, id, request.body, now(), expectedVersion));
      if (result.kind === 'not_found') throw new ServiceError('SVC_ERR_CUSTOMER_NOT_FOUND');
      // The version moved between the check and the write: the precondition no longer holds.
      if (result.kind === 'version_mismatch') throw new ServiceError('SVC_ERR_PRECONDITION_FAILED');
      return sendCustomer(reply, result.customer, cacheControl).send(result.customer);
    },
  );

  app.patch(
    '/customers/:id',
    {
      schema: { params: CustomerIdParams, body: CustomerMergePatch, response: { 200: Customer } },
      preValidation: requireMediaType([MERGE_PATCH, JSON_TYPE]),
    },
    async (request, reply) => {
      const id = request.params.id.toLowerCase();
      const ifMatch = ifMatchOf(request);
      for (let attempt = 1; attempt <= options.maxPatchAttempts; attempt++) {
        const current = await findCustomerById(db, id);
        if (current === undefined) throw new ServiceError('SVC_ERR_CUSTOMER_NOT_FOUND');
        if (ifMatch !== undefined && !ifMatchHolds(ifMatch, createEtag(current.id, current.version))) {
          throw new ServiceError('SVC_ERR_PRECONDITION_FAILED');
        }
        const { name, email, phone, address, status } = current;
        const patched = applyMergePatch({ name, email, phone, address, status }, request.body);
        const violations = collectViolations(checkCustomerInput, patched);
        if (violations.length > 0) {
          throw new ServiceError('SVC_ERR_VALIDATION', violations.map((v) => ({ in: 'body', ...v })), 'The patched customer would be invalid.');
        }
        // A patch that changes nothing is not a change: no write, same version, same ETag.
        if (sameWritableFields(current, patched as CustomerInput)) return sendCustomer(reply, current, cacheControl).send(current);
        const result = await writeOrConflict(() => updateCustomer(db, id, patched as CustomerInput, now(), current.version));
        if (result.kind === 'written') return sendCustomer(reply, result.customer, cacheControl).send(result.customer);
        if (result.kind === 'not_found') throw new ServiceError('SVC_ERR_CUSTOMER_NOT_FOUND');
        if (ifMatch !== undefined) throw new ServiceError('SVC_ERR_PRECONDITION_FAILED');
        // Without If-Match the client asked for "apply this patch to whatever is current": re-read and try again.
      }
      throw new ServiceError('SVC_ERR_CONCURRENT_UPDATE');
    },
  );

  app.delete('/customers/:id', { schema: { params: CustomerIdParams } }, async (request, reply) => {
    const id = request.params.id.toLowerCase();
    const expectedVersion = await expectedVersionFor(id, ifMatchOf(request));
    const outcome = await deleteCustomer(db, id, expectedVersion);
    if (outcome === 'not_found') throw new ServiceError('SVC_ERR_CUSTOMER_NOT_FOUND');
    if (outcome === 'version_mismatch') throw new ServiceError('SVC_ERR_PRECONDITION_FAILED');
    return reply.code(204).send();
  });
};
