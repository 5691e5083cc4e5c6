// §3.3 POST /run/auth/apps/{appId}/session: signing in with a customer JWT
// made by a standard library (jose's SignJWT), the anonymous fallback, and
// the checks that come before the token.
import { decodeJwt, SignJWT, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CustomerAlgorithm } from '../../src/keys/algorithms.js';
import { addTestKey, APPS, auth, createTestApp, makeHarness, POW_SECRET, type Harness } from '../support/harness.js';
import { claimsAt, requestSession } from '../support/customer-jwt.js';
import { keyFor } from '../support/keys.js';
import { ANON_USER_ID, fetchSolution, ORIGIN, verifyWithJwks } from '../support/run-api.js';

const POW_ENV = { POW_HMAC_SECRET: POW_SECRET, POW_DIFFICULTY: '1000' };
const ALGORITHMS: CustomerAlgorithm[] = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** A customer JWT as a customer's backend would make it, with jose. */
function customerJwt(
  h: Harness,
  algorithm: CustomerAlgorithm,
  claims: Record<string, unknown> = {},
  options: { kid?: string; sub?: string; lifetime?: number } = {},
) {
  const now = h.clock.seconds;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: algorithm, kid: options.kid ?? `${algorithm.toLowerCase()}-key`, typ: 'JWT' })
    .setSubject(options.sub ?? 'user-42')
    .setIssuedAt(now)
    .setExpirationTime(now + (options.lifetime ?? 3600))
    .sign(keyFor(algorithm).privateKey);
}

/** An app (anonymous allowed unless told) with a key uploaded for `algorithm` under kid "<alg>-key". */
async function appWithKey(h: Harness, algorithm: CustomerAlgorithm, allowAnonymous = true) {
  const app = await createTestApp(h, { config: { webClient: { allowedDomains: ['docs.example.com'], allowAnonymous } } });
  await addTestKey(h, app, { kid: `${algorithm.toLowerCase()}-key`, algorithm, publicKey: keyFor(algorithm).publicPem });
  return app;
}

describe('signing in with a valid customer JWT', () => {
  // Proof of work is enabled: a valid customer JWT must not need it.
  let h: Harness;
  beforeAll(async () => {
    h = await makeHarness(POW_ENV);
  });

  it.each(ALGORITHMS)('%s: answers 200 with a session for sub, its claims, expiring with the JWT', async (algorithm) => {
    const app = await appWithKey(h, algorithm);
    const extra = { plan: 'pro', roles: ['admin', 'billing'], org: { id: 7 }, aud: 'chat', iss: 'acme', jti: 'j-1', nbf: h.clock.seconds };
    const jwt = await customerJwt(h, algorithm, extra);
    const customerExp = decodeJwt(jwt).exp!;

    const res = await requestSession(h, app.id, { token: jwt });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const verifiedClaims = { plan: 'pro', roles: ['admin', 'billing'], org: { id: 7 } };
    expect(res.body).toEqual({
      token: expect.any(String),
      expiresAt: new Date(customerExp * 1000).toISOString(),
      userId: 'user-42',
      authMethod: 'authenticated',
      verifiedClaims,
    });

    const { payload, protectedHeader } = await verifyWithJwks(h, res.body.token, app.id);
    expect(protectedHeader).toEqual({ alg: 'EdDSA', kid: h.svc.keyring.current.kid, typ: 'session+jwt' });
    expect(payload).toEqual({
      iss: 'latchkey',
      aud: app.id,
      sub: 'user-42',
      iat: h.clock.seconds,
      exp: customerExp,
      jti: expect.any(String),
      tid: 't1',
      pid: 'p1',
      auth: 'authenticated',
      claims: verifiedClaims,
    });
    // The customer's own jti is not reused for latchkey's token.
    expect(payload.jti).not.toBe('j-1');
  });

  it('is introspected as authenticated, with the verified claims', async () => {
    const app = await appWithKey(h, 'ES256');
    const jwt = await customerJwt(h, 'ES256', { plan: 'pro' }, { lifetime: 600 });
    const { token } = (await requestSession(h, app.id, { token: jwt }).expect(200)).body;

    const res = await h.http.get(`/run/auth/apps/${app.id}/session`).set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      userId: 'user-42',
      authMethod: 'authenticated',
      appId: app.id,
      tenantId: 't1',
      projectId: 'p1',
      defaultAgentId: 'agent-1',
      prompt: 'Be concise.',
      verifiedClaims: { plan: 'pro' },
      expiresAt: new Date((h.clock.seconds + 600) * 1000).toISOString(),
      sessionId: decodeJwt(token).jti,
    });
  });

  it('the session ends when the customer JWT would have', async () => {
    const app = await appWithKey(h, 'EdDSA');
    const { token } = (await requestSession(h, app.id, { token: await customerJwt(h, 'EdDSA', {}, { lifetime: 120 }) }).expect(200)).body;
    const introspect = () => h.http.get(`/run/auth/apps/${app.id}/session`).set('Authorization', `Bearer ${token}`);
    h.clock.advance(119);
    expect((await introspect()).status).toBe(200);
    h.clock.advance(1);
    expect((await introspect()).body.error.code).toBe('invalid_token');
  });

  it('answers verifiedClaims {} when the JWT has only registered claims', async () => {
    const app = await appWithKey(h, 'ES256');
    const res = await requestSession(h, app.id, { token: await customerJwt(h, 'ES256', { aud: 'x', iss: 'y', jti: 'z' }) });
    expect(res.status).toBe(200);
    expect(res.body.verifiedClaims).toEqual({});
    const { payload } = await verifyWithJwks(h, res.body.token, app.id);
    expect(payload.claims ?? {}).toEqual({});
    const introspected = await h.http.get(`/run/auth/apps/${app.id}/session`).set('Authorization', `Bearer ${res.body.token}`);
    expect(introspected.body.verifiedClaims).toEqual({});
  });

  it('keeps claims named like the service’s own fields inside verifiedClaims', async () => {
    const app = await appWithKey(h, 'ES256');
    const spoof = { userId: 'admin', token: 'forged', authMethod: 'anonymous', expiresAt: 'never', fallbackReason: 'x' };
    const res = await requestSession(h, app.id, { token: await customerJwt(h, 'ES256', spoof) });
    expect(res.status).toBe(200);
    expect(res.body.userId).toBe('user-42');
    expect(res.body.authMethod).toBe('authenticated');
    expect(res.body.token).not.toBe('forged');
    expect(res.body.expiresAt).not.toBe('never');
    expect(res.body).not.toHaveProperty('fallbackReason');
    expect(res.body.verifiedClaims).toEqual(spoof);
    await verifyWithJwks(h, res.body.token, app.id);

    const introspected = await h.http.get(`/run/auth/apps/${app.id}/session`).set('Authorization', `Bearer ${res.body.token}`);
    expect(introspected.body).toMatchObject({ userId: 'user-42', authMethod: 'authenticated', appId: app.id, verifiedClaims: spoof });
  });

  it('works on an app that does not allow anonymous sessions', async () => {
    const app = await appWithKey(h, 'ES256', false);
    const res = await requestSession(h, app.id, { token: await customerJwt(h, 'ES256') });
    expect(res.status).toBe(200);
    expect(res.body.authMethod).toBe('authenticated');
  });
});

describe('anonymous fallback (allowAnonymous true, invalid customer JWT)', () => {
  it('answers 200 with a fresh anonymous identity and the reason, without PoW configured', async () => {
    const h = await makeHarness();
    const app = await appWithKey(h, 'ES256');
    const expired = await customerJwt(h, 'ES256', {}, { lifetime: 60 });
    h.clock.advance(60);

    const first = await requestSession(h, app.id, { token: expired });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      token: expect.any(String),
      expiresAt: new Date((h.clock.seconds + h.config.anonSessionTtlSeconds) * 1000).toISOString(),
      userId: expect.stringMatching(ANON_USER_ID),
      authMethod: 'anonymous',
      fallbackReason: 'expired',
    });
    expect(first.body).not.toHaveProperty('verifiedClaims');
    const { payload } = await verifyWithJwks(h, first.body.token, app.id);
    expect(payload).toMatchObject({ sub: first.body.userId, auth: 'anonymous' });
    expect(payload).not.toHaveProperty('claims');

    // Fresh each time: the rejected JWT's sub is never used, nor an earlier anonymous id.
    const second = await requestSession(h, app.id, { token: expired });
    expect(second.body.userId).toMatch(ANON_USER_ID);
    expect(second.body.userId).not.toBe(first.body.userId);
  });

  it.each([
    ['garbage', () => 'not-a-jwt', 'malformed'],
    ['an unknown kid', (h: Harness) => customerJwt(h, 'ES256', {}, { kid: 'nope' }), 'kid_unknown'],
    ['an anon_ sub', (h: Harness) => customerJwt(h, 'ES256', {}, { sub: 'anon_x' }), 'sub_invalid'],
  ])('reports the reason for %s', async (_name, make, reason) => {
    const h = await makeHarness();
    const app = await appWithKey(h, 'ES256');
    const res = await requestSession(h, app.id, { token: await make(h) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ authMethod: 'anonymous', fallbackReason: reason, userId: expect.stringMatching(ANON_USER_ID) });
  });

  describe('with proof of work enabled', () => {
    let h: Harness;
    let appId: string;
    let expired: string;
    beforeAll(async () => {
      h = await makeHarness(POW_ENV);
      appId = (await appWithKey(h, 'ES256')).id;
      expired = await customerJwt(h, 'ES256', {}, { lifetime: 60 });
      h.clock.advance(60);
    });

    it('needs a solution: 400 pow_required without one', async () => {
      const res = await requestSession(h, appId, { token: expired });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('pow_required');
    });

    it('answers 200 anonymous with a solved challenge, which is then spent', async () => {
      const solution = await fetchSolution(h, appId);
      const res = await requestSession(h, appId, { token: expired, solution });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ authMethod: 'anonymous', fallbackReason: 'expired', userId: expect.stringMatching(ANON_USER_ID) });

      const again = await requestSession(h, appId, { token: expired, solution });
      expect(again.status).toBe(403);
      expect(again.body.error.code).toBe('pow_replayed');
    });

    it('never asks a valid JWT for proof of work, and does not spend a solution sent with one', async () => {
      const solution = await fetchSolution(h, appId);
      const signedIn = await requestSession(h, appId, { token: await customerJwt(h, 'ES256'), solution });
      expect(signedIn.status).toBe(200);
      expect(signedIn.body.authMethod).toBe('authenticated');
      // The same solution still pays for one fallback.
      expect((await requestSession(h, appId, { token: expired, solution })).status).toBe(200);
    });
  });
});

describe('checks before the token', () => {
  let h: Harness;
  let appId: string;
  beforeAll(async () => {
    h = await makeHarness(POW_ENV);
    appId = (await appWithKey(h, 'ES256', false)).id;
  });

  it('a missing bearer is 400 token_required', async () => {
    const res = await requestSession(h, appId);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('token_required');
    const basic = await h.http.post(`/run/auth/apps/${appId}/session`).set('Origin', ORIGIN).set('Authorization', 'Basic dXNlcjpwYXNz');
    expect(basic.status).toBe(400);
    expect(basic.body.error.code).toBe('token_required');
    const empty = await h.http.post(`/run/auth/apps/${appId}/session`).set('Origin', ORIGIN).set('Authorization', 'Bearer ');
    expect(empty.body.error.code).toBe('token_required');
  });

  it('an unknown app is 404 app_not_found, whatever the origin and token', async () => {
    const token = await customerJwt(h, 'ES256');
    for (const options of [{ token }, {}, { token, origin: 'https://evil.example' }, { token: 'garbage', origin: null }]) {
      const res = await requestSession(h, 'app_doesnotexist', options);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('app_not_found');
    }
  });

  it('a disabled app is 404 app_not_found, even for a valid token', async () => {
    const app = await appWithKey(h, 'ES256');
    await h.http.patch(`${APPS}/${app.id}`).set(auth).send({ enabled: false }).expect(200);
    const res = await requestSession(h, app.id, { token: await customerJwt(h, 'ES256') });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('app_not_found');
  });

  it('a refused Origin is 403 origin_not_allowed before any token check', async () => {
    const token = await customerJwt(h, 'ES256');
    for (const origin of ['https://evil.example', 'http://docs.example.com', 'https://docs.example.com:443', null]) {
      for (const options of [{ token, origin }, { origin }, { token: 'garbage', origin }]) {
        const res = await requestSession(h, appId, options);
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe('origin_not_allowed');
      }
    }
  });

  it('the rate limit applies: the second request in a minute is 429 rate_limited with Retry-After', async () => {
    const limited = await makeHarness({ RATE_LIMIT_PER_MINUTE: '1' });
    const app = await appWithKey(limited, 'ES256', false);
    const token = await customerJwt(limited, 'ES256');
    // A refused Origin does not spend the quota (the limit comes after the Origin check).
    expect((await requestSession(limited, app.id, { token, origin: 'https://evil.example' })).status).toBe(403);
    expect((await requestSession(limited, app.id, { token })).status).toBe(200);
    for (const options of [{ token }, { token: 'garbage' }]) {
      const res = await requestSession(limited, app.id, options);
      expect(res.status).toBe(429);
      expect(res.body.error.code).toBe('rate_limited');
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('the customer claims as verified', () => {
  it('expiresAt and exp follow the customer JWT even when it is short-lived', async () => {
    const h = await makeHarness();
    const app = await appWithKey(h, 'EdDSA');
    const jwt = await new SignJWT(claimsAt(h.clock.seconds, { exp: h.clock.seconds + 5 }) as JWTPayload)
      .setProtectedHeader({ alg: 'EdDSA', kid: 'eddsa-key' })
      .sign(keyFor('EdDSA').privateKey);
    const res = await requestSession(h, app.id, { token: jwt });
    expect(res.status).toBe(200);
    expect(res.body.expiresAt).toBe(new Date((h.clock.seconds + 5) * 1000).toISOString());
    expect(decodeJwt(res.body.token).exp).toBe(h.clock.seconds + 5);
  });
});
