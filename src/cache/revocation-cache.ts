// Every live revocation (§2.5), in memory on each node, indexed by app, so
// introspection and refresh check revocation without reading a row (§5).
// Revocations are few (at most 10 000 live per app), so they are loaded
// whole, once, and again only after the change feed reports a write to them:
// at once for this node's writes, within a second for other nodes' (§5).
import type { Clock } from '../clock.js';
import { indexRevocations, NOTHING_REVOKED, type RevocationIndex } from '../revocations/is-revoked.js';
import type { RevocationRecord } from '../store/records.js';
import type { Store } from '../store/store.js';

export class RevocationCache {
  #byApp: Map<string, RevocationIndex> | undefined;
  // Concurrent requests on a cold cache share one query.
  #loading: Promise<Map<string, RevocationIndex>> | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {
    store.changes.subscribe((table) => {
      if (table === 'revocations' || table === '*') this.clear();
    });
  }

  /** The app's revocations. Callers poll the change feed once per request before (the run API does). */
  async forApp(appId: string): Promise<RevocationIndex> {
    const byApp = this.#byApp ?? (await this.#load());
    return byApp.get(appId) ?? NOTHING_REVOKED;
  }

  clear(): void {
    this.#byApp = undefined;
    this.#loading = undefined;
  }

  #load(): Promise<Map<string, RevocationIndex>> {
    if (this.#loading) return this.#loading;
    const loading = this.#fill().finally(() => {
      if (this.#loading === loading) this.#loading = undefined;
    });
    this.#loading = loading;
    return loading;
  }

  async #fill(): Promise<Map<string, RevocationIndex>> {
    // A fill that raced an invalidation answers its own requests but is not
    // kept: it may predate the revocation that dropped the cache.
    const epoch = this.store.changes.epoch;
    const rows = await this.store.revocations.listLive(new Date(this.clock.now()));
    const grouped = new Map<string, RevocationRecord[]>();
    for (const row of rows) {
      const list = grouped.get(row.appId);
      if (list) list.push(row);
      else grouped.set(row.appId, [row]);
    }
    const byApp = new Map<string, RevocationIndex>();
    for (const [appId, list] of grouped) byApp.set(appId, indexRevocations(list));
    if (epoch === this.store.changes.epoch) this.#byApp = byApp;
    return byApp;
  }
}
