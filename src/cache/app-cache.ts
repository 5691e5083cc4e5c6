// Per-app state the session endpoints need on every request: the app record,
// its compiled Origin matcher and its imported customer keys. Each is built
// once per change, not per request, so a warm node reads no row per request
// (contract §5). The store's change feed drops entries: writes made through
// this node at once, other processes' and nodes' writes as soon as the feed
// hears of them (SQLite: next request; PostgreSQL: pushed, within a second).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { compileAllowlist, type OriginMatcher } from '../apps/origin-allowlist.js';
import type { CustomerAlgorithm } from '../keys/algorithms.js';
import type { AppRecord } from '../store/records.js';
import type { Store } from '../store/store.js';

export interface CustomerKey {
  kid: string;
  algorithm: CustomerAlgorithm;
  key: KeyObject;
}

export interface CachedApp {
  readonly row: AppRecord;
  readonly originAllowed: OriginMatcher;
  /** The app's customer keys by kid, loaded and imported on first use. */
  customerKeys(): Promise<ReadonlyMap<string, CustomerKey>>;
}

// Misses are not cached (random app ids must not grow memory); hits are
// bounded so a large fleet of apps cannot either.
const MAX_ENTRIES = 10_000;

export class AppCache {
  readonly #entries = new Map<string, CachedApp>();
  // Concurrent misses for one app share one query.
  readonly #loading = new Map<string, Promise<CachedApp | undefined>>();

  constructor(private readonly store: Store) {
    store.changes.subscribe((table) => {
      if (table === 'apps' || table === 'auth_keys' || table === '*') this.clear();
    });
  }

  /**
   * The app, from memory when warm; `undefined` when it does not exist.
   * Callers poll the change feed once per request before (the run API does).
   */
  get(appId: string): Promise<CachedApp | undefined> {
    const hit = this.#entries.get(appId);
    if (hit) return Promise.resolve(hit);
    let loading = this.#loading.get(appId);
    if (!loading) {
      loading = this.#load(appId).finally(() => this.#loading.delete(appId));
      this.#loading.set(appId, loading);
    }
    return loading;
  }

  clear(): void {
    this.#entries.clear();
    this.#loading.clear();
  }

  async #load(appId: string): Promise<CachedApp | undefined> {
    // A fill that raced an invalidation is served to its own request but never
    // kept: keeping it could pin a row older than the write that dropped it.
    const epoch = this.store.changes.epoch;
    const row = await this.store.apps.getById(appId);
    if (!row) return undefined;
    const entry = this.#build(row);
    if (epoch === this.store.changes.epoch) {
      if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
      this.#entries.set(appId, entry);
    }
    return entry;
  }

  #build(row: AppRecord): CachedApp {
    let keys: Promise<Map<string, CustomerKey>> | undefined;
    const store = this.store;
    return {
      row,
      originAllowed: compileAllowlist(row.allowedDomains),
      customerKeys() {
        // A Map, never a plain object: a kid of "constructor" or "__proto__"
        // must find nothing rather than something inherited.
        if (keys) return keys;
        keys = store.keys.list(row.id).then(
          (list) =>
            new Map(
              list.map((k) => [
                k.kid,
                { kid: k.kid, algorithm: k.algorithm as CustomerAlgorithm, key: createPublicKey(k.publicKey) },
              ]),
            ),
        );
        // A failed load is not remembered: the next request tries again.
        keys.catch(() => (keys = undefined));
        return keys;
      },
    };
  }
}
