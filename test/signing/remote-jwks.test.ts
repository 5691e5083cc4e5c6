// §2.6 / §3.5, issue 12: a widget backend verifying offline with jose's
// createRemoteJWKSet, honouring the JWKS max-age, never rejects a token across a
// rotation — even if it fetched the JWKS just before the rotation — and needs no
// refetch forced by an unknown kid: the new key was published before it signed,
// and the max-age (at most half the pre-publication time) made the verifier
// refetch in between.
//
// The service runs on a real listening server. jose keeps its cache by
// Date.now(), so Date is faked and moved together with the service's clock.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { auth, createTestApp, makeHarness, type Harness } from '../support/harness.js';
import { anonymousToken } from '../support/run-api.js';

const DAY_MS = 24 * 3600 * 1000;

let server: Server | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(h: Harness) {
  let fetches = 0;
  server = createServer((req, res) => {
    if (req.url?.startsWith('/.well-known/jwks.json')) fetches += 1;
    h.app(req, res);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  const maxAge = Number(/max-age=(\d+)/.exec((await fetch(url)).headers.get('cache-control') ?? '')?.[1]);
  fetches = 0;
  return { url, maxAge, fetches: () => fetches };
}

/** A backend's verifier: caches the JWKS for its max-age, and never refetches for an unknown kid (cooldown of a day). */
function verifier(h: Harness, url: string, maxAgeSeconds: number, appId: string) {
  const jwks = createRemoteJWKSet(new URL(url), { cacheMaxAge: maxAgeSeconds * 1000, cooldownDuration: DAY_MS });
  return (token: string) => jwtVerify(token, jwks, { issuer: h.config.issuer, audience: appId, typ: 'session+jwt', algorithms: ['EdDSA', 'ES256'] });
}

async function setUp(env: Record<string, string> = {}) {
  const h = await makeHarness(env);
  const app = await createTestApp(h);
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(h.clock.now());
  const advance = (seconds: number) => {
    h.clock.advance(seconds);
    vi.setSystemTime(h.clock.now());
  };
  return { h, app, advance, ...(await serve(h)) };
}

describe('a jose remote-JWKS verifier across a rotation', () => {
  it.each([['EdDSA'], ['ES256']])(
    'that fetched the JWKS just before a rotation verifies every later token (%s), refetching only as max-age says',
    async (alg) => {
      const { h, app, advance, url, maxAge, fetches } = await setUp({ SESSION_TOKEN_ALG: alg });
      expect(maxAge).toBe(300);
      const verify = verifier(h, url, maxAge, app.id);
      const oldKid = h.svc.keyring.current.kid;
      await verify((await anonymousToken(h, app.id)).token);
      expect(fetches()).toBe(1);

      const rotated = await h.http.post('/manage/signing-keys/rotate').set(auth).send({}).expect(201);
      const newKid = rotated.body.data.kid as string;

      // Every 7 s for 25 minutes, through the switch 10 minutes in.
      const seen = new Set<string>();
      for (let elapsed = 0; elapsed <= 1500; elapsed += 7) {
        const { token, userId } = await anonymousToken(h, app.id);
        seen.add(decodeProtectedHeader(token).kid!);
        expect((await verify(token)).payload.sub).toBe(userId);
        advance(7);
      }
      expect([...seen]).toEqual([oldKid, newKid]);
      // One fetch per max-age at most: none was forced by the new kid.
      expect(fetches()).toBeLessThanOrEqual(1 + Math.ceil(1500 / maxAge));
    },
  );

  it('would reject the new key’s tokens after an immediate rotation (what pre-publication prevents)', async () => {
    const { h, app, url, maxAge } = await setUp();
    const verify = verifier(h, url, maxAge, app.id);
    await verify((await anonymousToken(h, app.id)).token);
    await h.http.post('/manage/signing-keys/rotate').set(auth).send({ immediate: true }).expect(201);
    await expect(verify((await anonymousToken(h, app.id)).token)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
  });
});

describe('the JWKS response', () => {
  it.each([
    ['600', 300],
    ['86400', 300],
    ['120', 60],
    ['1', 0],
    ['0', 60],
  ])('with SIGNING_KEY_PREPUBLISH_SECONDS=%s says max-age=%i, and any origin may read it', async (prepublish, maxAge) => {
    const h = await makeHarness({ SIGNING_KEY_PREPUBLISH_SECONDS: prepublish });
    const res = await h.http.get('/.well-known/jwks.json').set('Origin', 'https://widget-backend.example').expect(200);
    expect(res.headers['cache-control']).toBe(`public, max-age=${maxAge}`);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });
});
