// Several latchkey processes may share one SQLite file (and `scripts/` commands
// write to it while the service runs). Two cheap reads per request tell the
// caches whether anything they hold may be stale:
//
// - `PRAGMA data_version` changes when another connection commits anything;
// - `cache_generation` is bumped by triggers (migration 0002) on every write
//   to apps, auth_keys and signing_keys, the tables that are cached.
//
// The generation is read only when data_version moved, and listeners run only
// when it changed: another process's spent-challenge inserts (one per
// proof-of-work request) commit constantly but change nothing cached, and must
// not make every process re-parse apps and re-import keys. This process's own
// writes do not move data_version; they invalidate the caches directly.
import type { Db } from './client.js';

export interface ChangeWatcher {
  /** Runs `listener` whenever a poll finds another connection's write to a cached table. */
  subscribe(listener: () => void): void;
  /** One cheap pragma (and, after another connection's commit, one row); call it before reading a cache. */
  poll(): void;
}

export function createChangeWatcher(db: Db): ChangeWatcher {
  const dataVersion = db.$client.prepare('PRAGMA data_version').pluck();
  const generation = db.$client.prepare('SELECT value FROM cache_generation WHERE id = 1').pluck();
  const listeners: (() => void)[] = [];
  let seenVersion = dataVersion.get() as number;
  let seenGeneration = generation.get() as number;
  return {
    subscribe(listener) {
      listeners.push(listener);
    },
    poll() {
      const version = dataVersion.get() as number;
      if (version === seenVersion) return;
      seenVersion = version;
      const current = generation.get() as number;
      if (current === seenGeneration) return;
      seenGeneration = current;
      for (const listener of listeners) listener();
    },
  };
}
