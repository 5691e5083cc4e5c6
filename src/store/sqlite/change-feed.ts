// Several latchkey processes may share one SQLite file (and the operator
// commands write to it while the service runs). Two cheap reads tell the
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
// writes do not move data_version; the store reports them itself (./store.ts).
//
// data_version is read once per event-loop turn, not once per request: under
// load one turn serves the several requests that arrived together, and the
// read (a statement step, ~4 µs) was the largest cost of a refused request.
// A commit another process makes while a turn is under way is seen by the
// next turn's first request: a delay of one turn, inside §5's second, and
// an idle node still sees it on its next request.
import { setImmediate } from 'node:timers';
import type Database from 'better-sqlite3';
import type { ChangeFeed, ChangedTable } from '../store.js';
import { storeUnavailable } from './sqlite-errors.js';

export interface SqliteChangeFeed extends ChangeFeed {
  /** Reports a write made through this connection (data_version does not move for those). */
  notifyLocal(table: ChangedTable): void;
}

export function createChangeFeed(sqlite: Database.Database): SqliteChangeFeed {
  const dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
  const generation = sqlite.prepare('SELECT value FROM cache_generation WHERE id = 1').pluck();
  const listeners: ((table: ChangedTable) => void)[] = [];
  let seenVersion = dataVersion.get() as number;
  let seenGeneration = generation.get() as number;
  let epoch = 0;
  // node:timers' own setImmediate: a test's fake timers must not freeze the feed.
  let readThisTurn = false;
  const nextTurn = () => {
    readThisTurn = false;
  };
  const emit = (table: ChangedTable) => {
    epoch++;
    for (const listener of listeners) listener(table);
  };
  return {
    get epoch() {
      return epoch;
    },
    subscribe(listener) {
      listeners.push(listener);
    },
    poll() {
      if (readThisTurn) return;
      try {
        const version = dataVersion.get() as number;
        readThisTurn = true;
        setImmediate(nextTurn);
        if (version === seenVersion) return;
        const current = generation.get() as number;
        // What was seen is remembered only once it is read in full and the
        // listeners ran, so a poll that fails halfway is done again next time.
        if (current !== seenGeneration) {
          // The triggers do not say which table moved.
          emit('*');
          seenGeneration = current;
        }
        seenVersion = version;
      } catch (error) {
        throw storeUnavailable(error) ?? error;
      }
    },
    notifyLocal(table) {
      // The generation our own write bumped is left for poll() to find: that
      // costs one extra drop at the next foreign commit, where remembering it
      // here could swallow another process's write made in between.
      emit(table);
    },
  };
}
