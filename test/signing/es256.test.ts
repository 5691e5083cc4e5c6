// §4.3 SESSION_TOKEN_ALG=ES256: P-256 session tokens for widget backends whose
// JWT library has no EdDSA (jsonwebtoken among them), and tokens of the other
// algorithm keep verifying after the setting changes.
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { describe, expect, it, onTestFinished } from 'vitest';
import { auth, createTestApp, makeHarness, type Harness } from '../support/harness.js';
import { anonymousToken, requestAnonymousSession, verifyWithJwks } from '../support/run-api.js';

type Jwk = { kty: string; crv: string; x: string; y?: string; kid: string; alg: string; use: string };

const jwks = async (h: Harness) => (await h.http.get('/.well-known/jwks.json').expect(200)).body.keys as Jwk[];

/** What a jsonwebtoken user does with a JWKS entry: a PEM public key, and an explicit algorithm list. */
function verifyWithJsonwebtoken(h: Harness, token: string, jwk: Jwk, appId: string) {
  const pem = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  return jsonwebtoken.verify(token, pem, {
    algorithms: ['ES256'],
    issuer: h.config.issuer,
    audience: appId,
    clockTimestamp: h.clock.seconds,
  }) as jsonwebtoken.JwtPayload;
}

const introspect = (h: Harness, appId: string, token: string) =>
  h.http.get(`/run/auth/apps/${appId}/session`).set('Authorization', `Bearer ${token}`);

describe('SESSION_TOKEN_ALG=ES256', () => {
  it('publishes a P-256 key and signs JOSE-form ES256 tokens that jose and jsonwebtoken both verify', async () => {
    const h = await makeHarness({ SESSION_TOKEN_ALG: 'ES256' });
    const app = await createTestApp(h);
    const [jwk, ...others] = await jwks(h);
    expect(others).toEqual([]);
    expect(jwk).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      y: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      kid: h.svc.keyring.current.kid,
      alg: 'ES256',
      use: 'sig',
    });

    const { token, userId } = await anonymousToken(h, app.id);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: jwk!.kid, typ: 'session+jwt' });
    // r || s, 32 bytes each (RFC 7518 §3.4), not DER.
    expect(Buffer.from(token.split('.')[2]!, 'base64url')).toHaveLength(64);

    expect((await verifyWithJwks(h, token, app.id)).payload.sub).toBe(userId);
    expect(verifyWithJsonwebtoken(h, token, jwk!, app.id).sub).toBe(userId);
    expect((await introspect(h, app.id, token).expect(200)).body.userId).toBe(userId);
    const refreshed = await requestAnonymousSession(h, app.id, { bearer: token }).expect(200);
    expect(refreshed.body.userId).toBe(userId);
  });

  it('refuses a tampered ES256 token, and one re-signed in DER form', async () => {
    const h = await makeHarness({ SESSION_TOKEN_ALG: 'ES256' });
    const app = await createTestApp(h);
    const { token } = await anonymousToken(h, app.id);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'anon_someone-else' })).toString('base64url')}.${signature}`;
    await introspect(h, app.id, tampered).expect(401);
    // The same signature DER-encoded: valid ECDSA, but not the JWS form.
    const raw = Buffer.from(signature, 'base64url');
    const int = (b: Buffer) => (b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
    const [r, s] = [int(raw.subarray(0, 32)), int(raw.subarray(32))];
    const der = Buffer.concat([Buffer.from([0x30, r.length + s.length + 4, 0x02, r.length]), r, Buffer.from([0x02, s.length]), s]);
    await introspect(h, app.id, `${header}.${payload}.${der.toString('base64url')}`).expect(401);
  });
});

describe('changing SESSION_TOKEN_ALG', () => {
  it.each([
    ['EdDSA', 'ES256'],
    ['ES256', 'EdDSA'],
  ])('from %s to %s: the next rotation brings a %s key, and tokens of the old key keep verifying', async (from, to) => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-alg-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'latchkey.db');
    const before = await makeHarness({ SESSION_TOKEN_ALG: from }, { databaseUrl: file });
    const app = await createTestApp(before);
    const old = await anonymousToken(before, app.id);
    await before.close();

    const h = await makeHarness({ SESSION_TOKEN_ALG: to }, { databaseUrl: file, clock: before.clock });
    // The stored key is kept at start: changing the setting alone logs no one out.
    expect(decodeProtectedHeader((await anonymousToken(h, app.id)).token).alg).toBe(from);
    const rotated = await h.http.post('/manage/signing-keys/rotate').set(auth).send({ immediate: true }).expect(201);
    expect(rotated.body.data.alg).toBe(to);

    const fresh = await anonymousToken(h, app.id);
    expect(decodeProtectedHeader(fresh.token).alg).toBe(to);
    expect((await jwks(h)).map((key) => key.alg).sort()).toEqual([from, to].sort());
    for (const token of [old.token, fresh.token]) await verifyWithJwks(h, token, app.id);
    expect((await introspect(h, app.id, old.token).expect(200)).body.userId).toBe(old.userId);
    const refreshed = await requestAnonymousSession(h, app.id, { bearer: old.token }).expect(200);
    expect(refreshed.body.userId).toBe(old.userId);
    expect(decodeProtectedHeader(refreshed.body.token).alg).toBe(to);
  });
});
