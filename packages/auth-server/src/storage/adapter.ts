import type { Adapter, AdapterPayload } from 'oidc-provider';

/**
 * The storage seam of oidc-provider (its `adapter` option), as implemented by
 * `createMemoryAdapterFactory` and `createRedisAdapterFactory`. oidc-provider creates one adapter
 * per model name: Session, AccessToken, AuthorizationCode, RefreshToken, ClientCredentials,
 * Interaction, Grant, ReplayDetection, PushedAuthorizationRequest… Semantics every
 * implementation keeps:
 *
 * - `upsert(id, payload, expiresIn)`: create or replace the model instance `id`. `expiresIn` is
 *   seconds until it may be forgotten (absent: keep until destroyed). When the payload has a
 *   `grantId` and the model is one a grant owns (AccessToken, AuthorizationCode, RefreshToken,
 *   DeviceCode, BackchannelAuthenticationRequest), the instance is remembered under that grant so
 *   `revokeByGrantId` finds it. Sessions are also indexed by `payload.uid` and device codes by
 *   `payload.userCode`.
 * - `find(id)`: the payload, or undefined when unknown or expired. A consumed instance is still
 *   returned, with `consumed` set: oidc-provider uses that to detect code and refresh token reuse
 *   and then revokes the whole grant.
 * - `findByUid(uid)` (Session only) and `findByUserCode(userCode)` (DeviceCode only): same, via
 *   the secondary index.
 * - `consume(id)`: mark as used by setting `consumed` to the epoch seconds now; keeps the TTL.
 * - `destroy(id)`: forget the instance (and its secondary indexes).
 * - `revokeByGrantId(grantId)`: destroy every instance remembered under the grant.
 */
export type StorageAdapter = Adapter;

/** The `adapter` option: oidc-provider calls it once per model name. */
export type StorageAdapterFactory = (model: string) => StorageAdapter;

export type { AdapterPayload };

/** Models a grant owns; `revokeByGrantId` destroys them together. */
export const GRANTABLE_MODELS = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);
