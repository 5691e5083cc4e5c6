// Rate-limit counters on PostgreSQL, shared by every node: one fixed window per
// (limit, client), opened by the client's first counted hit (contract §0).
import type pg from 'pg';
import type { RateLimitStore } from '../store.js';
import { LOCKS } from './advisory-locks.js';
import { purgeOnce } from './purge-once.js';

// One statement, one round trip, atomic under concurrent hits from any number
// of nodes: the row lock of ON CONFLICT serializes hits on one key. SET sees
// the old row, so both columns test the same "has the window ended?".
const HIT = {
  name: 'latchkey_rate_limit_hit',
  text: `INSERT INTO rate_limits AS r (bucket, key, window_start, hits) VALUES ($1, $2, $3::bigint, 1)
         ON CONFLICT (bucket, key) DO UPDATE SET
           window_start = CASE WHEN r.window_start + $4::bigint <= $3::bigint THEN $3::bigint ELSE r.window_start END,
           hits = CASE WHEN r.window_start + $4::bigint <= $3::bigint THEN 1 ELSE r.hits + 1 END
         RETURNING hits, window_start`,
};
const PEEK = {
  name: 'latchkey_rate_limit_peek',
  text: 'SELECT hits, window_start FROM rate_limits WHERE bucket = $1 AND key = $2',
};

type Row = { hits: number; window_start: string };

export function createRateLimitStore(pool: pg.Pool): RateLimitStore {
  return {
    async hit(bucket, key, nowMs, windowMs) {
      const { rows } = await pool.query<Row>({ ...HIT, values: [bucket, key, nowMs, windowMs] });
      const row = rows[0]!;
      return { hits: row.hits, resetAtMs: Number(row.window_start) + windowMs };
    },
    async peek(bucket, key, nowMs, windowMs) {
      const row = (await pool.query<Row>({ ...PEEK, values: [bucket, key] })).rows[0];
      const start = row ? Number(row.window_start) : undefined;
      if (!row || start === undefined || start + windowMs <= nowMs) return { hits: 0, resetAtMs: nowMs + windowMs };
      return { hits: row.hits, resetAtMs: start + windowMs };
    },
    purge(nowMs, windowMs) {
      return purgeOnce(pool, LOCKS.purgeRateLimits, 'DELETE FROM rate_limits WHERE window_start <= $1::bigint - $2::bigint', [nowMs, windowMs]);
    },
  };
}
