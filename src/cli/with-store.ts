// The configuration and store an operator command works on: the same
// environment (and .env) as `latchkey serve`, so a command acts on the
// database the service uses, under the same MIGRATE_ON_START rule.
import { loadConfig, type Config } from '../config.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';

export async function withStore<T>(work: (store: Store, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  // One command, one request at a time: a pool of two is plenty.
  const store = await openStore(config.databaseUrl, { migrateOnStart: config.migrateOnStart, poolMax: 2 });
  try {
    return await work(store, config);
  } finally {
    await store.close();
  }
}
