// Which SQLite errors mean "the store cannot serve right now" (contract §0):
// busy, locked, gone, broken. They become StoreUnavailableError, which the HTTP
// layers answer with 503 `service_unavailable` and `Retry-After`. Anything else
// SQLite throws is a bug and stays a 500. At start-up the same failures are
// DatabaseOpenError: one line on stderr, and the start stops.
import Database from 'better-sqlite3';
import { StoreUnavailableError } from '../store-errors.js';

export { DatabaseOpenError } from '../store-errors.js';

// Another connection holds the lock: it is normally gone within milliseconds.
const LOCKED = ['SQLITE_BUSY', 'SQLITE_LOCKED'];
// The file cannot be read or written as it should: deleted or replaced under
// us (READONLY_DBMOVED), disk full or failing, mounted read-only, damaged.
// None is a bug in the request or in latchkey, and none is fixed by a retry
// within seconds, so clients are told to wait longer. Corruption is included:
// the store is unable to serve until an operator restores it, and a 500 would
// blame the request.
const BROKEN = ['SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_READONLY', 'SQLITE_FULL', 'SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_PROTOCOL'];
const BROKEN_RETRY_AFTER_SECONDS = 5;

// better-sqlite3 reports extended codes (SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE, …).
const inFamily = (code: string, families: readonly string[]) =>
  families.some((family) => code === family || code.startsWith(`${family}_`));

/** True for a lock held by another connection: worth failing fast on for a moment. */
export function isLockContention(error: unknown): boolean {
  return error instanceof Database.SqliteError && inFamily(error.code, LOCKED);
}

/** The StoreUnavailableError an error amounts to, or undefined when it is something else (a bug). */
export function storeUnavailable(error: unknown): StoreUnavailableError | undefined {
  if (error instanceof StoreUnavailableError) return error;
  if (error instanceof Database.SqliteError) {
    if (inFamily(error.code, LOCKED)) return new StoreUnavailableError(error.code, 1);
    if (inFamily(error.code, BROKEN)) return new StoreUnavailableError(error.code, BROKEN_RETRY_AFTER_SECONDS);
    return undefined;
  }
  // A statement run after the handle was closed (during shutdown, or after a fatal error).
  if (error instanceof TypeError && error.message === 'The database connection is not open') {
    return new StoreUnavailableError('connection closed', BROKEN_RETRY_AFTER_SECONDS);
  }
  return undefined;
}
