// Per-app state the session endpoints need on every request: the app row, its
// compiled Origin matcher and its imported customer keys. Each is built once
// per change, not per request. Writes through the management API invalidate
// the app's entry; writes by another process to apps or keys are noticed
// through the change watcher (db/change-watcher.ts) and drop the whole cache.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { authKeys } from '../db/schema.js';
import type { ChangeWatcher } from '../db/change-watcher.js';
import type { CustomerAlgorithm } from '../keys/algorithms.js';
import { getAppById, type AppRow } from './app-store.js';
import { compileAllowlist, type OriginMatcher } from './origin-allowlist.js';

export interface CustomerKey {
  kid: string;
  algorithm: CustomerAlgorithm;
  key: KeyObject;
}

export interface CachedApp {
  readonly row: AppRow;
  readonly originAllowed: OriginMatcher;
  /** The app's customer keys by kid, imported on first use. */
  customerKeys(): ReadonlyMap<string, CustomerKey>;
}

// Misses are not cached (random app ids must not grow memory); hits are
// bounded so a large fleet of apps cannot either.
const MAX_ENTRIES = 10_000;

export class AppCache {
  readonly #entries = new Map<string, CachedApp>();

  constructor(
    private readonly db: Db,
    watcher: ChangeWatcher,
  ) {
    watcher.subscribe(() => this.#entries.clear());
  }

  get(appId: string): CachedApp | undefined {
    const hit = this.#entries.get(appId);
    if (hit) return hit;
    const row = getAppById(this.db, appId);
    if (!row) return undefined;
    const entry = this.#build(row);
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(appId, entry);
    return entry;
  }

  invalidate(appId: string): void {
    this.#entries.delete(appId);
  }

  #build(row: AppRow): CachedApp {
    let keys: Map<string, CustomerKey> | undefined;
    const db = this.db;
    return {
      row,
      originAllowed: compileAllowlist(row.allowedDomains),
      customerKeys() {
        // A Map, never a plain object: a kid of "constructor" or "__proto__"
        // must find nothing rather than something inherited.
        keys ??= new Map(
          db
            .select()
            .from(authKeys)
            .where(eq(authKeys.appId, row.id))
            .all()
            .map((k) => [
              k.kid,
              { kid: k.kid, algorithm: k.algorithm as CustomerAlgorithm, key: createPublicKey(k.publicKey) },
            ]),
        );
        return keys;
      },
    };
  }
}
