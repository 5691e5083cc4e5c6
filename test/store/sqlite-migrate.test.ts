// SQLite migrations at start (contract §1): applied when the service opens a
// file, said at info with how many; with MIGRATE_ON_START=false a file without
// the schema is refused until `latchkey migrate` ran, as on PostgreSQL.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateStore, openStore } from '../../src/store/open-store.js';
import type { StoreLog } from '../../src/store/store-log.js';
import { DatabaseOpenError } from '../../src/store/store-errors.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MIGRATIONS = JSON.parse(readFileSync(join(ROOT, 'drizzle/sqlite/meta/_journal.json'), 'utf8')).entries.length as number;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'latchkey-sqlite-migrate-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function recordingLog() {
  const lines: unknown[][] = [];
  const log: StoreLog = {
    info: (...args) => lines.push(['info', ...args]),
    warn: (...args) => lines.push(['warn', ...args]),
    error: (...args) => lines.push(['error', ...args]),
  };
  return { lines, log };
}

describe('SQLite migrations at start', () => {
  it('says how many it applied to a new file, then that the schema is up to date', async () => {
    const file = join(dir, 'latchkey.db');
    const first = recordingLog();
    await (await openStore(file, { log: first.log })).close();
    expect(first.lines).toEqual([['info', { applied: MIGRATIONS }, 'database migrated']]);
    const again = recordingLog();
    await (await openStore(file, { log: again.log })).close();
    expect(again.lines).toEqual([['info', 'database schema is up to date']]);
  });

  it('with MIGRATE_ON_START=false refuses a new file, and opens it once `latchkey migrate` ran', async () => {
    const file = join(dir, 'latchkey.db');
    await expect(openStore(file, { migrateOnStart: false })).rejects.toThrow(DatabaseOpenError);
    await expect(openStore(file, { migrateOnStart: false })).rejects.toThrow(/has no latchkey schema; run `latchkey migrate`/);
    await migrateStore(file);
    const store = await openStore(file, { migrateOnStart: false });
    await expect(store.apps.list({ tenantId: 't', projectId: 'p' }, 1, 1)).resolves.toEqual({ apps: [], total: 0 });
    await store.close();
  });
});
