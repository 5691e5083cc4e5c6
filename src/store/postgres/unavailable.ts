// Which PostgreSQL failures mean "cannot serve right now" (a 503 with
// Retry-After) rather than a bug (a 500). Expected outcomes such as a spent
// challenge or a kid conflict never get here: the store's statements return
// them as values (ON CONFLICT, row counts).
import { StoreUnavailableError } from '../store-errors.js';

// SQLSTATE classes and codes of a database that is busy, going away or gone.
const UNAVAILABLE_CLASSES = new Set([
  '08', // connection exception
  '28', // invalid authorization (credentials rotated under a running node)
  '53', // insufficient resources: too many connections, disk full, out of memory
  '57', // operator intervention: statement_timeout (57014), admin or crash shutdown (57P01-57P03)
  '58', // system error (I/O)
]);
const UNAVAILABLE_CODES = new Set([
  '55P03', // lock_not_available (lock_timeout)
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '3D000', // the database does not exist (dropped, or not created yet)
  '25006', // read_only_sql_transaction: connected to a standby after a failover
]);

// node-postgres reports lost connections and its own timeouts as plain Errors
// without a SQLSTATE, and socket failures with the system error code.
const DRIVER_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Query read timeout/,
  /is not queryable/,
  /^Cannot use a pool after calling end on the pool/,
];

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  // drizzle wraps driver errors in DrizzleQueryError { cause }.
  for (let e = error; e && chain.length < 5; e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}

function unavailableDetail(error: unknown): string | undefined {
  for (const e of causes(error)) {
    if (!(e instanceof Error)) continue;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (/^[0-9A-Z]{5}$/.test(code) && (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_CLASSES.has(code.slice(0, 2)))) return code;
      // ECONNREFUSED, ECONNRESET, ETIMEDOUT, ENOTFOUND, EHOSTUNREACH, EPIPE, ...
      if (/^E[A-Z_]+$/.test(code)) return code;
    }
    if (DRIVER_MESSAGES.some((pattern) => pattern.test(e.message))) return e.message;
  }
  return undefined;
}

/** The error a store method should reject with: StoreUnavailableError for infrastructure, the error itself for bugs. */
export function toStoreError(error: unknown): unknown {
  if (error instanceof StoreUnavailableError) return error;
  const detail = unavailableDetail(error);
  return detail === undefined ? error : new StoreUnavailableError(detail);
}

/**
 * Runs `operation`, rejecting with StoreUnavailableError when the database
 * cannot serve, and at the latest after `deadlineMs`: a wait for a pooled
 * connection plus a statement that never answers could otherwise add up past
 * the 5 s the contract allows a request (§0).
 */
export function guarded<T>(operation: () => Promise<T>, deadlineMs?: number): Promise<T> {
  const work = operation().catch((error: unknown) => {
    throw toStoreError(error);
  });
  if (!deadlineMs) return work;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError(`no answer within ${deadlineMs} ms`)), deadlineMs);
  });
  // race() handles a late rejection of `work`; the statement itself is ended by query_timeout.
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
