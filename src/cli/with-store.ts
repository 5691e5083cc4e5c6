// The configuration and store an operator command works on: the same
// environment (and .env) as `latchkey serve`, so a command acts on the
// database the service uses.
import { loadConfig, type Config } from '../config.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';

export async function withStore<T>(work: (store: Store, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const store = await openStore(config.databaseUrl);
  try {
    return await work(store, config);
  } finally {
    await store.close();
  }
}
