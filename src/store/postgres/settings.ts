// Service-wide values on PostgreSQL.
import { eq } from 'drizzle-orm';
import type { SettingStore } from '../store.js';
import { settings } from './schema.js';
import type { Tx } from './transaction.js';

export function createSettingStore(db: Tx): SettingStore {
  return {
    async get(key) {
      return (await db.select({ value: settings.value }).from(settings).where(eq(settings.key, key)))[0]?.value;
    },
    async putIfAbsent(key, value) {
      // Two nodes generating a management key at once: the first insert wins.
      const stored = await db.insert(settings).values({ key, value }).onConflictDoNothing().returning({ key: settings.key });
      return stored.length === 1;
    },
  };
}
