// Spent proof-of-work challenges on PostgreSQL: each accepted once in the whole
// cluster. The primary key makes check-and-mark one atomic insert: a row
// returned is a challenge this call spent, a conflict is a replay.
//
// Spends that arrive in one event-loop turn go to the database as one
// statement. Under load that is 3-5× less CPU per spend on both sides than a
// statement each (scripts/bench/pg-spend.ts); alone, a spend waits for nothing
// but the end of the current turn.
import type pg from 'pg';
import type { SpentChallengeStore } from '../store.js';
import { LOCKS } from './advisory-locks.js';
import { purgeOnce } from './purge-once.js';
import { guarded, toStoreError } from './unavailable.js';

// A duplicate inside one batch conflicts with its first occurrence, which alone
// is returned; the callers are answered in arrival order, so only the first
// caller of a challenge gets true.
const SPEND = {
  name: 'latchkey_spend',
  text: `INSERT INTO spent_challenges (expires_at, challenge)
         SELECT * FROM unnest($1::bigint[], $2::text[])
         ON CONFLICT DO NOTHING
         RETURNING expires_at, challenge`,
};
// Bounds one statement's size (and the rows one failure answers with an error).
const MAX_BATCH = 1_000;

interface Pending {
  expiresAt: number;
  challenge: string;
  resolve(spent: boolean): void;
  reject(error: unknown): void;
}

export interface BatchedSpentChallengeStore extends SpentChallengeStore {
  /** Sends what is queued and waits for every answer (before closing the pool). */
  drain(): Promise<void>;
}

export function createSpentChallengeStore(pool: pg.Pool, deadlineMs: number): BatchedSpentChallengeStore {
  let queue: Pending[] = [];
  let scheduled = false;
  const inFlight = new Set<Promise<void>>();

  const send = async (batch: Pending[]) => {
    try {
      const { rows } = await pool.query<{ expires_at: string; challenge: string }>({
        ...SPEND,
        values: [batch.map((p) => p.expiresAt), batch.map((p) => p.challenge)],
      });
      const spent = new Set(rows.map((row) => `${row.expires_at}:${row.challenge}`));
      // delete(): true once per key, for its first caller only.
      for (const p of batch) p.resolve(spent.delete(`${p.expiresAt}:${p.challenge}`));
    } catch (error) {
      const mapped = toStoreError(error);
      for (const p of batch) p.reject(mapped);
    }
  };

  const flush = () => {
    scheduled = false;
    const batch = queue;
    queue = [];
    for (let i = 0; i < batch.length; i += MAX_BATCH) {
      const sending = send(batch.slice(i, i + MAX_BATCH));
      inFlight.add(sending);
      void sending.finally(() => inFlight.delete(sending));
    }
  };

  return {
    spend(challenge, expiresAtSeconds) {
      // Refused here, alone: a value PostgreSQL rejects would fail the whole batch.
      if (!Number.isSafeInteger(expiresAtSeconds) || challenge.includes('\u0000')) {
        return Promise.reject(new TypeError('spend: expiresAtSeconds must be an integer and challenge free of NUL'));
      }
      return guarded(
        () =>
          new Promise<boolean>((resolve, reject) => {
            queue.push({ expiresAt: expiresAtSeconds, challenge, resolve, reject });
            if (!scheduled) {
              scheduled = true;
              setImmediate(flush);
            }
          }),
        deadlineMs,
      );
    },
    purge(nowSeconds) {
      return guarded(() => purgeOnce(pool, LOCKS.purgeSpentChallenges, 'DELETE FROM spent_challenges WHERE expires_at <= $1', [nowSeconds]));
    },
    async drain() {
      if (scheduled) flush();
      await Promise.allSettled([...inFlight]);
    },
  };
}
