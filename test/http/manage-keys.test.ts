// Contract §2.2: customer public keys of an app, driven over HTTP.
import { calculateJwkThumbprint, type JWK } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { addTestKey, appUrl, auth, createTestApp, makeHarness, type Harness } from '../support/harness.js';
import { base64Lines, ecKey, edKey, rsaKey } from '../support/keys.js';

let h: Harness;
let app: Awaited<ReturnType<typeof createTestApp>>;
const keysUrl = () => appUrl(app, '/auth-keys');

beforeEach(async () => {
  h = await makeHarness();
  app = await createTestApp(h);
});

const es256 = (kid: string) => ({ kid, algorithm: 'ES256', publicKey: ecKey('P-256').publicPem });

async function fillKeys(count: number) {
  for (let i = 0; i < count; i++) {
    await addTestKey(h, app, es256(`k${i}`));
    h.clock.advance(1);
  }
}

async function listKids(): Promise<string[]> {
  const res = await h.http.get(keysUrl()).set(auth).expect(200);
  return res.body.data.map((k: { kid: string }) => k.kid);
}

describe('uploading a key', () => {
  it('answers 201 with the kid, algorithm, canonical PEM, RFC 7638 thumbprint and creation time', async () => {
    const key = rsaKey(2048);
    // Pasted from a Windows editor, with stray blank lines around it.
    const pasted = `\r\n${key.publicPem.replace(/\n/g, '\r\n')}\r\n`;
    const res = await h.http
      .post(keysUrl())
      .set(auth)
      .send({ kid: 'backend-2026.01:rsa_A-1', algorithm: 'RS256', publicKey: pasted })
      .expect(201);
    expect(res.body).toEqual({
      data: {
        kid: 'backend-2026.01:rsa_A-1',
        algorithm: 'RS256',
        publicKey: key.publicPem,
        thumbprint: await calculateJwkThumbprint(key.publicKey.export({ format: 'jwk' }) as JWK),
        createdAt: new Date(h.clock.now()).toISOString(),
      },
    });
  });

  it('lists keys oldest first, as uploaded', async () => {
    await addTestKey(h, app, { kid: 'ed', algorithm: 'EdDSA', publicKey: edKey().publicPem });
    h.clock.advance(1);
    await addTestKey(h, app, { kid: 'ec', algorithm: 'ES384', publicKey: ecKey('P-384').publicPem });
    // Same millisecond: still in upload order.
    await addTestKey(h, app, { kid: 'a-first-in-the-alphabet', algorithm: 'RS256', publicKey: rsaKey(2048).publicPem });
    const res = await h.http.get(keysUrl()).set(auth).expect(200);
    expect(res.body.data.map((k: { kid: string; algorithm: string }) => [k.kid, k.algorithm])).toEqual([
      ['ed', 'EdDSA'],
      ['ec', 'ES384'],
      ['a-first-in-the-alphabet', 'RS256'],
    ]);
  });

  it('answers an empty list for an app without keys', async () => {
    expect((await h.http.get(keysUrl()).set(auth).expect(200)).body).toEqual({ data: [] });
  });

  it('refuses a sixth key with 409 key_limit_reached', async () => {
    await fillKeys(5);
    const res = await h.http.post(keysUrl()).set(auth).send(es256('k5'));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('key_limit_reached');
    expect(await listKids()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
  });

  it('makes room again once a key is deleted', async () => {
    await fillKeys(5);
    await h.http.delete(`${keysUrl()}/k0`).set(auth).expect(204);
    await h.http.post(keysUrl()).set(auth).send(es256('k5')).expect(201);
  });

  it('lets exactly one of two concurrent uploads take the fifth slot', async () => {
    await fillKeys(4);
    const [a, b] = await Promise.all([
      h.http.post(keysUrl()).set(auth).send(es256('race-a')),
      h.http.post(keysUrl()).set(auth).send({ kid: 'race-b', algorithm: 'EdDSA', publicKey: edKey().publicPem }),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    expect([a, b].find((res) => res.status === 409)!.body.error.code).toBe('key_limit_reached');
    expect(await listKids()).toHaveLength(5);
  });

  it('refuses a kid the app already has with 409 kid_conflict, keeping the first key', async () => {
    const first = await addTestKey(h, app, es256('same'));
    const res = await h.http
      .post(keysUrl())
      .set(auth)
      .send({ kid: 'same', algorithm: 'EdDSA', publicKey: edKey().publicPem });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('kid_conflict');
    expect((await h.http.get(keysUrl()).set(auth)).body.data).toEqual([first]);
  });

  it('accepts the same kid on another app', async () => {
    const other = await createTestApp(h);
    await addTestKey(h, app, es256('shared'));
    await h.http.post(appUrl(other, '/auth-keys')).set(auth).send(es256('shared')).expect(201);
  });

  it.each([
    ['a PKCS#8 private key', 'ES256', () => ecKey('P-256').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string],
    ['a PKCS#1 private key', 'RS256', () => rsaKey(2048).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string],
    ['a private JWK', 'EdDSA', () => JSON.stringify(edKey().privateKey.export({ format: 'jwk' }))],
    ['an EC key for RS256', 'RS256', () => ecKey('P-256').publicPem],
    ['an RSA 1024 key', 'RS256', () => rsaKey(1024).publicPem],
  ])('refuses %s with 400 invalid_public_key, without echoing it', async (_name, algorithm, material) => {
    const publicKey = material();
    const res = await h.http.post(keysUrl()).set(auth).send({ kid: 'k1', algorithm, publicKey });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_public_key');
    expect(res.body.error.message.length).toBeGreaterThan('The public key was refused: '.length);
    for (const line of base64Lines(publicKey)) expect(res.text).not.toContain(line);
    if (publicKey.startsWith('{')) {
      for (const value of Object.values(JSON.parse(publicKey) as Record<string, string>)) {
        if (value.length > 8) expect(res.text).not.toContain(value);
      }
    }
    expect(await listKids()).toEqual([]);
  });

  it.each(['PS256', 'HS256', 'none', 'es256', ''])('refuses algorithm %j with 400 validation_failed', async (algorithm) => {
    const res = await h.http.post(keysUrl()).set(auth).send({ ...es256('k1'), algorithm });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain('algorithm');
  });

  it.each(['has space', 'slash/kid', 'x'.repeat(65), '', 'kïd'])('refuses kid %j with 400 validation_failed', async (kid) => {
    const res = await h.http.post(keysUrl()).set(auth).send(es256(kid));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain('kid');
  });

  it.each([
    ['an unknown key', { ...es256('k1'), use: 'sig' }],
    ['a missing publicKey', { kid: 'k1', algorithm: 'ES256' }],
    ['a publicKey that is not a string', { kid: 'k1', algorithm: 'ES256', publicKey: { kty: 'EC' } }],
  ])('refuses %s with 400 validation_failed', async (_name, body) => {
    const res = await h.http.post(keysUrl()).set(auth).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });
});

describe('deleting a key', () => {
  it('answers 204, then 404 key_not_found, and the key is no longer listed', async () => {
    await fillKeys(2);
    await h.http.delete(`${keysUrl()}/k0`).set(auth).expect(204);
    expect(await listKids()).toEqual(['k1']);
    const again = await h.http.delete(`${keysUrl()}/k0`).set(auth);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('key_not_found');
  });

  it('answers 404 key_not_found for a kid that only another app has', async () => {
    const other = await createTestApp(h);
    await addTestKey(h, other, es256('theirs'));
    const res = await h.http.delete(`${keysUrl()}/theirs`).set(auth);
    expect(res.body.error.code).toBe('key_not_found');
    expect((await h.http.get(appUrl(other, '/auth-keys')).set(auth)).body.data).toHaveLength(1);
  });

  it('refuses a malformed kid in the path with 400', async () => {
    const res = await h.http.delete(`${keysUrl()}/bad%20kid`).set(auth);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });
});

describe("another tenant's app", () => {
  it.each([
    ['tenant', '/manage/tenants/t2/projects/p1/apps'],
    ['project', '/manage/tenants/t1/projects/p2/apps'],
  ])('keys of an app under another %s are 404 app_not_found, and stay untouched', async (_name, base) => {
    const key = await addTestKey(h, app, es256('k1'));
    const foreign = `${base}/${app.id}/auth-keys`;
    const responses = [
      await h.http.get(foreign).set(auth),
      await h.http.post(foreign).set(auth).send(es256('planted')),
      await h.http.delete(`${foreign}/k1`).set(auth),
    ];
    for (const res of responses) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('app_not_found');
    }
    expect((await h.http.get(keysUrl()).set(auth)).body.data).toEqual([key]);
  });
});
