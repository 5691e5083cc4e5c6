// This process's view of the service's signing keys (§2.6, §4.3): which key
// signs now, which keys verify, and what JWKS publishes.
//
// Which key signs is decided by time on every signature, not by a message:
// a rotation stores a pending key with its activatesAt, and every node
// switches to it at that instant by itself. To keep that cheap the keyring
// remembers when the next switch is due and re-evaluates only once it passes.
//
// Private keys are imported (and decrypted) once per process, not per request.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { SigningAlgorithm, SigningKeyRecord, SigningPublicJwk } from '../store/records.js';
import { silentLog, type StoreLog } from '../store/store-log.js';
import type { Store } from '../store/store.js';
import { encryptPrivateKey, isEncrypted, readPrivateKey } from './key-encryption.js';
import { newSigningKey, type SigningKeySettings } from './signing-key.js';

export { MAX_SESSION_LIFETIME_MS } from './signing-key.js';

export interface PublicSigningKey {
  kid: string;
  alg: SigningAlgorithm;
  /** The encoded protected header this service writes for the kid. */
  header: string;
  key: KeyObject;
  jwk: SigningPublicJwk & { kid: string; alg: SigningAlgorithm; use: 'sig' };
  publishUntil: number | null;
  /** Its tokens are refused (with reason `revoked`) and it is not published. */
  revoked: boolean;
}

export interface CurrentSigningKey {
  kid: string;
  alg: SigningAlgorithm;
  header: string;
  privateKey: KeyObject;
  /** When it became (or becomes) the key that signs, in ms. */
  activatesAt: number;
}

type Signer = CurrentSigningKey;

/** The protected header segment of a session token signed with `kid`. */
export function headerSegment(kid: string, alg: SigningAlgorithm = 'EdDSA'): string {
  return Buffer.from(JSON.stringify({ alg, kid, typ: 'session+jwt' }), 'utf8').toString('base64url');
}

// A token naming a key this node has not loaded yet (another node rotated a
// moment ago) reloads the keyring once before it is refused; at most this often.
const UNKNOWN_KID_RELOAD_MS = 1000;

export class Keyring {
  // Every key that may sign now or later (not revoked, not retired in the past), by activation.
  #signers: Signer[] = [];
  #current!: CurrentSigningKey;
  // When #current must be chosen again: the next activation still ahead.
  #switchAt = Number.NEGATIVE_INFINITY;
  // Keyed by header segment: a token is matched to its key by the exact bytes
  // of its header, so no header this service did not write is ever parsed.
  #public = new Map<string, PublicSigningKey>();
  #reloading: Promise<void> | undefined;
  #lastUnknownReload = 0;

  private constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly secret: string | undefined,
    private readonly log: StoreLog,
  ) {}

  /**
   * Loads the keys, creating the first one when the database has none (one,
   * however many nodes start at once), and encrypts keys stored in clear when
   * KEY_ENCRYPTION_SECRET is set. Throws KeyEncryptionError when the stored
   * keys cannot be read with the secret given (or without one).
   */
  static async open(store: Store, clock: Clock, settings: SigningKeySettings, log: StoreLog = silentLog): Promise<Keyring> {
    const keyring = new Keyring(store, clock, settings.keyEncryptionSecret, log);
    await store.signingKeys.ensureCurrent(() => newSigningKey(settings, clock.now()));
    if (settings.keyEncryptionSecret) await encryptClearKeys(store, settings.keyEncryptionSecret);
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
    const now = this.clock.now();
    const known = new Map([...this.#public.values()].map((entry) => [entry.kid, entry]));
    const imported = new Map(this.#signers.map((signer) => [signer.kid, signer]));
    const next = new Map<string, PublicSigningKey>();
    const signers: Signer[] = [];
    for (const row of rows) {
      const header = headerSegment(row.kid, row.alg);
      next.set(header, {
        kid: row.kid,
        alg: row.alg,
        header,
        key: known.get(row.kid)?.key ?? createPublicKey({ key: { ...row.publicJwk }, format: 'jwk' }),
        jwk: { ...row.publicJwk, kid: row.kid, alg: row.alg, use: 'sig' },
        publishUntil: row.publishUntil?.getTime() ?? null,
        revoked: row.revokedAt !== null,
      });
      if (row.revokedAt || (row.retiredAt && row.retiredAt.getTime() <= now)) continue;
      signers.push({
        kid: row.kid,
        alg: row.alg,
        header,
        privateKey: imported.get(row.kid)?.privateKey ?? createPrivateKey(readPrivateKey(row.privateKey, row.kid, this.secret)),
        activatesAt: row.activatesAt.getTime(),
      });
    }
    if (signers.length === 0) throw new Error('no signing key');
    this.#public = next;
    this.#signers = signers.sort((a, b) => a.activatesAt - b.activatesAt);
    this.#choose(now);
  }

  // The latest activation that has happened signs; until one has (a node whose
  // clock lags the one that made the first key), the earliest key does.
  #choose(now: number): void {
    let index = 0;
    while (index + 1 < this.#signers.length && this.#signers[index + 1]!.activatesAt <= now) index += 1;
    const previous = this.#current as Signer | undefined;
    this.#current = this.#signers[index]!;
    // Each node says when it starts signing with another key: the trace of a rotation, node by node.
    if (previous && previous.kid !== this.#current.kid) {
      this.log.info({ kid: this.#current.kid, alg: this.#current.alg, previousKid: previous.kid }, 'signing with a new key');
    }
    this.#switchAt = this.#signers[index + 1]?.activatesAt ?? Number.POSITIVE_INFINITY;
  }

  /** Settles when a reload in flight (another node's rotation just heard of) is done. */
  get settled(): Promise<void> | undefined {
    return this.#reloading;
  }

  /** The key that signs now. */
  get current(): CurrentSigningKey {
    const now = this.clock.now();
    if (now >= this.#switchAt) this.#choose(now);
    return this.#current;
  }

  /** The key for a token header: published (pending, current or retired), or revoked (its tokens refused). */
  verificationKey(header: string): PublicSigningKey | undefined {
    const entry = this.#public.get(header);
    if (!entry) return undefined;
    if (!entry.revoked && entry.publishUntil !== null && entry.publishUntil <= this.clock.now()) return undefined;
    return entry;
  }

  /**
   * Like verificationKey, but a header this node does not know yet reloads
   * the keys first (at most once a second), so a token signed by another
   * node's freshly rotated key is not refused here in the meantime.
   */
  async freshVerificationKey(header: string): Promise<PublicSigningKey | undefined> {
    if (this.#public.has(header)) return this.verificationKey(header);
    const now = this.clock.now();
    if (now - this.#lastUnknownReload < UNKNOWN_KID_RELOAD_MS && !this.#reloading) return undefined;
    this.#lastUnknownReload = now;
    await this.reload().catch(() => {});
    return this.verificationKey(header);
  }

  /** What JWKS publishes now: pending, current and retired keys until their publishUntil; never a revoked one. */
  jwks(): { keys: PublicSigningKey['jwk'][] } {
    const now = this.clock.now();
    return {
      keys: [...this.#public.values()]
        .filter((entry) => !entry.revoked && (entry.publishUntil === null || entry.publishUntil > now))
        .map((entry) => entry.jwk),
    };
  }
}

/** Keys stored before KEY_ENCRYPTION_SECRET was set are encrypted now, each in place. */
async function encryptClearKeys(store: Store, secret: string): Promise<void> {
  for (const row of await store.signingKeys.all()) {
    if (isEncrypted(row.privateKey)) continue;
    // Conditional on the clear text still being there: a node doing the same at once changes nothing twice.
    await store.signingKeys.replacePrivateKey(row.kid, row.privateKey, encryptPrivateKey(row.privateKey, row.kid, secret));
  }
}
