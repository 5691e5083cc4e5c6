// The hand-written parts of drizzle/postgres/ (0001): what drizzle cannot
// declare, so nothing else checks it.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CHANNEL } from '../../src/store/postgres/change-feed.js';
import { migrationsFolder } from '../../src/store/postgres/migrate.js';
import { freshPostgresDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';

describe.runIf(postgresAvailable)('PostgreSQL schema', () => {
  let database: TestDatabase;
  let client: pg.Client;
  let notified: string[];

  const generation = async () => Number((await client.query('SELECT value FROM cache_generation WHERE id = 1')).rows[0].value);
  const insertApp = (id: string, on: pg.Client = client) =>
    on.query(
      `INSERT INTO apps (id, tenant_id, project_id, name, type, enabled, allowed_domains, allow_anonymous, created_at, updated_at)
       VALUES ($1, 't1', 'p1', 'App', 'web_client', true, '[]', true, now(), now())`,
      [id],
    );
  const insertSigningKey = (kid: string, retired: boolean) =>
    client.query(
      `INSERT INTO signing_keys (kid, private_key, public_jwk, created_at, retired_at)
       VALUES ($1, 'pem', '{}', now(), ${retired ? 'now()' : 'NULL'})`,
      [kid],
    );

  // Notifications reach listeners in commit order: once a marker sent after
  // the writes arrives, everything the writes notified has arrived too.
  const settle = async () => {
    await client.query(`SELECT pg_notify('${CHANNEL}', 'marker')`);
    await vi.waitFor(() => expect(notified.at(-1)).toBe('marker'));
    notified.pop();
  };

  beforeEach(async () => {
    database = await freshPostgresDatabase();
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
    notified = [];
  });
  afterEach(async () => {
    await client.end();
    await database.drop();
  });

  it('keeps rate limits unlogged and spent challenges logged', async () => {
    const { rows } = await client.query<{ relname: string; relpersistence: string }>(
      `SELECT relname, relpersistence FROM pg_class WHERE relname IN ('rate_limits', 'spent_challenges') ORDER BY relname`,
    );
    // u = unlogged (no WAL, emptied by crash recovery), p = permanent.
    expect(rows).toEqual([
      { relname: 'rate_limits', relpersistence: 'u' },
      { relname: 'spent_challenges', relpersistence: 'p' },
    ]);
  });

  it('bumps the generation and notifies the table on every committed write to a cached table, once per statement', async () => {
    const listener = new pg.Client({ connectionString: database.url });
    await listener.connect();
    listener.on('notification', (message) => {
      if (message.channel === CHANNEL) notified.push(message.payload ?? '');
    });
    await listener.query(`LISTEN ${CHANNEL}`);
    try {
      const before = await generation();
      await insertApp('app_a');
      await client.query(`INSERT INTO auth_keys (app_id, kid, algorithm, public_key, thumbprint, created_at) VALUES ('app_a', 'k1', 'ES256', 'pem', 't', now()), ('app_a', 'k2', 'ES256', 'pem', 't', now())`);
      await insertSigningKey('sk1', false);
      await client.query(`UPDATE apps SET name = 'Renamed'`);
      await settle();
      expect(notified).toEqual(['apps', 'auth_keys', 'signing_keys', 'apps']);
      expect(await generation()).toBe(before + 4);

      // Deleting an app deletes its keys (cascade): both tables announced.
      notified.length = 0;
      await client.query(`DELETE FROM apps WHERE id = 'app_a'`);
      await settle();
      // The app's keys and revocations go with it (ON DELETE CASCADE), each table notified once.
      expect([...notified].sort()).toEqual(['apps', 'auth_keys', 'revocations']);
    } finally {
      await listener.end();
    }
  });

  it('says nothing about a write that was rolled back, or about tables no node caches', async () => {
    const listener = new pg.Client({ connectionString: database.url });
    await listener.connect();
    listener.on('notification', (message) => {
      if (message.channel === CHANNEL) notified.push(message.payload ?? '');
    });
    await listener.query(`LISTEN ${CHANNEL}`);
    try {
      const before = await generation();
      await client.query('BEGIN');
      await insertApp('app_rolled_back');
      await client.query('ROLLBACK');
      await client.query(`INSERT INTO spent_challenges VALUES (1, 'c'); INSERT INTO settings (key, value) VALUES ('k', 'v')`);
      await client.query(`INSERT INTO rate_limits VALUES ('run', 'ip', 0, 1)`);
      await settle();
      expect(notified).toEqual([]);
      expect(await generation()).toBe(before);
    } finally {
      await listener.end();
    }
  });

  it('refuses a second current signing key, but keeps any number of retired ones', async () => {
    await insertSigningKey('old1', true);
    await insertSigningKey('old2', true);
    await insertSigningKey('current', false);
    await expect(insertSigningKey('second_current', false)).rejects.toMatchObject({
      code: '23505',
      constraint: 'signing_keys_one_current',
    });
  });

  it('records one journal row per migration, the newest last', async () => {
    const journal = JSON.parse(readFileSync(resolve(migrationsFolder(), 'meta/_journal.json'), 'utf8')) as { entries: { when: number }[] };
    const { rows } = await client.query<{ created_at: string }>('SELECT created_at FROM drizzle.__drizzle_migrations ORDER BY id');
    expect(rows.map((row) => Number(row.created_at))).toEqual(journal.entries.map((entry) => entry.when));
  });
});
