// Anonymous sessions (§3.2) and their rolling refresh: a valid, unexpired
// anonymous token this service issued for this app keeps its `sub`; anything
// else gets a brand-new identity. A `sub` is never taken from a token this
// service did not sign, so a forged bearer cannot adopt someone's identity.
import { randomUUID } from 'node:crypto';
import { toSeconds } from '../clock.js';
import type { AppRow } from '../apps/app-store.js';
import { verifySessionToken } from '../signing/session-token.js';
import { issueSession, type IssueDeps, type SessionResponse } from './session-response.js';

export const ANONYMOUS_PREFIX = 'anon_';

export function newAnonymousId(): string {
  return `${ANONYMOUS_PREFIX}${randomUUID()}`;
}

/** The identity a refresh may keep, or undefined for a new one. */
export function refreshableIdentity(deps: IssueDeps, app: AppRow, bearer: string | undefined): string | undefined {
  if (!bearer) return undefined;
  const verified = verifySessionToken(deps.keyring, bearer, {
    issuer: deps.config.issuer,
    appId: app.id,
    nowSeconds: toSeconds(deps.clock.now()),
  });
  if (!verified.ok || verified.payload.auth !== 'anonymous') return undefined;
  if (!verified.payload.sub.startsWith(ANONYMOUS_PREFIX)) return undefined;
  return verified.payload.sub;
}

export function issueAnonymousSession(deps: IssueDeps, app: AppRow, bearer?: string): SessionResponse {
  const sub = refreshableIdentity(deps, app, bearer) ?? newAnonymousId();
  const exp = toSeconds(deps.clock.now()) + deps.config.anonSessionTtlSeconds;
  return issueSession(deps, app, { sub, exp, auth: 'anonymous' });
}
