// One transaction on one pooled connection, typed through drizzle.
//
// drizzle's own db.transaction() hands the connection back to the pool even
// after it broke or timed out, where the next caller would queue behind a
// query that may never answer. Here a connection that failed for an
// infrastructure reason is destroyed instead, and only a healthy one is rolled
// back and reused.
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { StoreUnavailableError } from '../store-errors.js';
import * as schema from './schema.js';
import { toStoreError } from './unavailable.js';

export type Tx = NodePgDatabase<typeof schema>;

export async function transaction<T>(pool: pg.Pool, work: (tx: Tx) => Promise<T>): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw toStoreError(error);
  }
  try {
    await client.query('BEGIN');
    const result = await work(drizzle({ client, schema }));
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (error) {
    const mapped = toStoreError(error);
    if (mapped instanceof StoreUnavailableError) {
      client.release(mapped);
    } else {
      await client.query('ROLLBACK').then(
        () => client.release(),
        (rollbackError: unknown) => client.release(rollbackError as Error),
      );
    }
    throw mapped;
  }
}
