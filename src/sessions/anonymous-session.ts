// Anonymous sessions (§3.2) and their rolling refresh: a valid, unexpired
// anonymous token this service issued for this app keeps its `sub`; anything
// else gets a brand-new identity. A `sub` is never taken from a token this
// service did not sign, so a forged bearer cannot adopt someone's identity.
import { randomUUID } from 'node:crypto';
import type { RevocationCache } from '../cache/revocation-cache.js';
import { toSeconds } from '../clock.js';
import { isRevoked } from '../revocations/is-revoked.js';
import type { AppRecord } from '../store/records.js';
import { verifySessionToken } from '../signing/session-token.js';
import { admit, proofOfWork } from './admission.js';
import type { SessionDeps, SessionRequest } from './deps.js';
import type { Outcome } from './outcome.js';
import { issueSession, type IssueDeps, type SessionResponse } from './session-response.js';

export const ANONYMOUS_PREFIX = 'anon_';

export function newAnonymousId(): string {
  return `${ANONYMOUS_PREFIX}${randomUUID()}`;
}

export type RefreshDeps = IssueDeps & { revocations: RevocationCache };

/** The identity a refresh may keep, or undefined for a new one. */
export async function refreshableIdentity(deps: RefreshDeps, app: AppRecord, bearer: string | undefined): Promise<string | undefined> {
  if (!bearer) return undefined;
  const verified = await verifySessionToken(deps.keyring, bearer, {
    issuer: deps.config.issuer,
    appId: app.id,
    nowSeconds: toSeconds(deps.clock.now()),
  });
  if (!verified.ok || verified.payload.auth !== 'anonymous') return undefined;
  if (!verified.payload.sub.startsWith(ANONYMOUS_PREFIX)) return undefined;
  // A revoked identity is never handed back (§4.4): refreshing would undo the revocation.
  if (isRevoked(await deps.revocations.forApp(app.id), verified.payload)) return undefined;
  return verified.payload.sub;
}

/** Signs an anonymous session for `app`, keeping the bearer's identity when it may be refreshed. */
export async function issueAnonymousSession(deps: RefreshDeps, app: AppRecord, bearer?: string): Promise<SessionResponse> {
  const sub = (await refreshableIdentity(deps, app, bearer)) ?? newAnonymousId();
  const exp = toSeconds(deps.clock.now()) + deps.config.anonSessionTtlSeconds;
  return issueSession(deps, app, { sub, exp, auth: 'anonymous' });
}

/** POST /run/auth/apps/{appId}/anonymous-session: §3.2 in its order. */
export async function requestAnonymousSession(deps: SessionDeps, req: SessionRequest): Promise<Outcome<SessionResponse>> {
  const admitted = await admit(deps, req, true);
  if (!admitted.ok) return admitted;
  const app = admitted.value.row;
  const pow = await proofOfWork(deps, req, app.id);
  if (!pow.ok) return { ...pow, rateLimit: admitted.rateLimit };
  return { ok: true, value: await issueAnonymousSession(deps, app, req.bearer), rateLimit: admitted.rateLimit };
}
