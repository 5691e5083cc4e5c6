// The service's own Ed25519 signing keys (§4.3). The first start creates one;
// `scripts/rotate-signing-key.ts` makes a new one current and retires the old
// one, which stays in JWKS until the last token it could have signed expires.
// Private keys are imported once per process, not per request.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { asc, isNull } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import type { Db } from '../db/client.js';
import type { ChangeWatcher } from '../db/change-watcher.js';
import { signingKeys } from '../db/schema.js';

// The longest a session token can live: the anonymous TTL's upper bound
// (contract §1), plus a minute for clock skew. Authenticated sessions are
// shorter (≤ 24 h). Using the bound rather than today's setting keeps a key
// published even if an operator later shortens ANON_SESSION_TTL_SECONDS.
export const MAX_SESSION_LIFETIME_MS = (2_592_000 + 60) * 1000;

export interface PublicSigningKey {
  kid: string;
  /** The encoded protected header this service writes for the kid. */
  header: string;
  key: KeyObject;
  jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string; kid: string; alg: 'EdDSA'; use: 'sig' };
  publishUntil: number | null;
}

export interface CurrentSigningKey {
  kid: string;
  header: string;
  privateKey: KeyObject;
}

type SigningKeyRow = typeof signingKeys.$inferSelect;

/** The protected header segment of a session token signed with `kid`. */
export function headerSegment(kid: string): string {
  return Buffer.from(JSON.stringify({ alg: 'EdDSA', kid, typ: 'session+jwt' }), 'utf8').toString('base64url');
}

function newKeyRow(now: number): SigningKeyRow {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const { x } = publicKey.export({ format: 'jwk' });
  return {
    kid: `lk_${new Date(now).toISOString().slice(0, 10).replace(/-/g, '')}_${randomUUID().slice(0, 8)}`,
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x: x! },
    createdAt: new Date(now),
    retiredAt: null,
    publishUntil: null,
  };
}

/** Creates the first signing key when there is none. Idempotent. */
export function ensureSigningKey(db: Db, clock: Clock): void {
  db.transaction(
    (tx) => {
      const current = tx.select({ kid: signingKeys.kid }).from(signingKeys).where(isNull(signingKeys.retiredAt)).get();
      if (!current) tx.insert(signingKeys).values(newKeyRow(clock.now())).run();
    },
    { behavior: 'immediate' },
  );
}

/** Makes a new key current and retires the others. Returns the new kid. */
export function rotateSigningKey(db: Db, clock: Clock): { kid: string; retired: string[] } {
  return db.transaction(
    (tx) => {
      const now = clock.now();
      const retired = tx
        .update(signingKeys)
        .set({ retiredAt: new Date(now), publishUntil: new Date(now + MAX_SESSION_LIFETIME_MS) })
        .where(isNull(signingKeys.retiredAt))
        .returning({ kid: signingKeys.kid })
        .all()
        .map((row) => row.kid);
      const row = newKeyRow(now);
      tx.insert(signingKeys).values(row).run();
      return { kid: row.kid, retired };
    },
    { behavior: 'immediate' },
  );
}

export class Keyring {
  #current!: CurrentSigningKey;
  // Keyed by header segment: a token is matched to its key by the exact bytes
  // of its header, so no header this service did not write is ever parsed.
  #public = new Map<string, PublicSigningKey>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    watcher: ChangeWatcher,
  ) {
    ensureSigningKey(db, clock);
    this.reload();
    // A rotation by scripts/rotate-signing-key.ts is picked up on the next request.
    watcher.subscribe(() => this.reload());
  }

  /** Re-reads the key rows; imports only keys this process has not seen. */
  reload(): void {
    const rows = this.db.select().from(signingKeys).orderBy(asc(signingKeys.createdAt)).all();
    const next = new Map<string, PublicSigningKey>();
    let current: SigningKeyRow | undefined;
    for (const row of rows) {
      if (!row.retiredAt) current = row;
      const header = headerSegment(row.kid);
      const known = this.#public.get(header);
      next.set(header, {
        kid: row.kid,
        header,
        key: known?.key ?? createPublicKey({ key: { ...row.publicJwk }, format: 'jwk' }),
        jwk: { ...row.publicJwk, kid: row.kid, alg: 'EdDSA', use: 'sig' },
        publishUntil: row.publishUntil?.getTime() ?? null,
      });
    }
    if (!current) throw new Error('no current signing key');
    if (this.#current?.kid !== current.kid) {
      this.#current = {
        kid: current.kid,
        header: headerSegment(current.kid),
        privateKey: createPrivateKey(current.privateKey),
      };
    }
    this.#public = next;
  }

  get current(): CurrentSigningKey {
    return this.#current;
  }

  /** The key for a token header: current, or retired and still published. */
  verificationKey(header: string): KeyObject | undefined {
    const entry = this.#public.get(header);
    if (!entry) return undefined;
    if (entry.publishUntil !== null && entry.publishUntil <= this.clock.now()) return undefined;
    return entry.key;
  }

  jwks(): { keys: PublicSigningKey['jwk'][] } {
    const now = this.clock.now();
    return {
      keys: [...this.#public.values()]
        .filter((entry) => entry.publishUntil === null || entry.publishUntil > now)
        .map((entry) => entry.jwk),
    };
  }
}
