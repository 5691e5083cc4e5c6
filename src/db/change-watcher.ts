// Several latchkey processes may share one SQLite file (and `scripts/` commands
// write to it while the service runs). SQLite's `data_version` changes when
// another connection commits, so one cheap pragma per request tells the caches
// whether anything they hold may be stale. This process's own writes do not
// change it; those invalidate the caches directly.
import type { Db } from './client.js';

export interface ChangeWatcher {
  /** Runs `listener` whenever a poll finds another connection's commit. */
  subscribe(listener: () => void): void;
  /** One cheap pragma; call it before reading a cache. */
  poll(): void;
}

export function createChangeWatcher(db: Db): ChangeWatcher {
  const statement = db.$client.prepare('PRAGMA data_version').pluck();
  const listeners: (() => void)[] = [];
  let seen = statement.get() as number;
  return {
    subscribe(listener) {
      listeners.push(listener);
    },
    poll() {
      const current = statement.get() as number;
      if (current === seen) return;
      seen = current;
      for (const listener of listeners) listener();
    },
  };
}
