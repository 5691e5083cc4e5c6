// §3.5 / §4.3: rotating the service's signing key never logs anyone out. The old
// public key stays in JWKS until the last token it signed has expired, and a
// running service picks up a rotation done by another process on the same file.
// (Immediate rotations here; pre-publication is in lifecycle.test.ts.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { MAX_SESSION_LIFETIME_MS } from '../../src/signing/signing-key.js';
import { rotate } from '../support/signing-keys.js';
import { createTestApp, makeHarness, TEST_STORE, type Harness } from '../support/harness.js';
import { anonymousToken, requestAnonymousSession, verifyWithJwks } from '../support/run-api.js';

const jwksKids = async (h: Harness) =>
  ((await h.http.get('/.well-known/jwks.json')).body.keys as { kid: string }[]).map((k) => k.kid);

const introspect = (h: Harness, appId: string, token: string) =>
  h.http.get(`/run/auth/apps/${appId}/session`).set('Authorization', `Bearer ${token}`);

describe('rotation in this process', () => {
  async function rotated() {
    const h = await makeHarness();
    const app = await createTestApp(h);
    const oldKid = h.svc.keyring.current.kid;
    const before = await anonymousToken(h, app.id);
    h.clock.advance(60);
    const { kid: newKid } = await rotate(h.svc, { immediate: true });
    return { h, app, oldKid, newKid, before };
  }

  it('signs new sessions with the new key, and the JWKS verifies them', async () => {
    const { h, app, newKid } = await rotated();
    const after = await anonymousToken(h, app.id);
    expect(decodeProtectedHeader(after.token).kid).toBe(newKid);
    const { payload } = await verifyWithJwks(h, after.token, app.id);
    expect(payload.sub).toBe(after.userId);
  });

  it('publishes both keys', async () => {
    const { h, oldKid, newKid } = await rotated();
    expect((await jwksKids(h)).sort()).toEqual([oldKid, newKid].sort());
  });

  it('keeps verifying, refreshing and introspecting a token issued before the rotation', async () => {
    const { h, app, oldKid, newKid, before } = await rotated();
    expect(decodeProtectedHeader(before.token).kid).toBe(oldKid);

    const { payload } = await verifyWithJwks(h, before.token, app.id);
    expect(payload.sub).toBe(before.userId);

    const introspected = await introspect(h, app.id, before.token);
    expect(introspected.status).toBe(200);
    expect(introspected.body.userId).toBe(before.userId);

    const refreshed = await requestAnonymousSession(h, app.id, { bearer: before.token });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.userId).toBe(before.userId);
    expect(decodeProtectedHeader(refreshed.body.token).kid).toBe(newKid);
  });

  it('retires the old key from JWKS once every token it could have signed has expired', async () => {
    const { h, oldKid, newKid } = await rotated();
    h.clock.advance(MAX_SESSION_LIFETIME_MS / 1000 - 1);
    expect(await jwksKids(h)).toContain(oldKid);
    h.clock.advance(1);
    expect(await jwksKids(h)).toEqual([newKid]);
  });

  it('keeps the old key published at least as long as the longest anonymous session', async () => {
    const { h, app, before } = await rotated();
    // `before` was issued 60 s before rotation with the maximum TTL of 30 days.
    h.clock.advance(2_592_000 - 61);
    await verifyWithJwks(h, before.token, app.id);
    await introspect(h, app.id, before.token).expect(200);
  });
});

describe('rotation by another process on the same database file', () => {
  let dir: string | undefined;
  const opened: Store[] = [];
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('is picked up by the running service on its next request', async () => {
    dir = mkdtempSync(join(tmpdir(), 'latchkey-rotation-'));
    const file = join(dir, 'latchkey.db');
    const h = await makeHarness({}, { databaseUrl: file });
    opened.push(h.store);
    const app = await createTestApp(h);
    const oldKid = h.svc.keyring.current.kid;
    const before = await anonymousToken(h, app.id);

    // What `latchkey rotate-key --immediate` does: its own connection, its own commit.
    const operator = await openStore(h.databaseUrl);
    opened.push(operator);
    const { kid: newKid } = await rotate(h.svc, { immediate: true }, operator);
    expect(newKid).not.toBe(oldKid);
    // SQLite sees another process's commit on the next request; a PostgreSQL
    // node hears of it by notification, within 1 s (§5).
    if (TEST_STORE === 'postgres') await vi.waitFor(() => expect(h.svc.keyring.current.kid).toBe(newKid), { timeout: 1000 });

    const after = await anonymousToken(h, app.id);
    expect(decodeProtectedHeader(after.token).kid).toBe(newKid);
    expect((await jwksKids(h)).sort()).toEqual([oldKid, newKid].sort());
    await verifyWithJwks(h, after.token, app.id);
    await verifyWithJwks(h, before.token, app.id);
    await introspect(h, app.id, before.token).expect(200);
  });

  it('shows up in JWKS even before any session request', async () => {
    dir = mkdtempSync(join(tmpdir(), 'latchkey-rotation-'));
    const file = join(dir, 'latchkey.db');
    const h = await makeHarness({}, { databaseUrl: file });
    opened.push(h.store);
    const oldKid = h.svc.keyring.current.kid;
    const operator = await openStore(h.databaseUrl);
    opened.push(operator);
    const { kid: newKid } = await rotate(h.svc, { immediate: true }, operator);
    // SQLite sees another process's commit on the next request; a PostgreSQL
    // node hears of it by notification, within 1 s (§5).
    if (TEST_STORE === 'postgres') await vi.waitFor(() => expect(h.svc.keyring.current.kid).toBe(newKid), { timeout: 1000 });
    expect((await jwksKids(h)).sort()).toEqual([oldKid, newKid].sort());
  });
});
