// Customer public keys on PostgreSQL, at most `max` per app.
import { and, asc, eq, getTableColumns } from 'drizzle-orm';
import type pg from 'pg';
import type { AddKeyResult, KeyStore } from '../store.js';
import { apps, auditEvents, authKeys } from './schema.js';
import { transaction, type Tx } from './transaction.js';

const { seq: _seq, ...record } = getTableColumns(authKeys);

export function createKeyStore(db: Tx, pool: pg.Pool): KeyStore {
  return {
    add(key, max, event) {
      return transaction(pool, async (tx): Promise<AddKeyResult> => {
        // PostgreSQL's READ COMMITTED lets two uploads both count four keys and
        // both insert (20 concurrent uploads made 20 keys, measured). Locking
        // the app row first queues them: each counts what the previous committed.
        const app = await tx.select({ id: apps.id }).from(apps).where(eq(apps.id, key.appId)).for('update');
        if (app.length === 0) return { ok: false, reason: 'app_not_found' };
        const existing = await tx.select({ kid: authKeys.kid }).from(authKeys).where(eq(authKeys.appId, key.appId));
        if (existing.some((row) => row.kid === key.kid)) return { ok: false, reason: 'kid_conflict' };
        if (existing.length >= max) return { ok: false, reason: 'key_limit_reached' };
        await tx.insert(authKeys).values(key);
        if (event) await tx.insert(auditEvents).values(event);
        return { ok: true, key };
      });
    },
    async list(appId) {
      // seq breaks ties between keys added in the same millisecond.
      return db.select(record).from(authKeys).where(eq(authKeys.appId, appId)).orderBy(asc(authKeys.createdAt), asc(authKeys.seq));
    },
    delete(appId, kid, event) {
      return transaction(pool, async (tx) => {
        const [deleted] = await tx.delete(authKeys).where(and(eq(authKeys.appId, appId), eq(authKeys.kid, kid))).returning(record);
        if (!deleted) return false;
        if (event) await tx.insert(auditEvents).values(event(deleted));
        return true;
      });
    },
  };
}
