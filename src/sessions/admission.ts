// Steps 1–5 of §3.2, in the contract's order; §3.3 shares steps 1, 3 and 4
// and, on its anonymous fallback, step 5. Each step's refusal is a value.
import type { CachedApp } from '../cache/app-cache.js';
import { checkProofOfWork } from '../pow/check-proof-of-work.js';
import type { RateLimitState } from '../limits/rate-limiter.js';
import type { SessionDeps, SessionRequest } from './deps.js';
import { refuse, type Outcome } from './outcome.js';

/** 1. The app exists and is enabled. */
export async function enabledApp(deps: Pick<SessionDeps, 'apps'>, appId: string): Promise<CachedApp | undefined> {
  const app = await deps.apps.get(appId);
  return app?.row.enabled ? app : undefined;
}

/** Steps 1–4: app, anonymous access (for anonymous requests), Origin, rate limit. */
export async function admit(deps: SessionDeps, req: SessionRequest, anonymousOnly: boolean): Promise<Outcome<CachedApp>> {
  const app = await enabledApp(deps, req.appId);
  if (!app) return refuse('app_not_found');
  if (anonymousOnly && !app.row.allowAnonymous) return refuse('anonymous_disabled');
  if (!app.originAllowed(req.origin)) return refuse('origin_not_allowed');
  // Counted only now: a refused Origin must not spend a client's quota.
  if (!deps.rateLimiter.enabled) return { ok: true, value: app };
  const rateLimit: RateLimitState = await deps.rateLimiter.hit(req.clientIp);
  if (!rateLimit.ok) return { ...refuse('rate_limited', { retryAfterSeconds: rateLimit.resetSeconds }), rateLimit };
  return { ok: true, value: app, rateLimit };
}

/** Step 5, for every anonymous issue (including §3.3's fallback). */
export async function proofOfWork(deps: SessionDeps, req: SessionRequest, appId: string): Promise<Outcome<true>> {
  if (!deps.config.pow) return { ok: true, value: true };
  const check = await checkProofOfWork(
    { pow: deps.config.pow, clock: deps.clock, spent: deps.spentChallenges },
    req.powSolution,
    appId,
  );
  deps.metrics.powChecked(check.ok ? 'ok' : check.code);
  return check.ok ? { ok: true, value: true } : refuse(check.code);
}
