// §2.5 / §4.4 Revoking sessions, from the outside: an admin revokes a token,
// a user or everything before a time, and the widget's backend (introspection)
// and the widget itself (refresh) see it on the next request — on the node
// that took the revocation at once, on another node within a second.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startRevocationPurge } from '../../src/revocations/purge-expired.js';
import { MAX_LIVE_REVOCATIONS } from '../../src/revocations/revocations.js';
import { addTestKey, appUrl, auth, countRows, createTestApp, makeHarness, TEST_STORE, TestClock, type Harness } from '../support/harness.js';
import { claimsAt, forge, requestSession } from '../support/customer-jwt.js';
import { ecKey } from '../support/keys.js';
import { anonymousToken, requestAnonymousSession } from '../support/run-api.js';

type App = Awaited<ReturnType<typeof createTestApp>>;

const dir = mkdtempSync(join(tmpdir(), 'latchkey-revocations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** Two nodes (harnesses) sharing one database and one clock; node `a` takes the revocations. */
async function twoNodes() {
  const clock = new TestClock();
  const databaseUrl = join(dir, `db-${files++}.db`);
  const a = await makeHarness({}, { databaseUrl, clock });
  const b = await makeHarness({}, { databaseUrl, clock });
  const app = await createTestApp(a);
  return { a, b, app, clock };
}

function introspect(h: Harness, appId: string, token: string) {
  return h.http.get(`/run/auth/apps/${appId}/session`).set('Authorization', `Bearer ${token}`);
}

function revoke(h: Harness, app: App, body: unknown) {
  return h.http.post(appUrl(app, '/revocations')).set(auth).send(body as object);
}

const withinOneSecond = { timeout: 1_000, interval: 10 };

/** The token is refused as revoked by introspection on `h`, and its refresh gets a new identity. */
async function expectRevokedOn(h: Harness, app: App, session: { token: string; userId: string }) {
  const res = await introspect(h, app.id, session.token);
  expect(res.status).toBe(401);
  expect(res.body.error).toMatchObject({ code: 'invalid_token', reason: 'revoked' });
  const refreshed = await requestAnonymousSession(h, app.id, { bearer: session.token });
  expect(refreshed.status).toBe(200);
  expect(refreshed.body.userId).not.toBe(session.userId);
}

async function expectLiveOn(h: Harness, app: App, session: { token: string; userId: string }) {
  const res = await introspect(h, app.id, session.token);
  expect(res.status).toBe(200);
  expect(res.body.userId).toBe(session.userId);
}

const customerKey = ecKey('P-256');

/** An app with a customer key, and authenticated sessions for `sub` issued at the clock's current second. */
async function signIn(h: Harness, app: App, sub: string) {
  const token = forge({ header: { alg: 'ES256', kid: 'k1' }, payload: claimsAt(h.clock.seconds, { sub }), key: customerKey.privateKey });
  const res = await requestSession(h, app.id, { token });
  expect(res.status).toBe(200);
  expect(res.body.authMethod).toBe('authenticated');
  return res.body as { token: string; userId: string };
}

describe('revoking one session by its jti', () => {
  it('is refused by introspection and refresh on the same node at once, on another node within a second', async () => {
    const { a, b, app } = await twoNodes();
    const target = await anonymousToken(a, app.id);
    const bystander = await anonymousToken(a, app.id);
    // Both nodes hold the revocations warm before the write.
    await expectLiveOn(a, app, target);
    await expectLiveOn(b, app, target);

    const sessionId = (await introspect(a, app.id, target.token)).body.sessionId as string;
    const res = await revoke(a, app, { jti: sessionId });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ data: { id: expect.stringMatching(/^rev_/), jti: sessionId, createdAt: new Date(a.clock.now()).toISOString() } });

    await expectRevokedOn(a, app, target);
    await vi.waitFor(async () => expect((await introspect(b, app.id, target.token)).body.error?.reason).toBe('revoked'), withinOneSecond);
    await expectRevokedOn(b, app, target);
    await expectLiveOn(a, app, bystander);
    await expectLiveOn(b, app, bystander);
  });

  it('a refresh issues a new jti: revoking the old one leaves the refreshed session alive', async () => {
    const { a, app } = await twoNodes();
    const first = await anonymousToken(a, app.id);
    const second = await anonymousToken(a, app.id, first.token);
    expect(second.userId).toBe(first.userId);
    const jti = (await introspect(a, app.id, first.token)).body.sessionId;
    await revoke(a, app, { jti }).expect(201);
    await expectRevokedOn(a, app, first);
    await expectLiveOn(a, app, second);
  });
});

describe('revoking a user', () => {
  it('ends every anonymous session of that identity, refreshes included, on both nodes', async () => {
    const { a, b, app, clock } = await twoNodes();
    const first = await anonymousToken(a, app.id);
    clock.advance(5);
    const refreshed = await anonymousToken(a, app.id, first.token);
    await expectLiveOn(b, app, refreshed);

    const res = await revoke(a, app, { userId: first.userId });
    expect(res.status).toBe(201);
    expect(res.body.data).toEqual({ id: expect.any(String), userId: first.userId, createdAt: expect.any(String) });
    await expectRevokedOn(a, app, first);
    await expectRevokedOn(a, app, refreshed);
    await vi.waitFor(async () => expect((await introspect(b, app.id, refreshed.token)).status).toBe(401), withinOneSecond);
    await expectRevokedOn(b, app, refreshed);
  });

  it('revokes a session issued in the same second as the revocation, not one issued the second after', async () => {
    const { a, b, app, clock } = await twoNodes();
    await addTestKey(a, app, { kid: 'k1', algorithm: 'ES256', publicKey: customerKey.publicPem });
    // 12:00:00.000 → the token; 12:00:00.900 → the revocation, same second.
    const sameSecond = await signIn(a, app, 'user-42');
    clock.advance(0.9);
    await revoke(a, app, { userId: 'user-42' }).expect(201);
    clock.advance(0.1);
    const nextSecond = await signIn(a, app, 'user-42');
    for (const node of [a, b]) {
      await vi.waitFor(async () => expect((await introspect(node, app.id, sameSecond.token)).body.error?.reason).toBe('revoked'), withinOneSecond);
      await expectLiveOn(node, app, nextSecond);
    }
  });

  it("leaves other users' sessions alone", async () => {
    const { a, app } = await twoNodes();
    const target = await anonymousToken(a, app.id);
    const other = await anonymousToken(a, app.id);
    await revoke(a, app, { userId: target.userId }).expect(201);
    await expectRevokedOn(a, app, target);
    await expectLiveOn(a, app, other);
  });
});

describe('revoking everything issued before a time', () => {
  it('revokes tokens whose iat is before it, on both nodes, and not those issued at or after it', async () => {
    const { a, b, app, clock } = await twoNodes();
    const early = await anonymousToken(a, app.id); // iat 12:00:00
    clock.advance(10);
    const atTheTime = await anonymousToken(a, app.id); // iat 12:00:10
    clock.advance(10);
    const res = await revoke(a, app, { issuedBefore: '2026-11-21T12:00:10Z' });
    expect(res.status).toBe(201);
    expect(res.body.data).toEqual({ id: expect.any(String), issuedBefore: '2026-11-21T12:00:10.000Z', createdAt: '2026-11-21T12:00:20.000Z' });
    await expectRevokedOn(a, app, early);
    await expectLiveOn(a, app, atTheTime);
    await vi.waitFor(async () => expect((await introspect(b, app.id, early.token)).status).toBe(401), withinOneSecond);
    await expectRevokedOn(b, app, early);
    await expectLiveOn(b, app, atTheTime);
  });

  it('a millisecond after a token’s second revokes it; an offset time means the same instant', async () => {
    const { a, app, clock } = await twoNodes();
    clock.advance(10);
    const session = await anonymousToken(a, app.id); // iat 12:00:10
    await revoke(a, app, { issuedBefore: '2026-11-21T14:00:10+02:00' }).expect(201);
    await expectLiveOn(a, app, session);
    await revoke(a, app, { issuedBefore: '2026-11-21T14:00:10.001+02:00' }).expect(201);
    await expectRevokedOn(a, app, session);
  });

  it('revokes sessions issued until 60 seconds ahead, refuses a later time', async () => {
    const { a, app, clock } = await twoNodes();
    await revoke(a, app, { issuedBefore: '2026-11-21T12:01:00Z' }).expect(201);
    clock.advance(59);
    const inside = await anonymousToken(a, app.id);
    await expectRevokedOn(a, app, inside);
    const res = await revoke(a, app, { issuedBefore: new Date(clock.now() + 61_000).toISOString() });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: 'issuedBefore' }] });
  });
});

describe('the revocation list', () => {
  it('lists the app’s revocations newest first, and only that app’s', async () => {
    const { a, app, clock } = await twoNodes();
    const other = await createTestApp(a, { name: 'Other' });
    const first = (await revoke(a, app, { jti: 'j-1' }).expect(201)).body.data;
    clock.advance(1);
    const second = (await revoke(a, app, { userId: 'user-1' }).expect(201)).body.data;
    const third = (await revoke(a, app, { issuedBefore: '2026-01-01T00:00:00Z' }).expect(201)).body.data;
    await revoke(a, other, { jti: 'j-2' }).expect(201);
    const res = await a.http.get(appUrl(app, '/revocations')).set(auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: [third, second, first] });
  });

  it('404 app_not_found for a missing app or one under another project', async () => {
    const { a, app } = await twoNodes();
    const elsewhere = { ...app, projectId: 'p2' };
    for (const path of [appUrl({ ...app, id: 'app_missing0000' }, '/revocations'), appUrl(elsewhere, '/revocations')]) {
      expect((await a.http.post(path).set(auth).send({ jti: 'x' })).body.error.code).toBe('app_not_found');
      expect((await a.http.get(path).set(auth)).status).toBe(404);
    }
  });
});

describe('validation', () => {
  it.each([
    [{}],
    [{ jti: 'a', userId: 'b' }],
    [{ jti: 'a', issuedBefore: '2026-11-21T12:00:00Z' }],
    [{ jti: '' }],
    [{ userId: 'u'.repeat(256) }],
    [{ jti: 7 }],
    [{ jti: null }],
    [{ jti: 'a', extra: true }],
    [{ issuedBefore: 'yesterday' }],
    [{ issuedBefore: '2026-11-21T12:00:00' }],
    [{ issuedBefore: '2026-11-21' }],
    [{ issuedBefore: 1767225600 }],
    [[]],
  ])('400 validation_failed for %j, and nothing is stored', async (body) => {
    const { a, app } = await twoNodes();
    const res = await revoke(a, app, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(await countRows(a, 'revocations')).toBe(0);
    expect((await a.http.get(`/manage/tenants/t1/audit-events?action=session.revoked`).set(auth)).body.data).toEqual([]);
  });
});

describe('audit', () => {
  it('records session.revoked with the revocation as target and what it names as changes', async () => {
    const { a, app } = await twoNodes();
    const ids = [];
    for (const body of [{ jti: 'j-1' }, { userId: 'user-1' }, { issuedBefore: '2026-11-21T13:00:00+01:00' }]) {
      ids.push((await revoke(a, app, body).set('X-Request-Id', 'req-revoke').expect(201)).body.data.id);
    }
    const events = (await a.http.get(`/manage/tenants/t1/audit-events?action=session.revoked`).set(auth).expect(200)).body.data;
    expect(events).toEqual(
      [
        { target: ids[2], changes: { issuedBefore: '2026-11-21T12:00:00.000Z' } },
        { target: ids[1], changes: { userId: 'user-1' } },
        { target: ids[0], changes: { jti: 'j-1' } },
      ].map((e) =>
        expect.objectContaining({
          ...e,
          action: 'session.revoked',
          actor: { type: 'root' },
          tenantId: 't1',
          projectId: 'p1',
          appId: app.id,
          requestId: 'req-revoke',
        }),
      ),
    );
  });
});

/** Stores `n` live revocations for the app directly, as if made over time. */
async function fill(h: Harness, appId: string, n: number, expiresAtMs: number) {
  if (TEST_STORE === 'postgres') {
    await h.query(
      `INSERT INTO revocations (id, app_id, jti, created_at, expires_at)
       SELECT 'rev_fill_' || i, ?, 'jti-' || i, to_timestamp(?::double precision / 1000), to_timestamp(?::double precision / 1000) FROM generate_series(1, ?) AS i`,
      [appId, h.clock.now(), expiresAtMs, n],
    );
  } else {
    await h.query(
      `WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < ?)
       INSERT INTO revocations (id, app_id, jti, created_at, expires_at) SELECT 'rev_fill_' || n, ?, 'jti-' || n, ?, ? FROM i`,
      [n, appId, h.clock.now(), expiresAtMs],
    );
  }
}

describe(`at most ${MAX_LIVE_REVOCATIONS} live revocations per app`, () => {
  it('the 10 001st is refused with 409 revocation_limit_reached; another app is unaffected; expired ones do not count', async () => {
    const { a, app } = await twoNodes();
    const other = await createTestApp(a, { name: 'Other' });
    await fill(a, app.id, MAX_LIVE_REVOCATIONS - 1, a.clock.now() + 86_400_000);
    await revoke(a, app, { jti: 'last' }).expect(201);
    const res = await revoke(a, app, { userId: 'one-too-many' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('revocation_limit_reached');
    await revoke(a, other, { jti: 'fine' }).expect(201);
    expect((await a.http.get(`/manage/tenants/t1/audit-events?action=session.revoked`).set(auth)).body.data).toHaveLength(2);

    // Once some have expired (their tokens too), there is room again.
    await a.query(`UPDATE revocations SET expires_at = created_at WHERE id = 'rev_fill_1'`);
    await revoke(a, app, { userId: 'now-fits' }).expect(201);
  });

  it('holds under concurrent revocations through two nodes', async () => {
    const { a, b, app } = await twoNodes();
    await fill(a, app.id, MAX_LIVE_REVOCATIONS - 2, a.clock.now() + 86_400_000);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => revoke(i % 2 ? a : b, app, { jti: `race-${i}` })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 201, 409, 409, 409, 409, 409, 409]);
    expect(await countRows(a, 'revocations')).toBe(MAX_LIVE_REVOCATIONS);
  });
});

describe('keeping revocations', () => {
  it('are read once per node, not per request', async () => {
    const { a, app } = await twoNodes();
    const session = await anonymousToken(a, app.id);
    await revoke(a, app, { userId: 'someone-else' }).expect(201);
    const reads = vi.spyOn(a.store.revocations, 'listLive');
    // Warm, and past the notifications of this node's own writes (PostgreSQL
    // delivers them a few ms after the commit, and each drops the cache once).
    await vi.waitFor(async () => {
      reads.mockClear();
      await expectLiveOn(a, app, session);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await expectLiveOn(a, app, session);
      expect(reads).toHaveBeenCalledTimes(0);
    });
    for (let i = 0; i < 5; i++) await expectLiveOn(a, app, session);
    await anonymousToken(a, app.id, session.token);
    expect(reads).not.toHaveBeenCalled();
  });

  it('are purged once every token they could match has expired (30 days and a minute), not before', async () => {
    const { a, app, clock } = await twoNodes();
    await revoke(a, app, { userId: 'user-1' }).expect(201);
    clock.advance(30 * 86_400 + 59);
    expect(await a.store.revocations.purge(new Date(clock.now()))).toBe(0);
    expect(await countRows(a, 'revocations')).toBe(1);
    clock.advance(1);
    // What every node runs at start and hourly.
    startRevocationPurge(a.svc)();
    await vi.waitFor(async () => expect(await countRows(a, 'revocations')).toBe(0));
    expect((await a.http.get(appUrl(app, '/revocations')).set(auth)).body.data).toEqual([]);
  });
});
