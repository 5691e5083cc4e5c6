// Single-use customer JWTs on PostgreSQL (§4.2 step 9, §5): the (app, jti)
// primary key makes "record unless present" one atomic insert, so among
// concurrent exchanges on any number of nodes exactly one gets a row back.
import type pg from 'pg';
import type { UsedJtiStore } from '../store.js';
import { LOCKS } from './advisory-locks.js';
import { purgeOnce } from './purge-once.js';

const USE = {
  name: 'latchkey_use_jti',
  text: 'INSERT INTO used_jtis (app_id, jti, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
};

export function createUsedJtiStore(pool: pg.Pool): UsedJtiStore {
  return {
    async use(appId, jti, expiresAtSeconds) {
      const { rowCount } = await pool.query({ ...USE, values: [appId, jti, expiresAtSeconds] });
      return rowCount === 1;
    },
    purge(nowSeconds) {
      return purgeOnce(pool, LOCKS.purgeUsedJtis, 'DELETE FROM used_jtis WHERE expires_at <= $1', [nowSeconds]);
    },
  };
}
