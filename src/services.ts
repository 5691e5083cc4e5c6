// Everything a request handler needs, built once at start-up and passed to
// createApp. Domain code takes what it uses from here as arguments.
import { pino } from 'pino';
import { AppCache } from './cache/app-cache.js';
import { RevocationCache } from './cache/revocation-cache.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { createRateLimiter, type RateLimiter } from './limits/rate-limiter.js';
import type { Logger } from './logger.js';
import { createMetrics, noMetrics, type Metrics } from './metrics/metrics.js';
import { FAILED_AUTH_LIMIT } from './manage/failed-auth-limiter.js';
import { resolveManageKey, type ManageKey } from './manage/manage-key.js';
import { createSpentChallenges, type SpentChallenges } from './pow/spent-challenges.js';
import type { SessionDeps } from './sessions/deps.js';
import { createUsedJtis, type UsedJtis } from './sessions/used-jtis.js';
import { Keyring } from './signing/keyring.js';
import type { Store } from './store/store.js';

export interface Services extends SessionDeps {
  readonly config: Config;
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly apps: AppCache;
  readonly revocations: RevocationCache;
  readonly usedJtis: UsedJtis;
  readonly keyring: Keyring;
  readonly spentChallenges: SpentChallenges;
  /** §3.2 step 4: session-issuing requests per client IP. */
  readonly rateLimiter: RateLimiter;
  /** §2: failed management authentications per client IP. */
  readonly failedAuthLimiter: RateLimiter;
  readonly manageKey: ManageKey;
  /** What GET /metrics reports (§3.6); counts nothing when METRICS_ENABLED=false. */
  readonly metrics: Metrics;
}

export async function createServices(options: { config: Config; store: Store; clock?: Clock; logger?: Logger }): Promise<Services> {
  const { config, store } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? pino({ level: 'silent' });
  const keyring = await Keyring.open(store, clock, config, logger);
  const metrics = config.metricsEnabled
    ? createMetrics({ signingKeyAgeSeconds: () => Math.max(0, (clock.now() - keyring.current.activatesAt) / 1000) })
    : noMetrics;
  return {
    config,
    store,
    clock,
    logger,
    metrics,
    apps: new AppCache(store),
    revocations: new RevocationCache(store, clock),
    usedJtis: createUsedJtis(store, clock),
    keyring,
    spentChallenges: createSpentChallenges(store, clock),
    rateLimiter: createRateLimiter({ store, clock, logger, metrics }, 'sessions', config.rateLimitPerMinute),
    failedAuthLimiter: createRateLimiter({ store, clock, logger, metrics }, 'manage-auth', FAILED_AUTH_LIMIT),
    manageKey: await resolveManageKey(store, config),
  };
}
