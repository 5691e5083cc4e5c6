// Customer public keys (§2.2): at most MAX_KEYS_PER_APP per app, found only by
// (app, kid). The limit is enforced atomically by the store.
import type { Clock } from '../clock.js';
import type { KeyRecord } from '../store/records.js';
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

export function addKey(
  store: Store,
  clock: Clock,
  appId: string,
  key: { kid: string; algorithm: CustomerAlgorithm; publicKey: string; thumbprint: string },
): Promise<AddKeyResult> {
  return store.keys.add({ appId, ...key, createdAt: new Date(clock.now()) }, MAX_KEYS_PER_APP);
}
