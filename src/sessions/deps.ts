// What the session use-cases need, built once at start-up (src/services.ts).
import type { AppCache } from '../cache/app-cache.js';
import type { RevocationCache } from '../cache/revocation-cache.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { RateLimiter } from '../limits/rate-limiter.js';
import type { Metrics } from '../metrics/metrics.js';
import type { SpentChallenges } from '../pow/spent-challenges.js';
import type { Keyring } from '../signing/keyring.js';
import type { UsedJtis } from './used-jtis.js';

export interface SessionDeps {
  config: Pick<Config, 'issuer' | 'anonSessionTtlSeconds' | 'pow'>;
  clock: Clock;
  keyring: Keyring;
  apps: AppCache;
  revocations: RevocationCache;
  usedJtis: UsedJtis;
  spentChallenges: SpentChallenges;
  rateLimiter: RateLimiter;
  /** Proof-of-work outcomes are counted where they are decided (§3.6). */
  metrics: Pick<Metrics, 'powChecked'>;
}

/** What a widget's session request carries, as the HTTP layer read it. */
export interface SessionRequest {
  appId: string;
  origin: string | undefined;
  clientIp: string | undefined;
  /** The `Authorization: Bearer` token, if any. */
  bearer: string | undefined;
  /** The X-Challenge-Solution header, if any. */
  powSolution: string | undefined;
}
