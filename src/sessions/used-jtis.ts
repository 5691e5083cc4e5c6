// The ledger of exchanged single-use customer JWTs (§4.2 step 9): each (app,
// jti) is accepted once cluster-wide (the store's insert is the atomic
// check-and-mark) and remembered until the token's exp, after which the token
// is refused as expired anyway. A purge at most once a minute per process, on
// the back of a use, keeps the table bounded by lifetime × rate.
import { toSeconds, type Clock } from '../clock.js';
import type { Store } from '../store/store.js';

const PURGE_EVERY_MS = 60_000;

export interface UsedJtis {
  /** Records the jti as exchanged by the app until `expSeconds`; false when it already was. */
  use(appId: string, jti: string, expSeconds: number): Promise<boolean>;
  purge(): Promise<number>;
}

export function createUsedJtis(store: Store, clock: Clock): UsedJtis {
  let lastPurge = 0;
  const purge = () => {
    lastPurge = clock.now();
    return store.usedJtis.purge(toSeconds(lastPurge));
  };
  return {
    use(appId, jti, expSeconds) {
      // Housekeeping never delays or fails an exchange.
      if (clock.now() - lastPurge >= PURGE_EVERY_MS) purge().catch(() => {});
      return store.usedJtis.use(appId, jti, expSeconds);
    },
    purge,
  };
}
