// Contract §2: each 401 of /manage/* is a failed authentication; once a client
// IP has 20 in its window, it gets 429 instead of 401 until the window ends.
// A valid key is never refused (the middleware checks it first), so nobody can
// lock an admin out by failing on purpose from the admin's address.
//
// Counted in the store like the session limit (limits/rate-limiter.ts), so
// every process and node sharing the database counts a client together.
import type { RateLimiter } from '../limits/rate-limiter.js';

export const FAILED_AUTH_LIMIT = 20;

export type LockoutState = { limited: false } | { limited: true; retryAfterSeconds: number };

export interface FailedAuthLimiter {
  /** Whether `ip` has used up its failures for the current window; counts nothing. */
  check(ip: string | undefined): Promise<LockoutState>;
  /**
   * Counts one failed authentication. `limited` when this one is over the limit
   * (another request took the last one since `check`): the caller answers 429.
   */
  hit(ip: string | undefined): Promise<LockoutState>;
}

/** The lockout over a store-backed limiter of FAILED_AUTH_LIMIT per window. */
export function failedAuthLimiter(limiter: RateLimiter): FailedAuthLimiter {
  return {
    async check(ip) {
      const state = await limiter.peek(ip);
      return state.remaining > 0 ? { limited: false } : { limited: true, retryAfterSeconds: state.resetSeconds };
    },
    async hit(ip) {
      const state = await limiter.hit(ip);
      return state.ok ? { limited: false } : { limited: true, retryAfterSeconds: state.resetSeconds };
    },
  };
}
