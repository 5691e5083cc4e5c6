// Several nodes on one database (contract §5): every rule holds across them.
// Each store below is a node of its own (its own pool and connections), so
// these races are real PostgreSQL concurrency, which SQLite cannot show.
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KeyRecord, SigningKeyRecord } from '../../src/store/records.js';
import { StoreUnavailableError } from '../../src/store/store-errors.js';
import type { Store } from '../../src/store/store.js';
import { freshPostgresStores, postgresAvailable, type TestStores } from '../support/postgres.js';
import { appRecord, signingKeyRecord } from '../support/records.js';

const app = appRecord('app_concurrency0001');

const key = (kid: string): KeyRecord => ({ appId: app.id, kid, algorithm: 'ES256', publicKey: 'pem', thumbprint: kid, createdAt: new Date() });

// Holds its node between "is a key current?" and the insert, as a slow key
// generation would: without a lock every node would see none.
function slowly<A extends unknown[], T>(make: (...args: A) => T): (...args: A) => T {
  return (...args) => {
    const until = Date.now() + 30;
    while (Date.now() < until);
    return make(...args);
  };
}

describe.runIf(postgresAvailable)('PostgreSQL, several nodes on one database', () => {
  let stores: TestStores;
  let nodes: Store[];

  beforeEach(async () => {
    stores = await freshPostgresStores();
    nodes = await Promise.all([stores.open(), stores.open(), stores.open()]);
    // Connections open before a race starts, so the race is in the database.
    await Promise.all(nodes.flatMap((node) => [node.ping(), node.ping(), node.ping()]));
  });
  afterEach(async () => {
    await stores.cleanup();
  });

  it('20 concurrent key uploads through two nodes make exactly 5 keys', async () => {
    await nodes[0]!.apps.create(app);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => nodes[i % 2]!.keys.add(key(`k${i}`), 5)));
    expect(results.filter((result) => result.ok)).toHaveLength(5);
    expect(results.filter((result) => !result.ok && result.reason === 'key_limit_reached')).toHaveLength(15);
    expect(await nodes[2]!.keys.list(app.id)).toHaveLength(5);
  });

  it('3 nodes making sure of a signing key at once on an empty database make one current key', async () => {
    await Promise.all(nodes.map((node, i) => node.signingKeys.ensureCurrent(slowly(() => signingKeyRecord(`node${i}`)))));
    const keys = await nodes[0]!.signingKeys.all();
    expect(keys).toHaveLength(1);
    expect(keys[0]!.retiredAt).toBeNull();
  });

  it('rotations on several nodes at once still leave one current key', async () => {
    await nodes[0]!.signingKeys.ensureCurrent(() => signingKeyRecord('first'));
    const now = new Date();
    // Each plan retires whichever key is the newest when it runs, as rotation does.
    const rotate = (node: Store, kid: string) =>
      node.signingKeys.change(
        slowly((keys: SigningKeyRecord[]) => {
          const newest = keys.filter((k) => k.retiredAt === null).map((k) => k.kid);
          return {
            change: { updates: newest.map((old) => ({ kid: old, set: { retiredAt: now, publishUntil: now } })), insert: signingKeyRecord(kid) },
            result: newest,
          };
        }),
      );
    const rotations = await Promise.all(nodes.map((node, i) => rotate(node, `rotated${i}`)));
    const keys = await nodes[0]!.signingKeys.all();
    expect(keys.filter((k) => k.retiredAt === null)).toHaveLength(1);
    // Each rotation retired exactly the key current when it ran: a chain, none lost.
    expect(rotations.flat().sort()).toEqual(['first', 'rotated0', 'rotated1', 'rotated2'].filter((kid) => kid !== keys.find((k) => k.retiredAt === null)!.kid).sort());
  });

  it('a challenge spent on 3 nodes at once is accepted exactly once, for each of 30 challenges', async () => {
    const challenges = Array.from({ length: 30 }, (_, i) => `challenge-${i}`);
    const results = await Promise.all(challenges.flatMap((challenge) => nodes.map((node) => node.spentChallenges.spend(challenge, 2_000_000_000))));
    for (let c = 0; c < challenges.length; c++) {
      expect(results.slice(c * 3, c * 3 + 3).filter(Boolean)).toHaveLength(1);
    }
  });

  it('counts one client’s hits on 3 nodes together, and restarts the window after windowMs', async () => {
    const t0 = 1_800_000_000_000;
    const hits = await Promise.all(Array.from({ length: 30 }, (_, i) => nodes[i % 3]!.rateLimits.hit('run', '203.0.113.9', t0 + i, 60_000)));
    expect(hits.map((hit) => hit.hits).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(new Set(hits.map((hit) => hit.resetAtMs)).size).toBe(1);
    expect(await nodes[1]!.rateLimits.peek('run', '203.0.113.9', t0 + 100, 60_000)).toEqual({ hits: 30, resetAtMs: hits[0]!.resetAtMs });

    const next = await nodes[2]!.rateLimits.hit('run', '203.0.113.9', hits[0]!.resetAtMs, 60_000);
    expect(next).toEqual({ hits: 1, resetAtMs: hits[0]!.resetAtMs + 60_000 });
  });

  it('lets one node at a time purge', async () => {
    for (let i = 0; i < 10; i++) await nodes[0]!.spentChallenges.spend(`old${i}`, 100);
    const purged = await Promise.all(nodes.map((node) => node.spentChallenges.purge(1_000)));
    expect(purged.reduce((a, b) => a + b, 0)).toBe(10);
  });

  it('answers StoreUnavailableError, not a hang, when a row stays locked or every connection is busy', async () => {
    await nodes[0]!.apps.create(app);
    const slow = await stores.open({ poolMax: 1, timeoutMs: 300 });
    const locker = new pg.Client({ connectionString: stores.database.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM apps WHERE id = $1 FOR UPDATE', [app.id]);
      // The first upload waits on the row lock until statement_timeout; the
      // second waits for the pool's only connection until connectionTimeout.
      const [locked, queued] = await Promise.allSettled([slow.keys.add(key('k1'), 5), slow.keys.add(key('k2'), 5)]);
      expect(locked).toMatchObject({ status: 'rejected', reason: expect.any(StoreUnavailableError) });
      expect(queued).toMatchObject({ status: 'rejected', reason: expect.any(StoreUnavailableError) });
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    expect(await slow.keys.add(key('k3'), 5)).toMatchObject({ ok: true });
  });
});
