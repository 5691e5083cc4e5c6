// Per-client-IP limits in fixed 60-second windows (contract §0), counted in
// the store so every process and node sharing the database counts a client
// together: N nodes allow the limit once, not N times.
//
// A store that cannot count (busy, unreachable) lets the request through and
// logs: a rate limit protects capacity, and refusing every widget while the
// database hiccups would turn a slow database into an outage of sign-in. The
// rules that protect security (a proof-of-work solution or a single-use token
// accepted once) fail closed instead.
import { isIPv4 } from 'node:net';
import { ipKeyGenerator } from 'express-rate-limit';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Store } from '../store/store.js';

export const WINDOW_MS = 60_000;

// How long a count may take before the request goes on uncounted. A database
// that stopped answering would otherwise spend most of §0's 5 s on the count
// (a statement times out after ~3 s) before the rules that must wait for it
// (a proof-of-work spend) take their own turn.
const COUNT_WAIT_MS = 1_000;

export interface RateLimitState {
  ok: boolean;
  limit: number;
  /** Requests left in the window after this one. */
  remaining: number;
  /** Whole seconds until the window ends, 1–60. */
  resetSeconds: number;
}

export interface RateLimiter {
  /** false when the limit is off. */
  readonly enabled: boolean;
  /** Counts one request from `ip`. */
  hit(ip: string | undefined): Promise<RateLimitState>;
  /** The state without counting. */
  peek(ip: string | undefined): Promise<RateLimitState>;
}

/**
 * The key a client is counted under: an IPv4-mapped IPv6 address as its IPv4
 * address, any other IPv6 address by its /56 prefix (one host cannot rotate
 * through its prefix for a fresh quota).
 */
export function clientKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(.+)$/i.exec(ip)?.[1];
  if (mapped && isIPv4(mapped)) return mapped;
  return ipKeyGenerator(ip);
}

export function createRateLimiter(
  deps: { store: Store; clock: Clock; logger: Logger; metrics: Pick<Metrics, 'storeError'> },
  bucket: string,
  perWindow: number,
): RateLimiter {
  const { store, clock, logger } = deps;
  const state = (hits: number, resetAtMs: number, now: number): RateLimitState => ({
    ok: hits <= perWindow,
    limit: perWindow,
    remaining: Math.max(0, perWindow - hits),
    resetSeconds: Math.min(60, Math.max(1, Math.ceil((resetAtMs - now) / 1000))),
  });
  let lastPurge = 0;
  const count = async (ip: string | undefined, counting: boolean): Promise<RateLimitState> => {
    const now = clock.now();
    if (perWindow === 0) return { ok: true, limit: 0, remaining: 0, resetSeconds: 60 };
    if (now - lastPurge >= WINDOW_MS) {
      // Housekeeping: ended windows go, so the table holds one row per recent client.
      lastPurge = now;
      store.rateLimits.purge(now, WINDOW_MS).catch(() => {});
    }
    try {
      const key = clientKey(ip);
      const count = counting ? store.rateLimits.hit(bucket, key, now, WINDOW_MS) : store.rateLimits.peek(bucket, key, now, WINDOW_MS);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no count within ${COUNT_WAIT_MS} ms`)), COUNT_WAIT_MS);
      });
      count.catch(() => {}); // a count that answers after we moved on is dropped
      const { hits, resetAtMs } = await Promise.race([count, late]).finally(() => clearTimeout(timer));
      return state(hits, resetAtMs, now);
    } catch (error) {
      deps.metrics.storeError();
      logger.warn({ err: error, bucket }, 'rate limit not counted: store unavailable (request allowed)');
      return state(0, now + WINDOW_MS, now);
    }
  };
  return {
    enabled: perWindow > 0,
    hit: (ip) => count(ip, true),
    peek: (ip) => count(ip, false),
  };
}
