// What every store must do, written against the Store interface alone and run
// on each implementation: domain code may rely on exactly this, whatever the
// database. Multi-node behaviour (several stores on one database) is in the
// store-specific files (test/store/postgres-*.test.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppRecord, AuditEventRecord, KeyRecord, RevocationRecord, SigningKeyRecord } from '../../src/store/records.js';
import { openSqliteStore } from '../../src/store/sqlite/store.js';
import type { Store } from '../../src/store/store.js';
import { freshPostgresStores, postgresAvailable } from '../support/postgres.js';

interface StoreFactory {
  name: string;
  open(): Promise<{ store: Store; cleanup(): Promise<void> }>;
}

const factories: StoreFactory[] = [];

factories.push({
  name: 'sqlite',
  async open() {
    const store = openSqliteStore(':memory:');
    return { store, cleanup: () => store.close() };
  },
});

if (postgresAvailable) {
  factories.push({
    name: 'postgres',
    async open() {
      const stores = await freshPostgresStores();
      return { store: await stores.open(), cleanup: stores.cleanup };
    },
  });
}

const T0 = Date.parse('2026-11-21T12:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms);
const scope = { tenantId: 't1', projectId: 'p1' };

let counter = 0;
function appRecord(overrides: Partial<AppRecord> = {}): AppRecord {
  counter++;
  return {
    id: `app_conformance${String(counter).padStart(6, '0')}`,
    ...scope,
    name: 'Docs Chat Widget',
    description: null,
    type: 'web_client',
    defaultAgentId: 'agent-1',
    prompt: 'Be concise.',
    enabled: true,
    allowedDomains: ['docs.example.com', '*.example.org'],
    allowAnonymous: true,
    customerJwt: {},
    createdAt: at(0),
    updatedAt: at(0),
    ...overrides,
  };
}

function keyRecord(appId: string, kid: string, createdAt = at(0)): KeyRecord {
  return {
    appId,
    kid,
    algorithm: 'ES256',
    publicKey: `-----BEGIN PUBLIC KEY-----\n${kid}\n-----END PUBLIC KEY-----\n`,
    thumbprint: `thumb-${kid}`,
    createdAt,
  };
}

function signingKey(kid: string, createdAt = at(0)): SigningKeyRecord {
  return {
    kid,
    alg: 'EdDSA',
    privateKey: `-----BEGIN PRIVATE KEY-----\n${kid}\n-----END PRIVATE KEY-----\n`,
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x: `x-${kid}` },
    createdAt,
    activatesAt: createdAt,
    retiredAt: null,
    publishUntil: null,
    revokedAt: null,
  };
}

function auditEventRecord(action: string, target: string): AuditEventRecord {
  return {
    id: `evt_${action}_${target}`,
    at: at(0),
    action,
    actor: { type: 'cli' },
    tenantId: null,
    projectId: null,
    appId: null,
    target,
    changes: null,
    ip: null,
    requestId: null,
  };
}

if (factories.length === 0) {
  it.skip('no store implementation to test: run with LATCHKEY_TEST_STORE=postgres (or add the SQLite factory)', () => {});
}

describe.each(factories)('$name store', (factory) => {
  let store: Store;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ store, cleanup } = await factory.open());
  });
  afterEach(async () => {
    await cleanup();
  });

  describe('apps', () => {
    it('reads back exactly what was created, nulls, Dates and the allowlist order included', async () => {
      const app = appRecord({ description: 'ünïcødé ✓ 𝄞', prompt: null, defaultAgentId: null, createdAt: at(123), updatedAt: at(456) });
      await store.apps.create(app);
      expect(await store.apps.getById(app.id)).toEqual(app);
      expect(await store.apps.getScoped(scope, app.id)).toEqual(app);
    });

    it('hides an app from every other tenant and project', async () => {
      const app = appRecord();
      await store.apps.create(app);
      expect(await store.apps.getScoped({ tenantId: 't2', projectId: 'p1' }, app.id)).toBeUndefined();
      expect(await store.apps.getScoped({ tenantId: 't1', projectId: 'p2' }, app.id)).toBeUndefined();
      expect(await store.apps.update({ tenantId: 't2', projectId: 'p1' }, app.id, { name: 'x' })).toBeUndefined();
      expect(await store.apps.delete({ tenantId: 't2', projectId: 'p1' }, app.id)).toBe(false);
      expect(await store.apps.getById(app.id)).toEqual(app);
    });

    it('lists a project oldest first, creation order breaking ties, one page at a time', async () => {
      const created = [appRecord({ createdAt: at(5) }), appRecord({ createdAt: at(1) }), appRecord({ createdAt: at(5) }), appRecord({ createdAt: at(3) })];
      // Ids sorting against creation order, so a tie is not broken by id.
      created[0]!.id = 'app_zzzzzzzzzzzz';
      created[2]!.id = 'app_aaaaaaaaaaaa';
      for (const app of created) await store.apps.create(app);
      await store.apps.create(appRecord({ tenantId: 't2' }));
      const order = [created[1], created[3], created[0], created[2]].map((app) => app!.id);

      const all = await store.apps.list(scope, 1, 10);
      expect(all.total).toBe(4);
      expect(all.apps.map((app) => app.id)).toEqual(order);
      const second = await store.apps.list(scope, 2, 3);
      expect(second).toEqual({ apps: [created[2]], total: 4 });
      expect(await store.apps.list(scope, 3, 3)).toEqual({ apps: [], total: 4 });
      expect(await store.apps.list({ tenantId: 'nobody', projectId: 'p1' }, 1, 10)).toEqual({ apps: [], total: 0 });
    });

    it('updates only the fields given and returns the updated app', async () => {
      const app = appRecord();
      await store.apps.create(app);
      const updated = await store.apps.update(scope, app.id, {
        name: 'Renamed',
        description: 'now described',
        enabled: false,
        allowedDomains: ['b.example', 'a.example'],
        prompt: undefined,
        updatedAt: at(1000),
      });
      const expected = { ...app, name: 'Renamed', description: 'now described', enabled: false, allowedDomains: ['b.example', 'a.example'], updatedAt: at(1000) };
      expect(updated).toEqual(expected);
      expect(await store.apps.getById(app.id)).toEqual(expected);
      expect(await store.apps.update(scope, app.id, { prompt: null })).toEqual({ ...expected, prompt: null });
    });

    it('answers a missing app with undefined and false', async () => {
      expect(await store.apps.getById('app_missing00000')).toBeUndefined();
      expect(await store.apps.update(scope, 'app_missing00000', { name: 'x' })).toBeUndefined();
      expect(await store.apps.update(scope, 'app_missing00000', {})).toBeUndefined();
      expect(await store.apps.delete(scope, 'app_missing00000')).toBe(false);
    });

    it('deletes an app with its keys', async () => {
      const app = appRecord();
      await store.apps.create(app);
      await store.keys.add(keyRecord(app.id, 'k1'), 5);
      expect(await store.apps.delete(scope, app.id)).toBe(true);
      expect(await store.apps.getById(app.id)).toBeUndefined();
      expect(await store.keys.list(app.id)).toEqual([]);
      expect(await store.apps.delete(scope, app.id)).toBe(false);
    });
  });

  describe('customer keys', () => {
    it('adds keys up to the limit, then refuses with key_limit_reached', async () => {
      const app = appRecord();
      await store.apps.create(app);
      for (const kid of ['k1', 'k2', 'k3']) expect(await store.keys.add(keyRecord(app.id, kid), 3)).toEqual({ ok: true, key: keyRecord(app.id, kid) });
      expect(await store.keys.add(keyRecord(app.id, 'k4'), 3)).toEqual({ ok: false, reason: 'key_limit_reached' });
      expect((await store.keys.list(app.id)).map((key) => key.kid)).toEqual(['k1', 'k2', 'k3']);
    });

    it('refuses a kid the app already has, but not one another app has', async () => {
      const [a, b] = [appRecord(), appRecord()];
      await store.apps.create(a);
      await store.apps.create(b);
      await store.keys.add(keyRecord(a.id, 'same'), 5);
      expect(await store.keys.add(keyRecord(a.id, 'same'), 5)).toEqual({ ok: false, reason: 'kid_conflict' });
      expect((await store.keys.add(keyRecord(b.id, 'same'), 5)).ok).toBe(true);
    });

    it('reports kid_conflict before key_limit_reached', async () => {
      const app = appRecord();
      await store.apps.create(app);
      await store.keys.add(keyRecord(app.id, 'k1'), 1);
      expect(await store.keys.add(keyRecord(app.id, 'k1'), 1)).toEqual({ ok: false, reason: 'kid_conflict' });
    });

    it('refuses a key for a missing app', async () => {
      expect(await store.keys.add(keyRecord('app_missing00000', 'k1'), 5)).toEqual({ ok: false, reason: 'app_not_found' });
    });

    it('lists oldest first, addition order breaking ties, and deletes by (app, kid)', async () => {
      const [a, b] = [appRecord(), appRecord()];
      await store.apps.create(a);
      await store.apps.create(b);
      await store.keys.add(keyRecord(a.id, 'zz', at(2)), 5);
      await store.keys.add(keyRecord(a.id, 'mm', at(1)), 5);
      await store.keys.add(keyRecord(a.id, 'aa', at(2)), 5);
      await store.keys.add(keyRecord(b.id, 'zz'), 5);
      expect(await store.keys.list(a.id)).toEqual([keyRecord(a.id, 'mm', at(1)), keyRecord(a.id, 'zz', at(2)), keyRecord(a.id, 'aa', at(2))]);

      expect(await store.keys.delete(a.id, 'zz')).toBe(true);
      expect(await store.keys.delete(a.id, 'zz')).toBe(false);
      expect((await store.keys.list(a.id)).map((key) => key.kid)).toEqual(['mm', 'aa']);
      expect((await store.keys.list(b.id)).map((key) => key.kid)).toEqual(['zz']);
    });
  });

  describe('signing keys', () => {
    it('creates a current key once, however often ensureCurrent runs', async () => {
      let made = 0;
      const make = () => signingKey(`sk${++made}`);
      await store.signingKeys.ensureCurrent(make);
      await store.signingKeys.ensureCurrent(make);
      expect(await store.signingKeys.all()).toEqual([signingKey('sk1')]);
    });

    it('applies a planned change with its audit event in one transaction: updates in order, then the insert', async () => {
      await store.signingKeys.ensureCurrent(() => signingKey('first'));
      const event = auditEventRecord('signing_key.rotated', 'second');
      const result = await store.signingKeys.change((keys) => {
        expect(keys).toEqual([signingKey('first')]);
        return {
          change: { updates: [{ kid: 'first', set: { retiredAt: at(10), publishUntil: at(99) } }], insert: signingKey('second'), event },
          result: 'done',
        };
      });
      expect(result).toBe('done');
      // Same createdAt: the order of creation decides.
      expect(await store.signingKeys.all()).toEqual([{ ...signingKey('first'), retiredAt: at(10), publishUntil: at(99) }, signingKey('second')]);
      expect((await store.audit.list({ limit: 10 })).events).toEqual([event]);
      await store.signingKeys.ensureCurrent(() => signingKey('third'));
      expect((await store.signingKeys.all()).map((key) => key.kid)).toEqual(['first', 'second']);
    });

    it('changes nothing when the plan says so, and lets a key become the newest again', async () => {
      await store.signingKeys.ensureCurrent(() => signingKey('a'));
      expect(await store.signingKeys.change(() => ({ change: null, result: 1 }))).toBe(1);
      await store.signingKeys.change(() => ({
        change: { updates: [{ kid: 'a', set: { retiredAt: at(5), publishUntil: at(6) } }], insert: signingKey('b') },
        result: null,
      }));
      // b revoked, a back to open-ended: b leaves "newest" before a takes its place.
      await store.signingKeys.change(() => ({
        change: {
          updates: [
            { kid: 'b', set: { revokedAt: at(3), retiredAt: at(3) } },
            { kid: 'a', set: { retiredAt: null, publishUntil: null } },
          ],
        },
        result: null,
      }));
      expect(await store.signingKeys.all()).toEqual([signingKey('a'), { ...signingKey('b'), revokedAt: at(3), retiredAt: at(3) }]);
      expect((await store.audit.list({ limit: 10 })).events).toEqual([]);
    });

    it('replaces a stored private key only while it is the one expected', async () => {
      await store.signingKeys.ensureCurrent(() => signingKey('k'));
      const clear = signingKey('k').privateKey;
      expect(await store.signingKeys.replacePrivateKey('k', clear, 'enc:v1:a:b:c')).toBe(true);
      expect(await store.signingKeys.replacePrivateKey('k', clear, 'enc:v1:d:e:f')).toBe(false);
      expect((await store.signingKeys.all())[0]!.privateKey).toBe('enc:v1:a:b:c');
    });

    it('lists keys oldest first', async () => {
      await store.signingKeys.ensureCurrent(() => signingKey('late', at(50)));
      await store.signingKeys.change(() => ({
        change: { updates: [{ kid: 'late', set: { retiredAt: at(60), publishUntil: at(70) } }], insert: signingKey('early', at(10)) },
        result: null,
      }));
      expect((await store.signingKeys.all()).map((key) => key.kid)).toEqual(['early', 'late']);
    });
  });

  describe('spent challenges', () => {
    it('spends a challenge once', async () => {
      expect(await store.spentChallenges.spend('c1', 2_000_000_000)).toBe(true);
      expect(await store.spentChallenges.spend('c1', 2_000_000_000)).toBe(false);
      expect(await store.spentChallenges.spend('c2', 2_000_000_000)).toBe(true);
    });

    it('gives exactly the first of simultaneous spends of one challenge true', async () => {
      const results = await Promise.all([
        store.spentChallenges.spend('same', 2_000_000_000),
        store.spentChallenges.spend('other', 2_000_000_000),
        store.spentChallenges.spend('same', 2_000_000_000),
        store.spentChallenges.spend('same', 2_000_000_000),
      ]);
      expect(results).toEqual([true, true, false, false]);
    });

    it('purges challenges expired at the given time, and only those', async () => {
      await store.spentChallenges.spend('old', 1000);
      await store.spentChallenges.spend('edge', 1001);
      await store.spentChallenges.spend('new', 1002);
      expect(await store.spentChallenges.purge(1001)).toBe(2);
      // Forgotten once purged; the unexpired one is still spent.
      expect(await store.spentChallenges.spend('old', 1000)).toBe(true);
      expect(await store.spentChallenges.spend('new', 1002)).toBe(false);
    });
  });

  describe('revocations', () => {
    const revocation = (appId: string, id: string, createdAt: number, fields: Partial<RevocationRecord> = {}): RevocationRecord => ({
      id,
      appId,
      jti: null,
      userId: null,
      issuedBefore: null,
      createdAt: at(createdAt),
      expiresAt: at(createdAt + 1000),
      ...fields,
    });
    const event = (id: string): AuditEventRecord => ({
      id,
      at: at(0),
      action: 'session.revoked',
      actor: { type: 'root' },
      tenantId: 't1',
      projectId: 'p1',
      appId: null,
      target: id,
      changes: null,
      ip: null,
      requestId: null,
    });

    it('reads back what was added, newest first per app, and every app’s live ones', async () => {
      const app = appRecord();
      const other = appRecord();
      await store.apps.create(app);
      await store.apps.create(other);
      const jti = revocation(app.id, 'rev_1', 0, { jti: 'j-1' });
      const user = revocation(app.id, 'rev_2', 10, { userId: 'u-1' });
      const before = revocation(app.id, 'rev_3', 10, { issuedBefore: at(5) });
      const elsewhere = revocation(other.id, 'rev_4', 20, { jti: 'j-2' });
      for (const r of [jti, user, before, elsewhere]) expect(await store.revocations.add(r, 10, event(`evt_${r.id}`))).toEqual({ ok: true, revocation: r });
      expect(await store.revocations.list(app.id)).toEqual([before, user, jti]);
      // jti's expires at 1000: not live then.
      const live = await store.revocations.listLive(at(1000));
      expect(live.map((r) => r.id).sort()).toEqual(['rev_2', 'rev_3', 'rev_4']);
      expect((await store.audit.list({ limit: 10 })).events.map((e) => e.id)).toHaveLength(4);
    });

    it('refuses past `max` live ones for the app, counting only live ones, and writes no event then', async () => {
      const app = appRecord();
      await store.apps.create(app);
      await store.revocations.add(revocation(app.id, 'rev_a', 0), 2, event('evt_a'));
      await store.revocations.add(revocation(app.id, 'rev_b', 500), 2, event('evt_b'));
      expect(await store.revocations.add(revocation(app.id, 'rev_c', 900), 2, event('evt_c'))).toEqual({ ok: false, reason: 'revocation_limit_reached' });
      // rev_a expired at 1000.
      expect((await store.revocations.add(revocation(app.id, 'rev_d', 1000), 2, event('evt_d'))).ok).toBe(true);
      expect(await store.revocations.add(revocation('app_missing0000', 'rev_e', 0), 2, event('evt_e'))).toEqual({ ok: false, reason: 'app_not_found' });
      expect((await store.audit.list({ limit: 10 })).events.map((e) => e.id).sort()).toEqual(['evt_a', 'evt_b', 'evt_d']);
    });

    it('purges those expired at the given time, and only those', async () => {
      const app = appRecord();
      await store.apps.create(app);
      await store.revocations.add(revocation(app.id, 'rev_a', 0), 10, event('evt_a'));
      await store.revocations.add(revocation(app.id, 'rev_b', 1), 10, event('evt_b'));
      expect(await store.revocations.purge(at(999))).toBe(0);
      expect(await store.revocations.purge(at(1000))).toBe(1);
      expect((await store.revocations.list(app.id)).map((r) => r.id)).toEqual(['rev_b']);
    });
  });

  describe('used jtis', () => {
    it('uses a jti once per app, also under simultaneous uses', async () => {
      const results = await Promise.all([
        store.usedJtis.use('app_a', 'j', 2_000_000_000),
        store.usedJtis.use('app_a', 'j', 2_000_000_000),
        store.usedJtis.use('app_b', 'j', 2_000_000_000),
        store.usedJtis.use('app_a', 'j', 2_000_000_000),
      ]);
      expect(results.filter(Boolean)).toHaveLength(2);
      expect(results[2]).toBe(true);
    });

    it('purges jtis whose token expired at the given time, and only those', async () => {
      await store.usedJtis.use('app_a', 'old', 1000);
      await store.usedJtis.use('app_a', 'edge', 1001);
      await store.usedJtis.use('app_a', 'new', 1002);
      expect(await store.usedJtis.purge(1001)).toBe(2);
      expect(await store.usedJtis.use('app_a', 'old', 1000)).toBe(true);
      expect(await store.usedJtis.use('app_a', 'new', 1002)).toBe(false);
    });
  });

  describe('settings', () => {
    it('stores a value only when the key is absent', async () => {
      expect(await store.settings.get('manage_key_hash')).toBeUndefined();
      expect(await store.settings.putIfAbsent('manage_key_hash', 'first')).toBe(true);
      expect(await store.settings.putIfAbsent('manage_key_hash', 'second')).toBe(false);
      expect(await store.settings.get('manage_key_hash')).toBe('first');
    });
  });

  describe('rate limits', () => {
    const minute = 60_000;

    it('counts hits in a window opened by the first hit, per bucket and key', async () => {
      expect(await store.rateLimits.hit('run', '192.0.2.1', T0, minute)).toEqual({ hits: 1, resetAtMs: T0 + minute });
      expect(await store.rateLimits.hit('run', '192.0.2.1', T0 + 10_000, minute)).toEqual({ hits: 2, resetAtMs: T0 + minute });
      expect(await store.rateLimits.hit('run', '192.0.2.2', T0 + 20_000, minute)).toEqual({ hits: 1, resetAtMs: T0 + 20_000 + minute });
      expect(await store.rateLimits.hit('manage', '192.0.2.1', T0 + 30_000, minute)).toEqual({ hits: 1, resetAtMs: T0 + 30_000 + minute });
    });

    it('opens a new window with the first hit after the old one ended', async () => {
      await store.rateLimits.hit('run', 'ip', T0, minute);
      await store.rateLimits.hit('run', 'ip', T0 + 1, minute);
      expect(await store.rateLimits.hit('run', 'ip', T0 + minute - 1, minute)).toEqual({ hits: 3, resetAtMs: T0 + minute });
      expect(await store.rateLimits.hit('run', 'ip', T0 + minute + 5, minute)).toEqual({ hits: 1, resetAtMs: T0 + 2 * minute + 5 });
    });

    it('peeks without counting', async () => {
      expect(await store.rateLimits.peek('run', 'ip', T0, minute)).toEqual({ hits: 0, resetAtMs: T0 + minute });
      await store.rateLimits.hit('run', 'ip', T0, minute);
      expect(await store.rateLimits.peek('run', 'ip', T0 + 5, minute)).toEqual({ hits: 1, resetAtMs: T0 + minute });
      expect(await store.rateLimits.peek('run', 'ip', T0 + 6, minute)).toEqual({ hits: 1, resetAtMs: T0 + minute });
      expect(await store.rateLimits.peek('run', 'ip', T0 + minute, minute)).toEqual({ hits: 0, resetAtMs: T0 + 2 * minute });
    });

    it('purges ended windows, and only those', async () => {
      await store.rateLimits.hit('run', 'ended', T0, minute);
      await store.rateLimits.hit('run', 'open', T0 + 1, minute);
      expect(await store.rateLimits.purge(T0 + minute, minute)).toBe(1);
      expect(await store.rateLimits.peek('run', 'open', T0 + minute, minute)).toEqual({ hits: 1, resetAtMs: T0 + 1 + minute });
      expect(await store.rateLimits.hit('run', 'ended', T0 + 10, minute)).toEqual({ hits: 1, resetAtMs: T0 + 10 + minute });
    });
  });

  describe('health', () => {
    it('answers ping and offers a change feed with an epoch', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
      expect(typeof store.changes.epoch).toBe('number');
      expect(() => store.changes.poll()).not.toThrow();
    });
  });
});
