// Contract §2: each 401 of /manage/* is a failed authentication; once a client
// IP has 20 in its window, it gets 429 instead of 401 until the window ends.
// A valid key is never refused (the middleware checks it first), so nobody can
// lock an admin out by failing on purpose from the admin's address.
//
// Counts live in memory for now, behind an async interface: a later store keeps
// them in the database, shared by every process and node (contract §0, §5).
import { ipKeyGenerator } from 'express-rate-limit';
import type { Clock } from '../clock.js';

export const FAILED_AUTH_LIMIT = 20;
const WINDOW_MS = 60_000;

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

/**
 * The counting key of a client: an IPv4-mapped IPv6 address as its IPv4
 * address, any other IPv6 address by its /56 prefix (one host cannot rotate
 * addresses within its prefix for a fresh window), as the session limit does.
 */
export const clientKey = (ip: string | undefined) => ipKeyGenerator(ip ?? 'unknown');

interface Window {
  failures: number;
  endsAt: number;
}

export function createMemoryFailedAuthLimiter(clock: Clock, limit = FAILED_AUTH_LIMIT): FailedAuthLimiter {
  const windows = new Map<string, Window>();
  let nextSweep = 0;

  // Drops ended windows once per window length, so memory follows the clients
  // of the last minute rather than every address ever seen.
  function sweep(now: number): void {
    if (now < nextSweep) return;
    nextSweep = now + WINDOW_MS;
    for (const [key, window] of windows) if (window.endsAt <= now) windows.delete(key);
  }

  function current(key: string, now: number): Window | undefined {
    const window = windows.get(key);
    return window && window.endsAt > now ? window : undefined;
  }

  function state(window: Window, now: number, over: boolean): LockoutState {
    if (!over) return { limited: false };
    // Whole seconds until the window ends, rounded up (contract §0: 1–60).
    const retryAfterSeconds = Math.min(60, Math.max(1, Math.ceil((window.endsAt - now) / 1000)));
    return { limited: true, retryAfterSeconds };
  }

  return {
    async check(ip) {
      const now = clock.now();
      const window = current(clientKey(ip), now);
      return window ? state(window, now, window.failures >= limit) : { limited: false };
    },
    async hit(ip) {
      const now = clock.now();
      sweep(now);
      const key = clientKey(ip);
      // A fixed window, opened by the first failure counted in it.
      let window = current(key, now);
      if (!window) {
        window = { failures: 0, endsAt: now + WINDOW_MS };
        windows.set(key, window);
      }
      window.failures += 1;
      return state(window, now, window.failures > limit);
    },
  };
}
