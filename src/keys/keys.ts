// Customer public keys (§2.2): at most MAX_KEYS_PER_APP per app, found only by
// (app, kid). The limit is enforced atomically by the store.
import { auditEvent, type WriteContext } from '../audit/audit-event.js';
import type { AppScope, KeyRecord } from '../store/records.js';
import type { AddKeyResult, Store } from '../store/store.js';
import type { CustomerAlgorithm } from './algorithms.js';
import type { KeyResource } from './key-schema.js';

export const MAX_KEYS_PER_APP = 5;

export type { KeyRecord };

export function toKeyResource(key: KeyRecord): KeyResource {
  return {
    kid: key.kid,
    algorithm: key.algorithm as CustomerAlgorithm,
    publicKey: key.publicKey,
    thumbprint: key.thumbprint,
    createdAt: key.createdAt.toISOString(),
  };
}

// An event names the key by kid and thumbprint: never the key itself.
const keyEvent = (ctx: WriteContext, action: 'auth_key.added' | 'auth_key.deleted', scope: AppScope, key: KeyRecord) =>
  auditEvent(ctx, action, {
    ...scope,
    appId: key.appId,
    target: key.kid,
    changes: { algorithm: key.algorithm, thumbprint: key.thumbprint },
  });

export function addKey(
  store: Store,
  ctx: WriteContext,
  scope: AppScope,
  appId: string,
  key: { kid: string; algorithm: CustomerAlgorithm; publicKey: string; thumbprint: string },
): Promise<AddKeyResult> {
  const record: KeyRecord = { appId, ...key, createdAt: new Date(ctx.clock.now()) };
  return store.keys.add(record, MAX_KEYS_PER_APP, keyEvent(ctx, 'auth_key.added', scope, record));
}

export function deleteKey(store: Store, ctx: WriteContext, scope: AppScope, appId: string, kid: string): Promise<boolean> {
  return store.keys.delete(appId, kid, (deleted) => keyEvent(ctx, 'auth_key.deleted', scope, deleted));
}
