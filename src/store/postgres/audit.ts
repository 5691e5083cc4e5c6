// Audit events on PostgreSQL (§2.4): listed newest first by `seq`, purged by age.
import { and, desc, eq, getTableColumns, lt } from 'drizzle-orm';
import type { AuditStore } from '../store.js';
import { auditEvents } from './schema.js';
import type { Tx } from './transaction.js';

const { seq, ...record } = getTableColumns(auditEvents);

export function createAuditStore(db: Tx): AuditStore {
  return {
    async list(filter) {
      const rows = await db
        .select({ ...record, seq })
        .from(auditEvents)
        .where(
          and(
            filter.tenantId === undefined ? undefined : eq(auditEvents.tenantId, filter.tenantId),
            filter.projectId === undefined ? undefined : eq(auditEvents.projectId, filter.projectId),
            filter.appId === undefined ? undefined : eq(auditEvents.appId, filter.appId),
            filter.action === undefined ? undefined : eq(auditEvents.action, filter.action),
            filter.before === undefined ? undefined : lt(auditEvents.seq, filter.before),
          ),
        )
        .orderBy(desc(auditEvents.seq))
        .limit(filter.limit + 1);
      const page = rows.slice(0, filter.limit);
      const next = rows.length > filter.limit ? page[page.length - 1]!.seq : null;
      return { events: page.map(({ seq: _position, ...event }) => event), next };
    },
    async purge(before) {
      return (await db.delete(auditEvents).where(lt(auditEvents.at, before)).returning({ seq })).length;
    },
  };
}
