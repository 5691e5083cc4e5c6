// §4.2 step 9: the app's own rules for customer JWTs (§2.1 `customerJwt`),
// after every generic check (steps 1–8) has passed, and only the rules set, in
// this order: audience, issuer, single use. A single-use jti is recorded last,
// once everything else passed, so a token refused for any other reason can be
// fixed and sent again; the store's atomic insert gives one winner among
// concurrent exchanges on every node.
import type { CustomerJwtPolicy } from '../store/records.js';
import type { UsedJtis } from './used-jtis.js';

export const MAX_JTI_LENGTH = 255;

export type PolicyReason = 'audience_mismatch' | 'issuer_mismatch' | 'jti_missing' | 'token_replayed';

/** The registered claims step 9 reads, as the token carried them (any JSON type). */
export interface PolicyClaims {
  aud: unknown;
  iss: unknown;
  jti: unknown;
  exp: number;
}

function audienceMatches(aud: unknown, audience: string): boolean {
  // RFC 7519 §4.1.3: a string or an array of strings. Anything else never matches.
  return aud === audience || (Array.isArray(aud) && aud.includes(audience));
}

export async function checkCustomerTokenPolicy(
  deps: { usedJtis: UsedJtis },
  appId: string,
  policy: CustomerJwtPolicy,
  claims: PolicyClaims,
): Promise<{ ok: true } | { ok: false; reason: PolicyReason }> {
  if (policy.audience !== undefined && !audienceMatches(claims.aud, policy.audience)) return { ok: false, reason: 'audience_mismatch' };
  if (policy.issuer !== undefined && claims.iss !== policy.issuer) return { ok: false, reason: 'issuer_mismatch' };
  if (policy.singleUse) {
    const { jti } = claims;
    if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) return { ok: false, reason: 'jti_missing' };
    if (!(await deps.usedJtis.use(appId, jti, claims.exp))) return { ok: false, reason: 'token_replayed' };
  }
  return { ok: true };
}
