// Bearer authentication for /manage/* with the management API key (§2), and
// the failed-authentication lockout that comes before it (§0 order: 429, then 401).
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { AppError } from '../../errors.js';
import type { FailedAuthLimiter } from '../../manage/failed-auth-limiter.js';
import { manageKeyMatches, type ManageKey } from '../../manage/manage-key.js';
import { bearerToken, singleAuthorization } from '../bearer.js';

export interface ManageAuthOptions {
  key: ManageKey;
  limiter: FailedAuthLimiter;
  /** The client IP as TRUST_PROXY gives it (client-ip.ts). */
  clientIp: (req: IncomingMessage) => string | undefined;
}

const rateLimited = (retryAfterSeconds: number) =>
  new AppError('rate_limited', undefined, undefined, { 'Retry-After': String(retryAfterSeconds) });

export function manageAuth({ key, limiter, clientIp }: ManageAuthOptions): RequestHandler {
  return async function requireManageKey(req, _res, next) {
    const presented = bearerToken(singleAuthorization(req));
    // A valid key is served whatever its IP's failures: no one can lock an admin out.
    if (presented !== undefined && manageKeyMatches(key, presented)) return next();
    const ip = clientIp(req);
    const locked = await limiter.check(ip);
    if (locked.limited) return next(rateLimited(locked.retryAfterSeconds));
    // Each 401 is a failed authentication; a 429 is not (it tried no key).
    const counted = await limiter.hit(ip);
    next(counted.limited ? rateLimited(counted.retryAfterSeconds) : new AppError('unauthorized'));
  };
}
