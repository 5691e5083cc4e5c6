// Revocations that can no longer match a live token are purged (§2.5): at
// start and every hour on every node. On PostgreSQL one node at a time
// deletes, and an empty purge writes nothing (so no node reloads its cache).
import type { Clock } from '../clock.js';
import { purgeHourly, type PurgeDeps } from '../purge-hourly.js';
import type { Store } from '../store/store.js';

/** Purges now and then hourly; returns the function that stops it. */
export function startRevocationPurge(deps: PurgeDeps & { store: Store; clock: Clock }): () => void {
  return purgeHourly(deps, 'expired revocations', () => deps.store.revocations.purge(new Date(deps.clock.now())));
}
