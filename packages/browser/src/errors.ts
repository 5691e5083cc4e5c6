// Every failure getSession(), getToken() and fetch() report is a LatchkeyError:
// `code` is the service's error code (contract §0), so a widget can branch on
// `origin_not_allowed` or `rate_limited` exactly as the API documents them.
// Three codes come from the client itself: `network_error` (no answer, status 0),
// `bad_response` (an answer that is not the service's JSON) and `pow_failed`
// (the proof-of-work challenge could not be solved).

export interface LatchkeyErrorDetails {
  status: number;
  /** Seconds the service asked to wait (Retry-After), on 429 and 503. */
  retryAfter?: number;
  /** Why a token was refused (`invalid_token`), e.g. `expired` or `kid_unknown`. */
  reason?: string;
  /** The service's X-Request-Id for this answer, to quote when asking for help. */
  requestId?: string;
}

export class LatchkeyError extends Error {
  override readonly name = 'LatchkeyError';
  readonly code: string;
  readonly status: number;
  readonly retryAfter?: number;
  readonly reason?: string;
  readonly requestId?: string;

  constructor(code: string, message: string, details: LatchkeyErrorDetails) {
    super(message);
    this.code = code;
    this.status = details.status;
    if (details.retryAfter !== undefined) this.retryAfter = details.retryAfter;
    if (details.reason !== undefined) this.reason = details.reason;
    if (details.requestId !== undefined) this.requestId = details.requestId;
  }
}
