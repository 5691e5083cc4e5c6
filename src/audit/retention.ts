// Audit events are kept AUDIT_RETENTION_DAYS (§1), then purged: at start and
// once an hour on every node (a purge is one indexed range delete, and nodes
// purging the same range at once only delete nothing twice).
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Store } from '../store/store.js';

const DAY_MS = 86_400_000;
const EVERY_MS = 3_600_000;

export function purgeOldAuditEvents(store: Store, clock: Clock, retentionDays: number): Promise<number> {
  return store.audit.purge(new Date(clock.now() - retentionDays * DAY_MS));
}

/** Purges now and then hourly; returns the function that stops it. */
export function startAuditRetention(deps: { store: Store; clock: Clock; logger: Logger; metrics: Pick<Metrics, 'storeError'> }, retentionDays: number): () => void {
  const purge = () =>
    purgeOldAuditEvents(deps.store, deps.clock, retentionDays).then(
      (purged) => purged > 0 && deps.logger.info({ purged }, 'old audit events purged'),
      (error: unknown) => {
        deps.metrics.storeError();
        deps.logger.warn({ err: error }, 'audit purge failed; retrying in an hour');
      },
    );
  void purge();
  const timer = setInterval(purge, EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
