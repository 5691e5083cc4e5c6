// The service's signing keys on PostgreSQL: at most one current key in the
// whole cluster, however many nodes start or rotate at once.
import { and, asc, eq, getTableColumns, isNull, sql } from 'drizzle-orm';
import type pg from 'pg';
import type { SigningKeyStore } from '../store.js';
import { LOCKS } from './advisory-locks.js';
import { auditEvents, signingKeys } from './schema.js';
import { transaction, type Tx } from './transaction.js';

const { seq: _seq, ...record } = getTableColumns(signingKeys);

// "Is a key current? If not, insert one" is check-then-act: nodes starting
// together on an empty database each saw none and made three current keys
// (measured). The lock makes them take turns; the partial unique index
// signing_keys_one_current refuses a second current key should anything skip it.
const lockSigningKeys = (tx: Tx) => tx.execute(sql`SELECT pg_advisory_xact_lock(${LOCKS.signingKeys}::bigint)`);

export function createSigningKeyStore(db: Tx, pool: pg.Pool): SigningKeyStore {
  return {
    ensureCurrent(make) {
      return transaction(pool, async (tx) => {
        await lockSigningKeys(tx);
        const current = await tx.select({ kid: signingKeys.kid }).from(signingKeys).where(isNull(signingKeys.retiredAt)).limit(1);
        if (current.length === 0) await tx.insert(signingKeys).values(make());
      });
    },
    change(plan) {
      return transaction(pool, async (tx) => {
        await lockSigningKeys(tx);
        const keys = await tx.select(record).from(signingKeys).orderBy(asc(signingKeys.createdAt), asc(signingKeys.seq));
        const { change, result } = plan(keys);
        if (!change) return result;
        for (const { kid, set } of change.updates) await tx.update(signingKeys).set(set).where(eq(signingKeys.kid, kid));
        if (change.insert) await tx.insert(signingKeys).values(change.insert);
        if (change.event) await tx.insert(auditEvents).values(change.event);
        return result;
      });
    },
    async replacePrivateKey(kid, expected, privateKey) {
      const updated = await db
        .update(signingKeys)
        .set({ privateKey })
        .where(and(eq(signingKeys.kid, kid), eq(signingKeys.privateKey, expected)))
        .returning({ kid: signingKeys.kid });
      return updated.length === 1;
    },
    async all() {
      return db.select(record).from(signingKeys).orderBy(asc(signingKeys.createdAt), asc(signingKeys.seq));
    },
  };
}
