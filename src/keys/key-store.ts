// Storage of customer public keys, at most MAX_KEYS_PER_APP per app.
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import type { Db } from '../db/client.js';
import { authKeys } from '../db/schema.js';
import type { CustomerAlgorithm } from './algorithms.js';
import type { KeyResource } from './key-schema.js';

export const MAX_KEYS_PER_APP = 5;

export type KeyRow = typeof authKeys.$inferSelect;

export function toKeyResource(row: KeyRow): KeyResource {
  return {
    kid: row.kid,
    algorithm: row.algorithm as CustomerAlgorithm,
    publicKey: row.publicKey,
    thumbprint: row.thumbprint,
    createdAt: row.createdAt.toISOString(),
  };
}

export type AddKeyResult = { ok: true; key: KeyRow } | { ok: false; reason: 'kid_conflict' | 'key_limit_reached' };

export function addKey(
  db: Db,
  clock: Clock,
  appId: string,
  key: { kid: string; algorithm: CustomerAlgorithm; publicKey: string; thumbprint: string },
): AddKeyResult {
  // BEGIN IMMEDIATE takes the write lock before counting, so two uploads at
  // once (from this process or another one on the same file) cannot both see
  // four keys and make six.
  return db.transaction(
    (tx): AddKeyResult => {
      const existing = tx.select({ kid: authKeys.kid }).from(authKeys).where(eq(authKeys.appId, appId)).all();
      if (existing.some((row) => row.kid === key.kid)) return { ok: false, reason: 'kid_conflict' };
      if (existing.length >= MAX_KEYS_PER_APP) return { ok: false, reason: 'key_limit_reached' };
      const row: KeyRow = { appId, ...key, createdAt: new Date(clock.now()) };
      tx.insert(authKeys).values(row).run();
      return { ok: true, key: row };
    },
    { behavior: 'immediate' },
  );
}

export function listKeys(db: Db, appId: string): KeyRow[] {
  // rowid breaks ties between keys added in the same millisecond.
  return db.select().from(authKeys).where(eq(authKeys.appId, appId)).orderBy(asc(authKeys.createdAt), sql`rowid`).all();
}

export function deleteKey(db: Db, appId: string, kid: string): boolean {
  return db.delete(authKeys).where(and(eq(authKeys.appId, appId), eq(authKeys.kid, kid))).run().changes === 1;
}
