// Which session tokens a set of revocations matches (§4.4), as an index built
// once per cache fill so each check is a few Map/Set lookups.
import type { RevocationRecord } from '../store/records.js';

export interface RevocationIndex {
  readonly jtis: ReadonlySet<string>;
  /** Per user, the latest revocation's createdAt in whole seconds. */
  readonly users: ReadonlyMap<string, number>;
  /** The latest issuedBefore, in ms; -Infinity when none. */
  readonly issuedBeforeMs: number;
}

export const NOTHING_REVOKED: RevocationIndex = { jtis: new Set(), users: new Map(), issuedBeforeMs: -Infinity };

export function indexRevocations(revocations: readonly RevocationRecord[]): RevocationIndex {
  const jtis = new Set<string>();
  const users = new Map<string, number>();
  let issuedBeforeMs = -Infinity;
  for (const r of revocations) {
    if (r.jti !== null) jtis.add(r.jti);
    if (r.userId !== null) {
      const at = Math.floor(r.createdAt.getTime() / 1000);
      users.set(r.userId, Math.max(at, users.get(r.userId) ?? -Infinity));
    }
    if (r.issuedBefore !== null) issuedBeforeMs = Math.max(issuedBeforeMs, r.issuedBefore.getTime());
  }
  return { jtis, users, issuedBeforeMs };
}

/**
 * §4.4: revoked by its jti; by its sub when issued at or before the
 * revocation's second (a token of that same second may predate it, and the
 * revocation must not miss it); by an issuedBefore later than its iat.
 */
export function isRevoked(index: RevocationIndex, token: { jti: string; sub: string; iat: number }): boolean {
  if (index.jtis.has(token.jti)) return true;
  const userRevokedAt = index.users.get(token.sub);
  if (userRevokedAt !== undefined && token.iat <= userRevokedAt) return true;
  return token.iat * 1000 < index.issuedBeforeMs;
}
