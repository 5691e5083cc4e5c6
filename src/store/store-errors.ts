// The one error a store throws for "cannot serve right now": busy, locked,
// unreachable, timed out, gone. The HTTP layers answer it with 503
// `service_unavailable` and `Retry-After` (contract §0); anything else a
// store throws is a bug and stays a 500.
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';

  constructor(
    /** Short cause for logs, e.g. the driver's error code; never shown to clients. */
    readonly detail: string,
    /** Seconds a client should wait, 1–10. */
    readonly retryAfterSeconds = 1,
  ) {
    super(`store unavailable: ${detail}`);
  }
}

/** The database cannot be used at start-up; the message is the one line the operator sees. */
export class DatabaseOpenError extends Error {
  override readonly name = 'DatabaseOpenError';
}
