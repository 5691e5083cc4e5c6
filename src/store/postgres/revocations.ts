// Session revocations on PostgreSQL (§2.5): at most `max` live ones per app,
// read whole by every node's cache, purged once they can match nothing.
import { and, count, desc, eq, getTableColumns, gt, lte } from 'drizzle-orm';
import type pg from 'pg';
import type { AddRevocationResult, RevocationStore } from '../store.js';
import { LOCKS } from './advisory-locks.js';
import { purgeOnce } from './purge-once.js';
import { apps, auditEvents, revocations } from './schema.js';
import { transaction, type Tx } from './transaction.js';

const { seq: _seq, ...record } = getTableColumns(revocations);

export function createRevocationStore(db: Tx, pool: pg.Pool): RevocationStore {
  return {
    add(revocation, max, event) {
      return transaction(pool, async (tx): Promise<AddRevocationResult> => {
        // READ COMMITTED would let concurrent adds each count max - 1 and all
        // insert; the app row lock queues them (as for the 5-key limit).
        const app = await tx.select({ id: apps.id }).from(apps).where(eq(apps.id, revocation.appId)).for('update');
        if (app.length === 0) return { ok: false, reason: 'app_not_found' };
        const [live] = await tx
          .select({ n: count() })
          .from(revocations)
          .where(and(eq(revocations.appId, revocation.appId), gt(revocations.expiresAt, revocation.createdAt)));
        if ((live?.n ?? 0) >= max) return { ok: false, reason: 'revocation_limit_reached' };
        await tx.insert(revocations).values(revocation);
        await tx.insert(auditEvents).values(event);
        return { ok: true, revocation };
      });
    },
    async list(appId) {
      // seq breaks ties between revocations made in the same millisecond.
      return db.select(record).from(revocations).where(eq(revocations.appId, appId)).orderBy(desc(revocations.createdAt), desc(revocations.seq));
    },
    async listLive(now) {
      return db.select(record).from(revocations).where(gt(revocations.expiresAt, now));
    },
    async purge(now) {
      // The change trigger fires per statement, rows or not: deleting only
      // when something expired keeps every node from reloading its
      // revocations after each empty purge.
      const [due] = await db.select({ id: revocations.id }).from(revocations).where(lte(revocations.expiresAt, now)).limit(1);
      if (!due) return 0;
      return purgeOnce(pool, LOCKS.purgeRevocations, 'DELETE FROM revocations WHERE expires_at <= $1', [now.toISOString()]);
    },
  };
}
