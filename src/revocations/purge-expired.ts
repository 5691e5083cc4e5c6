// Revocations that can no longer match a live token are purged (§2.5): at
// start and every hour on every node. On PostgreSQL one node at a time
// deletes, and an empty purge writes nothing (so no node reloads its cache).
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Store } from '../store/store.js';

const EVERY_MS = 3_600_000;

/** Purges now and then hourly; returns the function that stops it. */
export function startRevocationPurge(deps: { store: Store; clock: Clock; logger: Logger; metrics: Pick<Metrics, 'storeError'> }): () => void {
  const purge = () =>
    deps.store.revocations.purge(new Date(deps.clock.now())).then(
      (purged) => purged > 0 && deps.logger.info({ purged }, 'expired revocations purged'),
      (error: unknown) => {
        deps.metrics.storeError();
        deps.logger.warn({ err: error }, 'revocation purge failed; retrying in an hour');
      },
    );
  void purge();
  const timer = setInterval(purge, EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
