// Sign-in with a customer-signed JWT (§3.3): a verified token becomes an
// authenticated session for its `sub`, carrying its verified claims and
// expiring with it. A token that fails verification falls back to an
// anonymous session when the app allows them — except for too-large claims
// and forbidden claims, which are the customer's bug or an attack, never a
// missing sign-in.
import type { CachedApp } from '../cache/app-cache.js';
import { toSeconds } from '../clock.js';
import { admit, proofOfWork } from './admission.js';
import { issueAnonymousSession } from './anonymous-session.js';
import type { SessionDeps, SessionRequest } from './deps.js';
import { refuse, type Outcome } from './outcome.js';
import { checkCustomerTokenPolicy, type PolicyReason } from './customer-token-policy.js';
import { issueSession, type IssueDeps, type SessionResponse } from './session-response.js';
import type { UsedJtis } from './used-jtis.js';
import { verifyCustomerJwt, type RejectReason as TokenRejectReason } from './verify-customer-jwt.js';

/** Why a customer JWT was not accepted: §4.2 steps 1–8, then the app's policy (step 9). */
export type RejectReason = TokenRejectReason | PolicyReason;

export interface AuthenticatedSession extends SessionResponse {
  authMethod: 'authenticated';
  verifiedClaims: Record<string, unknown>;
}

export interface FallbackSession extends SessionResponse {
  authMethod: 'anonymous';
  fallbackReason: RejectReason;
}

export type SignInResult = { ok: true; session: AuthenticatedSession } | { ok: false; reason: RejectReason };

/** Verifies the customer JWT against the app's keys and signs the authenticated session. */
export async function signInWithCustomerJwt(
  deps: IssueDeps & { usedJtis: UsedJtis },
  app: CachedApp,
  token: string,
): Promise<SignInResult> {
  const keys = await app.customerKeys();
  const verified = await verifyCustomerJwt(token, (kid) => keys.get(kid), toSeconds(deps.clock.now()));
  if (!verified.ok) return verified;
  const policy = await checkCustomerTokenPolicy(deps, app.row.id, app.row.customerJwt, verified.value);
  if (!policy.ok) return policy;
  const { sub, exp, claims } = verified.value;
  const session = issueSession(deps, app.row, { sub, exp, auth: 'authenticated', claims });
  return { ok: true, session: { ...session, authMethod: 'authenticated', verifiedClaims: claims } };
}

/** POST /run/auth/apps/{appId}/session: §3.3 in its order. */
export async function requestCustomerSession(
  deps: SessionDeps,
  req: SessionRequest,
): Promise<Outcome<AuthenticatedSession | FallbackSession>> {
  const admitted = await admit(deps, req, false);
  if (!admitted.ok) return admitted;
  const { rateLimit } = admitted;
  const app = admitted.value;
  if (!req.bearer) return { ...refuse('token_required'), rateLimit };
  const signIn = await signInWithCustomerJwt(deps, app, req.bearer);
  if (signIn.ok) return { ok: true, value: signIn.session, rateLimit };
  const { reason } = signIn;
  if (reason === 'claims_too_large') return { ...refuse('claims_too_large', { reason }), rateLimit };
  if (reason === 'forbidden_claim' || !app.row.allowAnonymous) return { ...refuse('invalid_token', { reason }), rateLimit };
  // The fallback is exactly §3.2 from step 5 on, without a bearer: proof of work, then a fresh identity.
  const pow = await proofOfWork(deps, req, app.row.id);
  if (!pow.ok) return { ...pow, rateLimit };
  const anonymous = await issueAnonymousSession(deps, app.row);
  return { ok: true, value: { ...anonymous, authMethod: 'anonymous', fallbackReason: reason }, rateLimit };
}
