// Per-client-IP limit on session-issuing requests (§3.2 step 4), counted with
// express-rate-limit's store. It is called from inside the session handlers,
// not mounted as middleware, because the contract puts it after the app,
// anonymous-access and Origin checks: a refused Origin must not spend quota.
import { ipKeyGenerator, MemoryStore, type Options } from 'express-rate-limit';

export type RateLimitResult = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface RateLimiter {
  hit(ip: string | undefined): Promise<RateLimitResult>;
  shutdown(): void;
}

const WINDOW_MS = 60_000;

export function createRateLimiter(perMinute: number): RateLimiter {
  if (perMinute === 0) return { hit: async () => ({ ok: true }), shutdown() {} };
  const store = new MemoryStore();
  store.init({ windowMs: WINDOW_MS } as Options);
  return {
    async hit(ip) {
      // IPv6 clients are counted per /56, so one host cannot rotate addresses
      // within its prefix to get a fresh quota.
      const { totalHits, resetTime } = await store.increment(ipKeyGenerator(ip ?? 'unknown'));
      if (totalHits <= perMinute) return { ok: true };
      const waitMs = (resetTime?.getTime() ?? Date.now() + WINDOW_MS) - Date.now();
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    },
    shutdown: () => store.shutdown(),
  };
}
