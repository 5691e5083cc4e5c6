// §2.6 / §3.5: the signing-key lifecycle as an operator and a widget backend see
// it. A rotated-in key is published before it signs and takes over by time on
// every node; a revoked key is gone from JWKS and its tokens stop working at once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { describe, expect, it, onTestFinished } from 'vitest';
import { MAX_SESSION_LIFETIME_MS } from '../../src/signing/signing-key.js';
import { verifySessionToken } from '../../src/signing/session-token.js';
import { auth, createTestApp, makeHarness, type Harness } from '../support/harness.js';
import { anonymousToken, requestAnonymousSession, verifyWithJwks } from '../support/run-api.js';

const PREPUBLISH = 600;

type SigningKey = {
  kid: string;
  alg: string;
  status: string;
  createdAt: string;
  activatesAt: string | null;
  retiredAt: string | null;
  publishUntil: string | null;
};

const iso = (h: Harness, offsetSeconds = 0) => new Date(h.clock.now() + offsetSeconds * 1000).toISOString();

async function listKeys(h: Harness): Promise<SigningKey[]> {
  const res = await h.http.get('/manage/signing-keys').set(auth).expect(200);
  return res.body.data;
}
const byKid = async (h: Harness, kid: string) => (await listKeys(h)).find((key) => key.kid === kid)!;

async function rotate(h: Harness, body: Record<string, unknown> = {}): Promise<SigningKey> {
  const res = await h.http.post('/manage/signing-keys/rotate').set(auth).send(body);
  expect(res.status).toBe(201);
  return res.body.data;
}

async function revoke(h: Harness, kid: string): Promise<SigningKey> {
  const res = await h.http.post(`/manage/signing-keys/${kid}/revoke`).set(auth).send();
  expect(res.status).toBe(200);
  return res.body.data;
}

const jwksKids = async (h: Harness) =>
  ((await h.http.get('/.well-known/jwks.json')).body.keys as { kid: string }[]).map((k) => k.kid).sort();

const introspect = (h: Harness, appId: string, token: string) =>
  h.http.get(`/run/auth/apps/${appId}/session`).set('Authorization', `Bearer ${token}`);

const signingKeyEvents = async (h: Harness) =>
  ((await h.http.get('/manage/audit-events').set(auth).expect(200)).body.data as { action: string; target: string }[]).filter((e) =>
    e.action.startsWith('signing_key.'),
  );

const signedBy = (token: string) => decodeProtectedHeader(token).kid;

async function setUp(env: Record<string, string> = {}) {
  const h = await makeHarness(env);
  const app = await createTestApp(h);
  const first = (await listKeys(h))[0]!;
  return { h, app, first };
}

describe('rotation with pre-publication', () => {
  it('publishes the new key at once, signs with the old one until activatesAt, then switches by itself', async () => {
    const { h, app, first } = await setUp();
    const created = iso(h);
    const next = await rotate(h);
    expect(next).toEqual({
      kid: expect.stringMatching(/^lk_/),
      alg: 'EdDSA',
      status: 'pending',
      createdAt: created,
      activatesAt: iso(h, PREPUBLISH),
      retiredAt: null,
      publishUntil: null,
    });
    expect(await jwksKids(h)).toEqual([first.kid, next.kid].sort());
    expect(await byKid(h, first.kid)).toMatchObject({ status: 'current', retiredAt: null, publishUntil: null });

    h.clock.advance(PREPUBLISH - 1);
    const before = await anonymousToken(h, app.id);
    expect(signedBy(before.token)).toBe(first.kid);

    h.clock.advance(1);
    const after = await anonymousToken(h, app.id);
    expect(signedBy(after.token)).toBe(next.kid);
    await verifyWithJwks(h, after.token, app.id);
    await introspect(h, app.id, before.token).expect(200);

    const activatedAt = iso(h);
    expect(await listKeys(h)).toEqual([
      { ...first, status: 'retired', retiredAt: activatedAt, publishUntil: new Date(h.clock.now() + MAX_SESSION_LIFETIME_MS).toISOString() },
      { ...next, status: 'current' },
    ]);
  });

  it('keeps a retired key in JWKS until publishUntil, then drops it', async () => {
    const { h, first } = await setUp();
    const next = await rotate(h);
    h.clock.advance(PREPUBLISH);
    const { publishUntil } = await byKid(h, first.kid);
    h.clock.advance((Date.parse(publishUntil!) - h.clock.now()) / 1000 - 1);
    expect(await jwksKids(h)).toContain(first.kid);
    h.clock.advance(1);
    expect(await jwksKids(h)).toEqual([next.kid]);
  });

  it('rotating while a key is pending revokes the pending key, which never activates', async () => {
    const { h, app, first } = await setUp();
    const abandoned = await rotate(h);
    h.clock.advance(100);
    const replacement = await rotate(h);
    expect(replacement.activatesAt).toBe(iso(h, PREPUBLISH));
    expect(await byKid(h, abandoned.kid)).toEqual({ ...abandoned, status: 'revoked', activatesAt: null, retiredAt: iso(h) });
    expect(await jwksKids(h)).toEqual([first.kid, replacement.kid].sort());

    // The first key signs until the replacement's time, not the abandoned key's.
    h.clock.advance(PREPUBLISH - 1);
    expect(signedBy((await anonymousToken(h, app.id)).token)).toBe(first.kid);
    h.clock.advance(1);
    expect(signedBy((await anonymousToken(h, app.id)).token)).toBe(replacement.kid);
  });

  it('with immediate: true, the new key is current at once', async () => {
    const { h, app, first } = await setUp();
    const next = await rotate(h, { immediate: true });
    expect(next).toMatchObject({ status: 'current', activatesAt: iso(h) });
    expect(await byKid(h, first.kid)).toMatchObject({ status: 'retired', retiredAt: iso(h) });
    expect(signedBy((await anonymousToken(h, app.id)).token)).toBe(next.kid);
  });

  it('with SIGNING_KEY_PREPUBLISH_SECONDS=0, every rotation is immediate', async () => {
    const { h, app } = await setUp({ SIGNING_KEY_PREPUBLISH_SECONDS: '0' });
    const next = await rotate(h);
    expect(next.status).toBe('current');
    expect(signedBy((await anonymousToken(h, app.id)).token)).toBe(next.kid);
  });

  it('records signing_key.rotated with the new kid, by the root key', async () => {
    const { h } = await setUp();
    const next = await rotate(h);
    const events = await signingKeyEvents(h);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: 'signing_key.rotated', target: next.kid, actor: { type: 'root' }, tenantId: null, changes: null });
  });
});

describe('revocation', () => {
  it('of the current key: out of JWKS, its tokens refused by introspection and refresh, the pending key current at once', async () => {
    const { h, app, first } = await setUp();
    const session = await anonymousToken(h, app.id);
    const pending = await rotate(h);
    h.clock.advance(10);

    const revoked = await revoke(h, first.kid);
    expect(revoked).toEqual({ ...first, status: 'revoked', retiredAt: iso(h) });
    expect(await jwksKids(h)).toEqual([pending.kid]);
    expect(await byKid(h, pending.kid)).toMatchObject({ status: 'current', activatesAt: iso(h) });

    const refused = await introspect(h, app.id, session.token);
    expect(refused.status).toBe(401);
    expect(refused.body.error).toMatchObject({ code: 'invalid_token', reason: 'revoked' });
    const refreshed = await requestAnonymousSession(h, app.id, { bearer: session.token }).expect(200);
    expect(refreshed.body.userId).not.toBe(session.userId);
    expect(signedBy(refreshed.body.token)).toBe(pending.kid);
    await introspect(h, app.id, refreshed.body.token).expect(200);
  });

  it('reports a revoked key’s genuine tokens as revoked, so introspection can say why', async () => {
    const { h, app, first } = await setUp();
    const session = await anonymousToken(h, app.id);
    const expected = { issuer: h.config.issuer, appId: app.id, nowSeconds: h.clock.seconds };
    expect((await verifySessionToken(h.svc.keyring, session.token, expected)).ok).toBe(true);
    await revoke(h, first.kid);
    // The keyring reloads once the revocation is committed (the run API waits for it before serving).
    await h.svc.keyring.settled;
    expect(await verifySessionToken(h.svc.keyring, session.token, expected)).toEqual({ ok: false, reason: 'revoked' });
    // A forged signature under the revoked kid learns nothing more than "invalid".
    const forged = `${session.token.slice(0, session.token.lastIndexOf('.'))}.${'A'.repeat(86)}`;
    expect(await verifySessionToken(h.svc.keyring, forged, expected)).toEqual({ ok: false });
  });

  it('of the current key with none pending: a new key is current at once', async () => {
    const { h, app, first } = await setUp();
    await revoke(h, first.kid);
    const keys = await listKeys(h);
    expect(keys.map((key) => key.status)).toEqual(['revoked', 'current']);
    expect(keys[1]!.activatesAt).toBe(iso(h));
    expect(await jwksKids(h)).toEqual([keys[1]!.kid]);
    expect(signedBy((await anonymousToken(h, app.id)).token)).toBe(keys[1]!.kid);
  });

  it('of a pending key: the current key keeps signing past the time it would have retired', async () => {
    const { h, app, first } = await setUp();
    const pending = await rotate(h);
    const revoked = await revoke(h, pending.kid);
    expect(revoked).toMatchObject({ status: 'revoked', activatesAt: null, retiredAt: iso(h) });
    expect(await jwksKids(h)).toEqual([first.kid]);
    h.clock.advance(PREPUBLISH * 2);
    expect(signedBy((await anonymousToken(h, app.id)).token)).toBe(first.kid);
    expect(await byKid(h, first.kid)).toMatchObject({ status: 'current', retiredAt: null, publishUntil: null });
  });

  it('of a retired key: its remaining tokens stop working, the current key is untouched', async () => {
    const { h, app, first } = await setUp();
    const old = await anonymousToken(h, app.id);
    const next = await rotate(h, { immediate: true });
    await introspect(h, app.id, old.token).expect(200);
    const revoked = await revoke(h, first.kid);
    expect(revoked).toMatchObject({ status: 'revoked', retiredAt: iso(h), publishUntil: null });
    expect(await jwksKids(h)).toEqual([next.kid]);
    await introspect(h, app.id, old.token).expect(401);
    expect(signedBy((await anonymousToken(h, app.id)).token)).toBe(next.kid);
  });

  it('records one signing_key.revoked, even when it brings in a new key', async () => {
    const { h, first } = await setUp();
    await revoke(h, first.kid);
    expect((await signingKeyEvents(h)).map((e) => [e.action, e.target])).toEqual([['signing_key.revoked', first.kid]]);
  });

  it('of a revoked key answers it as it is and records nothing more', async () => {
    const { h, first } = await setUp();
    const revoked = await revoke(h, first.kid);
    h.clock.advance(5);
    expect(await revoke(h, first.kid)).toEqual(revoked);
    expect(await signingKeyEvents(h)).toHaveLength(1);
  });

  it('of an unknown kid: 404 signing_key_not_found; of a malformed one: 400', async () => {
    const { h } = await setUp();
    const missing = await h.http.post('/manage/signing-keys/lk_nope/revoke').set(auth).send();
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('signing_key_not_found');
    const malformed = await h.http.post(`/manage/signing-keys/${'x'.repeat(65)}/revoke`).set(auth).send();
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('validation_failed');
  });
});

describe('the management routes', () => {
  it('refuse a rotation body that is not exactly {"immediate"?: boolean}', async () => {
    const { h } = await setUp();
    for (const body of [{ immediate: 'true' }, { immediate: 1 }, { now: true }]) {
      const res = await h.http.post('/manage/signing-keys/rotate').set(auth).send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect(await listKeys(h)).toHaveLength(1);
  });

  it('accept a rotation without a body', async () => {
    const { h } = await setUp();
    const res = await h.http.post('/manage/signing-keys/rotate').set(auth);
    expect(res.status).toBe(201);
    expect(res.body.data.status).toBe('pending');
  });

  it('are for the root key only', async () => {
    const { h, first } = await setUp();
    const created = await h.http.post('/manage/api-keys').set(auth).send({ name: 'ops', tenantId: 't1' }).expect(201);
    const scoped = { Authorization: `Bearer ${created.body.secret}` };
    await h.http.get('/manage/signing-keys').set(scoped).expect(403);
    await h.http.post('/manage/signing-keys/rotate').set(scoped).send({}).expect(403);
    await h.http.post(`/manage/signing-keys/${first.kid}/revoke`).set(scoped).send().expect(403);
    await h.http.get('/manage/signing-keys').expect(401);
    expect(await listKeys(h)).toHaveLength(1);
  });
});

describe('several nodes on one database', () => {
  it('switch to a pending key at its time with no further message, and refuse a revoked key’s tokens within 1 s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-lifecycle-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'latchkey.db');
    const a = await makeHarness({}, { databaseUrl: file });
    const b = await makeHarness({}, { databaseUrl: file, clock: a.clock });
    const app = await createTestApp(a);
    const first = (await listKeys(a))[0]!;
    const old = await anonymousToken(b, app.id);

    const next = await rotate(a);
    await expect.poll(() => jwksKids(b), { timeout: 1000 }).toEqual([first.kid, next.kid].sort());
    a.clock.advance(PREPUBLISH);
    expect(signedBy((await anonymousToken(b, app.id)).token)).toBe(next.kid);
    expect(signedBy((await anonymousToken(a, app.id)).token)).toBe(next.kid);

    await introspect(b, app.id, old.token).expect(200);
    await revoke(a, first.kid);
    await expect.poll(async () => (await introspect(b, app.id, old.token)).status, { timeout: 1000 }).toBe(401);
  });
});
