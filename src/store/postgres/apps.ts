// App records on PostgreSQL. Every management lookup is scoped by tenant and
// project, so another tenant's app is indistinguishable from a missing one.
import { and, asc, count, eq, getTableColumns } from 'drizzle-orm';
import type pg from 'pg';
import type { AppRecord, AppScope } from '../records.js';
import type { AppChanges, AppStore } from '../store.js';
import { apps, auditEvents } from './schema.js';
import { transaction, type Tx } from './transaction.js';

const inScope = (scope: AppScope, appId: string) =>
  and(eq(apps.id, appId), eq(apps.tenantId, scope.tenantId), eq(apps.projectId, scope.projectId));

// Every column but the insertion-order one, so rows read back as records.
const { seq: _seq, ...record } = getTableColumns(apps);

export function createAppStore(db: Tx, pool: pg.Pool): AppStore {
  const getScoped = async (scope: AppScope, appId: string) => (await db.select(record).from(apps).where(inScope(scope, appId)))[0];
  return {
    async create(app, event) {
      if (!event) return void (await db.insert(apps).values(app));
      await transaction(pool, async (tx) => {
        await tx.insert(apps).values(app);
        await tx.insert(auditEvents).values(event);
      });
    },
    async list(scope, page, limit) {
      const where = and(eq(apps.tenantId, scope.tenantId), eq(apps.projectId, scope.projectId));
      const [rows, totals] = await Promise.all([
        db
          .select(record)
          .from(apps)
          .where(where)
          // seq, not the random id, breaks ties between apps created in the same millisecond.
          .orderBy(asc(apps.createdAt), asc(apps.seq))
          .limit(limit)
          .offset((page - 1) * limit),
        db.select({ n: count() }).from(apps).where(where),
      ]);
      return { apps: rows, total: totals[0]?.n ?? 0 };
    },
    getScoped,
    async getById(appId) {
      return (await db.select(record).from(apps).where(eq(apps.id, appId)))[0];
    },
    async update(scope, appId, changes, event) {
      const defined = (fields: AppChanges) =>
        Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<AppRecord>;
      if (typeof changes !== 'function') {
        const set = defined(changes);
        if (Object.keys(set).length === 0) return getScoped(scope, appId);
        if (!event) return (await db.update(apps).set(set).where(inScope(scope, appId)).returning(record))[0];
      }
      return transaction(pool, async (tx) => {
        // The row is locked while its change is decided, so two PATCHes record
        // each other's values as `from`, never the same old one twice, and a
        // nested merge builds on the latest committed value.
        const [before] = await tx.select(record).from(apps).where(inScope(scope, appId)).for('update');
        if (!before) return undefined;
        const set = defined(typeof changes === 'function' ? changes(before) : changes);
        if (Object.keys(set).length === 0) return before;
        const audit = event ? event(before, { ...before, ...set }) : undefined;
        if (audit === null) return before;
        const [after] = await tx.update(apps).set(set).where(inScope(scope, appId)).returning(record);
        if (audit) await tx.insert(auditEvents).values(audit);
        return after;
      });
    },
    async projects(within) {
      return db
        .select({ tenantId: apps.tenantId, projectId: apps.projectId, apps: count() })
        .from(apps)
        .where(
          and(
            within.tenantId === undefined ? undefined : eq(apps.tenantId, within.tenantId),
            within.projectId === undefined ? undefined : eq(apps.projectId, within.projectId),
          ),
        )
        .groupBy(apps.tenantId, apps.projectId)
        .orderBy(asc(apps.tenantId), asc(apps.projectId));
    },
    async delete(scope, appId, event) {
      return transaction(pool, async (tx) => {
        // auth_keys rows go with it (ON DELETE CASCADE).
        const deleted = await tx.delete(apps).where(inScope(scope, appId)).returning({ id: apps.id });
        if (deleted.length !== 1) return false;
        if (event) await tx.insert(auditEvents).values(event);
        return true;
      });
    },
  };
}
