// Bearer authentication for /manage/* (§2): the root key or a live scoped key
// yields the request's Caller (res.locals.caller); then the scope check (403).
// Before the 401 comes the failed-authentication lockout (§0 order: 429, then
// 401, then 403).
import type { IncomingMessage } from 'node:http';
import type { RequestHandler, Response } from 'express';
import type { Clock } from '../../clock.js';
import { AppError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { findLiveApiKey } from '../../manage/api-keys.js';
import { mayReach, type Caller } from '../../manage/caller.js';
import type { FailedAuthLimiter } from '../../manage/failed-auth-limiter.js';
import { manageKeyMatches, type ManageKey } from '../../manage/manage-key.js';
import type { ApiKeyRecord } from '../../store/records.js';
import type { Store } from '../../store/store.js';
import { bearerToken, singleAuthorization } from '../bearer.js';

export interface ManageAuthOptions {
  key: ManageKey;
  store: Store;
  clock: Clock;
  logger: Logger;
  limiter: FailedAuthLimiter;
  /** The client IP as TRUST_PROXY gives it (client-ip.ts). */
  clientIp: (req: IncomingMessage) => string | undefined;
}

/** The caller manageAuth authenticated for this request. */
export function callerOf(res: Response): Caller {
  const caller = res.locals.caller as Caller | undefined;
  if (!caller) throw new Error('callerOf: no authenticated caller (manageAuth not mounted?)');
  return caller;
}

const rateLimited = (retryAfterSeconds: number) =>
  new AppError('rate_limited', undefined, undefined, { 'Retry-After': String(retryAfterSeconds) });

// lastUsedAt is written at most once a minute per key, after the answer, never
// on the request's path (§2.3): it may lag by up to a minute.
const TOUCH_EVERY_MS = 60_000;

export function manageAuth({ key, store, clock, logger, limiter, clientIp }: ManageAuthOptions): RequestHandler {
  const touched = new Map<string, number>();
  function touch(apiKey: ApiKeyRecord, now: number): void {
    const last = Math.max(apiKey.lastUsedAt?.getTime() ?? 0, touched.get(apiKey.id) ?? 0);
    if (now - last < TOUCH_EVERY_MS) return;
    touched.set(apiKey.id, now);
    if (touched.size > 10_000) touched.delete(touched.keys().next().value!);
    setImmediate(() => {
      store.apiKeys.touch(apiKey.id, new Date(now)).catch((error: unknown) => {
        logger.warn({ err: error }, 'lastUsedAt of a management key not written');
      });
    });
  }

  async function authenticate(presented: string | undefined, now: number): Promise<Caller | undefined> {
    if (presented === undefined) return undefined;
    if (manageKeyMatches(key, presented)) return { type: 'root' };
    const apiKey = await findLiveApiKey(store, presented, now);
    if (!apiKey) return undefined;
    touch(apiKey, now);
    return { type: 'api_key', key: apiKey };
  }

  return async function requireManageKey(req, res, next) {
    try {
      const now = clock.now();
      const caller = await authenticate(bearerToken(singleAuthorization(req)), now);
      if (caller) {
        res.locals.caller = caller;
        // Decided from the path alone, before anything is looked up.
        return next(mayReach(caller, req.path) ? undefined : new AppError('forbidden'));
      }
      // A valid key is served whatever its IP's failures: no one can lock an admin out.
      const ip = clientIp(req);
      const locked = await limiter.check(ip);
      if (locked.limited) return next(rateLimited(locked.retryAfterSeconds));
      // Each 401 is a failed authentication; a 429 is not (it tried no key).
      const counted = await limiter.hit(ip);
      next(counted.limited ? rateLimited(counted.retryAfterSeconds) : new AppError('unauthorized'));
    } catch (error) {
      next(error);
    }
  };
}
