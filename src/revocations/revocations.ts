// Revoking sessions (§2.5): by one token's jti, by user (every session issued
// until now), or everything issued before a time. A revocation lives as long
// as a token it could match (the longest session lifetime after it was made),
// then is purged; at most MAX_LIVE_REVOCATIONS per app, enforced atomically by
// the store, keep every node's in-memory copy small.
import { randomBytes } from 'node:crypto';
import { auditEvent, type WriteContext } from '../audit/audit-event.js';
import { MAX_SESSION_LIFETIME_MS } from '../signing/keyring.js';
import type { AppScope, RevocationRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { AddRevocationInput, RevocationResource } from './revocation-schema.js';

export const MAX_LIVE_REVOCATIONS = 10_000;
/** How far ahead `issuedBefore` may lie: a clock a little ahead of ours, not a standing block on future sessions. */
export const MAX_ISSUED_BEFORE_AHEAD_MS = 60_000;

export function toRevocationResource(r: RevocationRecord): RevocationResource {
  return {
    id: r.id,
    ...(r.jti !== null ? { jti: r.jti } : {}),
    ...(r.userId !== null ? { userId: r.userId } : {}),
    ...(r.issuedBefore !== null ? { issuedBefore: r.issuedBefore.toISOString() } : {}),
    createdAt: r.createdAt.toISOString(),
  };
}

export type AddRevocationOutcome =
  | { ok: true; revocation: RevocationRecord }
  | { ok: false; reason: 'issued_before_too_late' | 'revocation_limit_reached' | 'app_not_found' };

export async function addRevocation(
  store: Store,
  ctx: WriteContext,
  scope: AppScope,
  appId: string,
  input: AddRevocationInput,
  max = MAX_LIVE_REVOCATIONS,
): Promise<AddRevocationOutcome> {
  const now = ctx.clock.now();
  const issuedBefore = input.issuedBefore === undefined ? null : new Date(input.issuedBefore);
  if (issuedBefore && issuedBefore.getTime() > now + MAX_ISSUED_BEFORE_AHEAD_MS) return { ok: false, reason: 'issued_before_too_late' };
  const revocation: RevocationRecord = {
    id: `rev_${randomBytes(12).toString('base64url')}`,
    appId,
    jti: input.jti ?? null,
    userId: input.userId ?? null,
    issuedBefore,
    createdAt: new Date(now),
    // issuedBefore ≤ createdAt + 60 s and MAX_SESSION_LIFETIME_MS carries a
    // minute of slack: every token this can match has expired by then.
    expiresAt: new Date(now + MAX_SESSION_LIFETIME_MS),
  };
  const { id: _id, createdAt: _at, ...changes } = toRevocationResource(revocation);
  const event = auditEvent(ctx, 'session.revoked', { ...scope, appId, target: revocation.id, changes });
  return store.revocations.add(revocation, max, event);
}
