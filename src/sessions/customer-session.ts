// Sign-in with a customer-signed JWT (§3.3): a verified token becomes an
// authenticated session for its `sub`, carrying its verified claims and
// expiring with it.
import { toSeconds } from '../clock.js';
import type { CachedApp } from '../apps/app-cache.js';
import { issueSession, type IssueDeps, type SessionResponse } from './session-response.js';
import { verifyCustomerJwt, type RejectReason } from './verify-customer-jwt.js';

export interface AuthenticatedSession extends SessionResponse {
  authMethod: 'authenticated';
  verifiedClaims: Record<string, unknown>;
}

export type SignInResult = { ok: true; session: AuthenticatedSession } | { ok: false; reason: RejectReason };

export async function signInWithCustomerJwt(deps: IssueDeps, app: CachedApp, token: string): Promise<SignInResult> {
  const keys = app.customerKeys();
  const verified = await verifyCustomerJwt(token, (kid) => keys.get(kid), toSeconds(deps.clock.now()));
  if (!verified.ok) return verified;
  const { sub, exp, claims } = verified.value;
  const session = issueSession(deps, app.row, { sub, exp, auth: 'authenticated', claims });
  return { ok: true, session: { ...session, authMethod: 'authenticated', verifiedClaims: claims } };
}
