// The spent-challenge store: each solved challenge is accepted once. The
// primary key (expires_at, challenge) makes the check-and-mark one atomic
// INSERT (see src/db/schema.ts for why it is keyed by expiry first), so concurrent
// requests with one solution (in this process or another on the same file)
// get exactly one success. Rows live until their challenge expires; a purge
// at most once a minute keeps the table bounded by TTL × rate.
import type { Clock } from '../clock.js';
import type { Db } from '../db/client.js';

const PURGE_EVERY_MS = 60_000;

export interface SpentChallenges {
  /** Marks a challenge spent; false when it already was. */
  spend(challenge: string, expiresAtSeconds: number): boolean;
  purge(): number;
}

export function createSpentChallenges(db: Db, clock: Clock): SpentChallenges {
  const insert = db.$client.prepare('INSERT OR IGNORE INTO spent_challenges (challenge, expires_at) VALUES (?, ?)');
  const remove = db.$client.prepare('DELETE FROM spent_challenges WHERE expires_at <= ?');
  let lastPurge = 0;
  const purge = () => {
    lastPurge = clock.now();
    return remove.run(Math.floor(lastPurge / 1000)).changes;
  };
  return {
    spend(challenge, expiresAtSeconds) {
      if (clock.now() - lastPurge >= PURGE_EVERY_MS) purge();
      return insert.run(challenge, expiresAtSeconds).changes === 1;
    },
    purge,
  };
}
