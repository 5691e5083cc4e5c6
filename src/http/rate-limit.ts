// Per-client-IP limit on session-issuing requests (§3.2 step 4, §0): fixed
// 60-second windows, each opened by that IP's first counted request. It is
// called from inside the session handlers, not mounted as middleware, because
// the contract puts it after the app, anonymous-access and Origin checks: a
// refused Origin must not spend quota.
//
// Time comes from the injected clock (not Date.now, as express-rate-limit's
// MemoryStore would use), so tests can open a window and move to its end.
import { ipKeyGenerator } from 'express-rate-limit';
import type { Clock } from '../clock.js';

/** What a client has left, for the RateLimit / RateLimit-Policy headers (§3). */
export interface RateLimitQuota {
  limit: number;
  windowSeconds: number;
  remaining: number;
  /** Seconds until the window ends, rounded up (1–60). */
  resetSeconds: number;
}

export type RateLimitResult =
  // `quota` is absent when rate limiting is off.
  | { ok: true; quota?: RateLimitQuota }
  | { ok: false; retryAfterSeconds: number; quota: RateLimitQuota };

export interface RateLimiter {
  hit(ip: string | undefined): Promise<RateLimitResult>;
  shutdown(): void;
}

const WINDOW_MS = 60_000;

export function createRateLimiter(perMinute: number, clock: Clock): RateLimiter {
  if (perMinute === 0) return { hit: async () => ({ ok: true }), shutdown() {} };
  const windows = new Map<string, { hits: number; endsAt: number }>();
  // Forget ended windows now and then, so the map holds only the last minute's clients.
  const sweep = setInterval(() => {
    const now = clock.now();
    for (const [key, window] of windows) if (window.endsAt <= now) windows.delete(key);
  }, WINDOW_MS);
  sweep.unref();
  return {
    async hit(ip) {
      const now = clock.now();
      // IPv6 clients are counted per /56, so one host cannot rotate addresses
      // within its prefix to get a fresh quota.
      const key = ipKeyGenerator(ip ?? 'unknown');
      let window = windows.get(key);
      if (!window || window.endsAt <= now) {
        window = { hits: 0, endsAt: now + WINDOW_MS };
        windows.set(key, window);
      }
      window.hits += 1;
      const quota: RateLimitQuota = {
        limit: perMinute,
        windowSeconds: WINDOW_MS / 1000,
        remaining: Math.max(0, perMinute - window.hits),
        resetSeconds: Math.max(1, Math.ceil((window.endsAt - now) / 1000)),
      };
      if (window.hits <= perMinute) return { ok: true, quota };
      return { ok: false, retryAfterSeconds: quota.resetSeconds, quota };
    },
    shutdown: () => clearInterval(sweep),
  };
}
