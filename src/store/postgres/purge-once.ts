// Purges of expired rows, one node at a time: every node runs its purge
// timer, and whoever holds the table's lock deletes; the others skip (0).
import type pg from 'pg';

// A purge after a long outage may delete many rows: more than a request's
// statement timeout allows.
const PURGE_TIMEOUT_MS = 30_000;

/**
 * Runs one DELETE unless another node is already purging the same table
 * (then 0: that node does it). Returns the rows deleted.
 */
export async function purgeOnce(pool: pg.Pool, lock: string, text: string, values: unknown[]): Promise<number> {
  const client = await pool.connect();
  let failed: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL statement_timeout = ${PURGE_TIMEOUT_MS}`);
    const { rows } = await client.query<{ got: boolean }>('SELECT pg_try_advisory_xact_lock($1::bigint) AS got', [lock]);
    const deleted = rows[0]?.got ? ((await client.query({ text, values, query_timeout: PURGE_TIMEOUT_MS + 1_000 } as pg.QueryConfig)).rowCount ?? 0) : 0;
    await client.query('COMMIT');
    return deleted;
  } catch (error) {
    // Released with the error, the connection is closed, which rolls back.
    failed = error as Error;
    throw error;
  } finally {
    client.release(failed);
  }
}
