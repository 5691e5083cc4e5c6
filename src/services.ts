// Everything a request handler needs, built once at start-up and passed to
// createApp. Domain code takes what it uses from here as arguments.
import { pino } from 'pino';
import { AppCache } from './apps/app-cache.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { createChangeWatcher, type ChangeWatcher } from './db/change-watcher.js';
import type { Db } from './db/client.js';
import { createRateLimiter, type RateLimiter } from './http/rate-limit.js';
import type { Logger } from './logger.js';
import { resolveManageKey, type ManageKey } from './manage/manage-key.js';
import { createSpentChallenges, type SpentChallenges } from './pow/spent-challenges.js';
import { Keyring } from './signing/keyring.js';

export interface Services {
  readonly config: Config;
  readonly db: Db;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly watcher: ChangeWatcher;
  readonly apps: AppCache;
  readonly keyring: Keyring;
  readonly spentChallenges: SpentChallenges;
  readonly rateLimiter: RateLimiter;
  readonly manageKey: ManageKey;
}

export function createServices(options: { config: Config; db: Db; clock?: Clock; logger?: Logger }): Services {
  const { config, db } = options;
  const clock = options.clock ?? systemClock;
  const watcher = createChangeWatcher(db);
  return {
    config,
    db,
    clock,
    logger: options.logger ?? pino({ level: 'silent' }),
    watcher,
    apps: new AppCache(db, watcher),
    keyring: new Keyring(db, clock, watcher),
    spentChallenges: createSpentChallenges(db, clock),
    rateLimiter: createRateLimiter(config.rateLimitPerMinute, clock),
    manageKey: resolveManageKey(db, config),
  };
}
