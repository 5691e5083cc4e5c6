// The service's own Ed25519 signing keys (§4.3). The first start creates one;
// rotation makes a new one current and retires the old one, which stays in
// JWKS until the last token it could have signed expires.
// Private keys are imported once per process, not per request.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { SigningAlgorithm, SigningKeyRecord, SigningPublicJwk } from '../store/records.js';
import type { Store } from '../store/store.js';

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
  jwk: SigningPublicJwk & { kid: string; alg: SigningAlgorithm; use: 'sig' };
  publishUntil: number | null;
}

export interface CurrentSigningKey {
  kid: string;
  header: string;
  privateKey: KeyObject;
}

/** The protected header segment of a session token signed with `kid`. */
export function headerSegment(kid: string): string {
  return Buffer.from(JSON.stringify({ alg: 'EdDSA', kid, typ: 'session+jwt' }), 'utf8').toString('base64url');
}

export function newSigningKey(now: number): SigningKeyRecord {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const { x } = publicKey.export({ format: 'jwk' });
  return {
    kid: `lk_${new Date(now).toISOString().slice(0, 10).replace(/-/g, '')}_${randomUUID().slice(0, 8)}`,
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x: x! },
    alg: 'EdDSA',
    createdAt: new Date(now),
    activatesAt: new Date(now),
    retiredAt: null,
    publishUntil: null,
    revokedAt: null,
  };
}

/** Makes a new key current and retires the others. Returns the new kid. */
export function rotateSigningKey(store: Store, clock: Clock): Promise<{ kid: string; retired: string[] }> {
  const now = clock.now();
  return store.signingKeys.rotate(() => newSigningKey(now), new Date(now), new Date(now + MAX_SESSION_LIFETIME_MS));
}

// A token naming a key this node has not loaded yet (another node rotated a
// moment ago) reloads the keyring once before it is refused; at most this often.
const UNKNOWN_KID_RELOAD_MS = 1000;

export class Keyring {
  #current!: CurrentSigningKey;
  // Keyed by header segment: a token is matched to its key by the exact bytes
  // of its header, so no header this service did not write is ever parsed.
  #public = new Map<string, PublicSigningKey>();
  #reloading: Promise<void> | undefined;
  #lastUnknownReload = 0;

  private constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Loads the keys, creating the first one when the database has none (one, however many nodes start at once). */
  static async open(store: Store, clock: Clock): Promise<Keyring> {
    const keyring = new Keyring(store, clock);
    await store.signingKeys.ensureCurrent(() => newSigningKey(clock.now()));
    await keyring.reload();
    // A rotation by another process or node is picked up as soon as the change feed hears of it.
    store.changes.subscribe((table) => {
      if (table === 'signing_keys' || table === '*') keyring.reload().catch(() => {});
    });
    return keyring;
  }

  /** Re-reads the key rows; imports only keys this process has not seen. Concurrent calls share one read. */
  reload(): Promise<void> {
    this.#reloading ??= this.#load().finally(() => (this.#reloading = undefined));
    return this.#reloading;
  }

  async #load(): Promise<void> {
    const rows = await this.store.signingKeys.all();
    const next = new Map<string, PublicSigningKey>();
    let current: SigningKeyRecord | undefined;
    for (const row of rows) {
      if (!row.retiredAt) current = row;
      const header = headerSegment(row.kid);
      const known = this.#public.get(header);
      next.set(header, {
        kid: row.kid,
        header,
        key: known?.key ?? createPublicKey({ key: { ...row.publicJwk }, format: 'jwk' }),
        jwk: { ...row.publicJwk, kid: row.kid, alg: row.alg, use: 'sig' },
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

  /** Settles when a reload in flight (another node's rotation just heard of) is done. */
  get settled(): Promise<void> | undefined {
    return this.#reloading;
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

  /**
   * Like verificationKey, but a header this node does not know yet reloads
   * the keys first (at most once a second), so a token signed by another
   * node's freshly rotated key is not refused here in the meantime.
   */
  async freshVerificationKey(header: string): Promise<KeyObject | undefined> {
    if (this.#public.has(header)) return this.verificationKey(header);
    const now = this.clock.now();
    if (now - this.#lastUnknownReload < UNKNOWN_KID_RELOAD_MS && !this.#reloading) return undefined;
    this.#lastUnknownReload = now;
    await this.reload().catch(() => {});
    return this.verificationKey(header);
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
