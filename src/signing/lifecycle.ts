// Rotating and revoking the service's signing keys (§2.6): the use-cases the
// management API and the command line share. Each step is planned here from
// the keys as they are, inside the store's exclusive transaction, so two
// operators rotating at once make a chain of keys, never two newest ones.
//
// Only times change. A rotation gives the old key a retiredAt equal to the new
// key's activatesAt, which may lie ahead: every node then switches signing at
// that instant by itself (see Keyring), with no message to miss.
import { auditEvent, type WriteContext } from '../audit/audit-event.js';
import type { SigningKeyRecord } from '../store/records.js';
import type { SigningKeyChange, SigningKeyUpdate, Store } from '../store/store.js';
import { MAX_SESSION_LIFETIME_MS, newSigningKey, type SigningKeySettings } from './signing-key.js';

const live = (keys: SigningKeyRecord[]) => keys.filter((key) => key.revokedAt === null);

/** The key signing at `now`: the latest activation that has happened. */
function currentAt(keys: SigningKeyRecord[], now: number): SigningKeyRecord | undefined {
  let current: SigningKeyRecord | undefined;
  for (const key of live(keys)) {
    if (key.activatesAt.getTime() <= now && (!current || key.activatesAt >= current.activatesAt)) current = key;
  }
  return current;
}

const pendingAt = (keys: SigningKeyRecord[], now: number) => live(keys).filter((key) => key.activatesAt.getTime() > now);

/** Retires `key` at `at`, published until every token it could sign by then has expired. */
const retire = (key: SigningKeyRecord, at: number): SigningKeyUpdate => ({
  kid: key.kid,
  set: { retiredAt: new Date(at), publishUntil: new Date(at + MAX_SESSION_LIFETIME_MS) },
});

const revoke = (key: SigningKeyRecord, now: number): SigningKeyUpdate => ({
  kid: key.kid,
  // A retired key keeps the time it stopped signing; a pending or current one stops now.
  set: { revokedAt: new Date(now), retiredAt: key.retiredAt && key.retiredAt.getTime() <= now ? key.retiredAt : new Date(now) },
});

/**
 * Makes a new key of the configured algorithm: pending for
 * SIGNING_KEY_PREPUBLISH_SECONDS (published in JWKS, signing nothing), or
 * current at once with `immediate`. A key still pending is revoked: it was
 * never used, and two queued keys would make the switch time ambiguous.
 */
export function rotateSigningKey(
  store: Store,
  ctx: WriteContext,
  options: { immediate?: boolean },
  settings: SigningKeySettings,
): Promise<SigningKeyRecord> {
  return store.signingKeys.change((keys) => {
    const now = ctx.clock.now();
    const activatesAt = options.immediate ? now : now + settings.signingKeyPrepublishSeconds * 1000;
    const key = newSigningKey(settings, now, activatesAt);
    const current = currentAt(keys, now);
    const change: SigningKeyChange = {
      // Every update sets retiredAt before the new key (retiredAt null) is inserted.
      updates: [...pendingAt(keys, now).map((pending) => revoke(pending, now)), ...(current ? [retire(current, activatesAt)] : [])],
      insert: key,
      event: auditEvent(ctx, 'signing_key.rotated', { target: key.kid }),
    };
    return { change, result: key };
  });
}

export type RevokeSigningKeyResult = { ok: true; key: SigningKeyRecord } | { ok: false; reason: 'signing_key_not_found' };

/**
 * Revokes a key: out of JWKS at once, and every token it signed refused.
 * Revoking the current key makes the pending key current now, or a new key
 * when none is pending, so the service never stops signing. Revoking a pending
 * key gives the current key back its open-ended life. Revoking a revoked key
 * changes nothing (and records no event).
 */
export function revokeSigningKey(store: Store, ctx: WriteContext, kid: string, settings: SigningKeySettings): Promise<RevokeSigningKeyResult> {
  return store.signingKeys.change((keys): { change: SigningKeyChange | null; result: RevokeSigningKeyResult } => {
    const key = keys.find((candidate) => candidate.kid === kid);
    if (!key) return { change: null, result: { ok: false, reason: 'signing_key_not_found' } };
    if (key.revokedAt) return { change: null, result: { ok: true, key } };

    const now = ctx.clock.now();
    const current = currentAt(keys, now);
    const pending = pendingAt(keys, now).filter((candidate) => candidate.kid !== kid);
    const revoked = revoke(key, now);
    const updates: SigningKeyUpdate[] = [revoked];
    let insert: SigningKeyRecord | undefined;
    if (key.activatesAt.getTime() > now) {
      // A pending key: the current one was to retire when it activated; now it stays.
      if (current && pending.length === 0) updates.push({ kid: current.kid, set: { retiredAt: null, publishUntil: null } });
    } else if (current?.kid === kid) {
      if (pending.length > 0) {
        const next = pending.reduce((a, b) => (a.activatesAt <= b.activatesAt ? a : b));
        updates.push({ kid: next.kid, set: { activatesAt: new Date(now) } });
      } else {
        insert = newSigningKey(settings, now);
      }
    }
    return {
      change: { updates, insert, event: auditEvent(ctx, 'signing_key.revoked', { target: kid }) },
      result: { ok: true, key: { ...key, ...revoked.set } },
    };
  });
}
