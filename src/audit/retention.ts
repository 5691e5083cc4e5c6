// Audit events are kept AUDIT_RETENTION_DAYS (§1), then purged: at start and
// once an hour on every node (a purge is one indexed range delete, and nodes
// purging the same range at once only delete nothing twice).
import type { Clock } from '../clock.js';
import { purgeHourly, type PurgeDeps } from '../purge-hourly.js';
import type { Store } from '../store/store.js';

const DAY_MS = 86_400_000;

export function purgeOldAuditEvents(store: Store, clock: Clock, retentionDays: number): Promise<number> {
  return store.audit.purge(new Date(clock.now() - retentionDays * DAY_MS));
}

/** Purges now and then hourly; returns the function that stops it. */
export function startAuditRetention(deps: PurgeDeps & { store: Store; clock: Clock }, retentionDays: number): () => void {
  return purgeHourly(deps, 'old audit events', () => purgeOldAuditEvents(deps.store, deps.clock, retentionDays));
}
