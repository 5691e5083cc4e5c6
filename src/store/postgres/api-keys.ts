// Scoped management keys on PostgreSQL (§2.3), and their audit events.
import { asc, eq, getTableColumns } from 'drizzle-orm';
import type pg from 'pg';
import type { ApiKeyStore, RevokeApiKeyResult } from '../store.js';
import { apiKeys, auditEvents } from './schema.js';
import { transaction, type Tx } from './transaction.js';

const { seq: _seq, ...record } = getTableColumns(apiKeys);

export function createApiKeyStore(db: Tx, pool: pg.Pool): ApiKeyStore {
  return {
    async create(key, event) {
      await transaction(pool, async (tx) => {
        await tx.insert(apiKeys).values(key);
        await tx.insert(auditEvents).values(event);
      });
    },
    async list(tenantId) {
      return db
        .select(record)
        .from(apiKeys)
        .where(tenantId === undefined ? undefined : eq(apiKeys.tenantId, tenantId))
        .orderBy(asc(apiKeys.createdAt), asc(apiKeys.seq));
    },
    async get(id) {
      return (await db.select(record).from(apiKeys).where(eq(apiKeys.id, id)))[0];
    },
    async findByHash(secretHash) {
      return (await db.select(record).from(apiKeys).where(eq(apiKeys.secretHash, secretHash)))[0];
    },
    revoke(id, at, event) {
      return transaction(pool, async (tx): Promise<RevokeApiKeyResult> => {
        // Locked, so two revocations at once record one event between them.
        const [key] = await tx.select(record).from(apiKeys).where(eq(apiKeys.id, id)).for('update');
        if (!key) return 'not_found';
        if (key.revokedAt) return 'already_revoked';
        await tx.update(apiKeys).set({ revokedAt: at }).where(eq(apiKeys.id, id));
        await tx.insert(auditEvents).values(event({ ...key, revokedAt: at }));
        return 'revoked';
      });
    },
    async touch(id, at) {
      await db.update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, id));
    },
  };
}
