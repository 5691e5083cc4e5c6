// The spent-challenge ledger: each solved challenge is accepted once, cluster-
// wide (the store's insert is the atomic check-and-mark, see
// src/store/sqlite/schema.ts for why it is keyed by expiry first). Rows live
// until their challenge expires; a purge at most once a minute per process
// keeps the table bounded by TTL × rate.
import { toSeconds, type Clock } from '../clock.js';
import type { Store } from '../store/store.js';

const PURGE_EVERY_MS = 60_000;

export interface SpentChallenges {
  /** Marks a challenge spent; false when it already was. */
  spend(challenge: string, expiresAtSeconds: number): Promise<boolean>;
  purge(): Promise<number>;
}

export function createSpentChallenges(store: Store, clock: Clock): SpentChallenges {
  let lastPurge = 0;
  const purge = () => {
    lastPurge = clock.now();
    return store.spentChallenges.purge(toSeconds(lastPurge));
  };
  return {
    spend(challenge, expiresAtSeconds) {
      // The purge is housekeeping: it never delays or fails a spend.
      if (clock.now() - lastPurge >= PURGE_EVERY_MS) purge().catch(() => {});
      return store.spentChallenges.spend(challenge, expiresAtSeconds);
    },
    purge,
  };
}
