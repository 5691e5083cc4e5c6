// How long a statement may wait for a lock another connection holds.
//
// better-sqlite3 is synchronous: while SQLite waits for a lock, nothing else in
// this process runs — no other request, no timer, no health probe. So the
// wait while serving is short: 100 ms. Between latchkey processes a write
// holds the lock for microseconds (WAL, synchronous=NORMAL: no fsync per
// commit), so 100 ms absorbs any ordinary contention many times over, while a
// lock held longer (a script's long transaction, a backup, a stuck process)
// costs a request 100 ms and a 503 with Retry-After instead of seconds of a
// frozen event loop.
//
// One 100 ms wait per request is still too many when the lock stays held:
// requests arriving meanwhile would each wait in turn, the loop would serve
// ten a second, and answers would fall further behind with every one. So once
// a wait has failed, statements on that connection do not wait at all for a
// second (FAIL_FAST_MS): they take the lock if it is free and fail at once if
// not. The worst stall is then one 100 ms wait per second, however many
// requests arrive.
//
// Start-up is different: nothing is served yet, and several processes starting
// on one file take turns holding the lock to migrate and create the first
// signing key. There a statement waits up to 5 s, and a few steps retry.
import type Database from 'better-sqlite3';
import { DatabaseOpenError, isLockContention, storeUnavailable } from './sqlite-errors.js';

export const SERVING_BUSY_TIMEOUT_MS = 100;
export const STARTUP_BUSY_TIMEOUT_MS = 5000;
const FAIL_FAST_MS = 1000;

const failingFast = new WeakSet<Database.Database>();

function servingTimeout(sqlite: Database.Database): number {
  return failingFast.has(sqlite) ? 0 : SERVING_BUSY_TIMEOUT_MS;
}

export function useServingBusyTimeout(sqlite: Database.Database): void {
  sqlite.pragma(`busy_timeout = ${servingTimeout(sqlite)}`);
}

/**
 * Runs a start-up step (creating the first signing key, say) with the start-up
 * timeout. A store that still cannot serve is DatabaseOpenError: one line.
 */
export function duringStartup<T>(sqlite: Database.Database, step: () => T): T {
  sqlite.pragma(`busy_timeout = ${STARTUP_BUSY_TIMEOUT_MS}`);
  try {
    return step();
  } catch (error) {
    if (!storeUnavailable(error)) throw error;
    throw new DatabaseOpenError(`cannot open the database at ${sqlite.name}: ${(error as Error).message}`, { cause: error });
  } finally {
    if (sqlite.open) useServingBusyTimeout(sqlite);
  }
}

function failFast(sqlite: Database.Database): void {
  if (failingFast.has(sqlite)) return;
  failingFast.add(sqlite);
  sqlite.pragma('busy_timeout = 0');
  setTimeout(() => {
    failingFast.delete(sqlite);
    if (sqlite.open) useServingBusyTimeout(sqlite);
  }, FAIL_FAST_MS).unref();
}

/**
 * Runs statements on `sqlite`; a store that cannot serve becomes a
 * StoreUnavailableError, and a lock wait that failed makes the connection
 * fail fast for a moment (see above). Other errors pass through unchanged.
 */
export function guardStore<T>(sqlite: Database.Database, statements: () => T): T {
  try {
    return statements();
  } catch (error) {
    const unavailable = storeUnavailable(error);
    if (!unavailable) throw error;
    if (isLockContention(error)) failFast(sqlite);
    throw unavailable;
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs a start-up step again while another process holds the lock it needs.
 * SQLite answers SQLITE_BUSY without waiting when waiting could deadlock (two
 * connections both upgrading a read lock, as in two first switches to WAL);
 * the loser must let go and try again. Blocking sleeps are fine here:
 * nothing is being served yet.
 */
export function retryWhileLocked<T>(step: () => T, forMs = 15_000): T {
  const giveUpAt = Date.now() + forMs;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return step();
    } catch (error) {
      if (!isLockContention(error) || Date.now() >= giveUpAt) throw error;
      Atomics.wait(pause, 0, 0, 5 + Math.random() * 10 * Math.min(attempt, 5));
    }
  }
}
