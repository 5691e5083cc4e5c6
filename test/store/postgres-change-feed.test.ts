// A write on one node reaches every other node's caches within 1 s (contract
// §5), also when the listening connection was lost or a notification never came.
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChangedTable, Store } from '../../src/store/store.js';
import { freshPostgresStores, postgresAvailable, type TestStores } from '../support/postgres.js';
import { appRecord, signingKeyRecord } from '../support/records.js';

const app = appRecord('app_changefeed0001');

function record(store: Store): ChangedTable[] {
  const seen: ChangedTable[] = [];
  store.changes.subscribe((table) => seen.push(table));
  return seen;
}

// Contract §5: "within 1 s on every other node".
const withinOneSecond = { timeout: 1_000, interval: 10 };

describe.runIf(postgresAvailable)('PostgreSQL change feed', () => {
  let stores: TestStores;
  let admin: pg.Client;

  beforeEach(async () => {
    stores = await freshPostgresStores();
    admin = new pg.Client({ connectionString: stores.database.url });
    await admin.connect();
  });
  afterEach(async () => {
    await admin.end();
    await stores.cleanup();
  });

  it('reports a write through node A to node B within 1 s, naming the table', async () => {
    const [a, b] = [await stores.open(), await stores.open()];
    const seen = record(b);
    const epoch = b.changes.epoch;

    await a.apps.create(app);
    await vi.waitFor(() => expect(seen).toEqual(['apps']), withinOneSecond);
    await a.keys.add({ appId: app.id, kid: 'k1', algorithm: 'ES256', publicKey: 'pem', thumbprint: 't', createdAt: new Date() }, 5);
    await vi.waitFor(() => expect(seen).toEqual(['apps', 'auth_keys']), withinOneSecond);
    await a.signingKeys.ensureCurrent(() => signingKeyRecord('sk1'));
    await vi.waitFor(() => expect(seen).toEqual(['apps', 'auth_keys', 'signing_keys']), withinOneSecond);
    expect(b.changes.epoch).toBe(epoch + 3);
  });

  it('reconnects a listener whose connection was killed, and drops everything', async () => {
    const store = await stores.open();
    const seen = record(store);
    const epoch = store.changes.epoch;

    const killed = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'latchkey-listener'`,
    );
    expect(killed.rowCount).toBe(1);
    // First retry after 100 ms.
    await vi.waitFor(() => expect(seen).toEqual(['*']), withinOneSecond);
    expect(store.changes.epoch).toBeGreaterThan(epoch);

    // And it listens again.
    await admin.query(`UPDATE apps SET name = name`);
    await vi.waitFor(() => expect(seen).toEqual(['*', 'apps']), withinOneSecond);
  });

  it('drops everything when the generation moved without a notification', async () => {
    const store = await stores.open({ pollSeconds: 0.1 });
    const seen = record(store);
    // A change whose notification never came (a pooler in between, a lost message).
    await admin.query('UPDATE cache_generation SET value = value + 1 WHERE id = 1');
    await vi.waitFor(() => expect(seen).toEqual(['*']), withinOneSecond);
  });

  it('reports nothing for a rolled-back write', async () => {
    const store = await stores.open();
    const seen = record(store);
    await admin.query('BEGIN');
    await admin.query(`UPDATE apps SET name = name`);
    await admin.query('ROLLBACK');
    // Delivered in commit order: once this arrives, the rollback had its chance.
    await admin.query(`UPDATE signing_keys SET kid = kid`);
    await vi.waitFor(() => expect(seen).toEqual(['signing_keys']), withinOneSecond);
  });

  it('stops listening when closed', async () => {
    const store = await stores.open({ pollSeconds: 0.1 });
    const seen = record(store);
    await store.close();
    await vi.waitFor(async () => {
      const connections = await admin.query(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'latchkey%'`,
      );
      expect(connections.rowCount).toBe(0);
    });
    await admin.query('UPDATE cache_generation SET value = value + 1 WHERE id = 1');
    await admin.query(`UPDATE apps SET name = name`);
    // A later store sees the write; the closed one never does.
    const other = await stores.open();
    const otherSeen = record(other);
    await admin.query(`UPDATE apps SET name = name`);
    await vi.waitFor(() => expect(otherSeen).toContain('apps'), withinOneSecond);
    expect(seen).toEqual([]);
  });
});
