// What a session use-case answers: a value, or a refusal naming the contract's
// error code. The HTTP layer turns a refusal into the error response; the
// use-cases never see HTTP. `rateLimit` is the client's window when the
// request was counted (§3: its RateLimit headers go on every such answer).
import type { ErrorCode } from '../errors.js';
import type { RateLimitState } from '../limits/rate-limiter.js';

export interface Refusal {
  code: ErrorCode;
  /** §4.2 reason, for invalid_token / claims_too_large. */
  reason?: string;
  /** For rate_limited. */
  retryAfterSeconds?: number;
}

export type Outcome<T> = ({ ok: true; value: T } | { ok: false; refusal: Refusal }) & { rateLimit?: RateLimitState };

export const refuse = (code: ErrorCode, extra: Omit<Refusal, 'code'> = {}): { ok: false; refusal: Refusal } => ({
  ok: false,
  refusal: { code, ...extra },
});
