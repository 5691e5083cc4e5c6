// §3.2 POST /run/auth/apps/{appId}/anonymous-session, driven over HTTP the way
// a widget (and an attacker posing as one) would call it.
import { generateKeyPairSync, sign } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { headerSegment } from '../../src/signing/keyring.js';
import { signSessionToken } from '../../src/signing/session-token.js';
import { APPS, auth, createTestApp, makeHarness, POW_SECRET, type Harness } from '../support/harness.js';
import {
  ANON_USER_ID,
  anonymousToken,
  encodeSolution,
  fetchSolution,
  requestAnonymousSession,
  solve,
  verifyWithJwks,
} from '../support/run-api.js';

const POW_ENV = { POW_HMAC_SECRET: POW_SECRET, POW_DIFFICULTY: '1000' };
const TTL = 3600;

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

function patchApp(h: Harness, appId: string, body: Record<string, unknown>) {
  return h.http.patch(`${APPS}/${appId}`).set(auth).send(body).expect(200);
}

describe('issuing an anonymous session', () => {
  it('answers 200 with a token, its expiry and a fresh anon_ user id', async () => {
    const h = await makeHarness({ ANON_SESSION_TTL_SECONDS: String(TTL) });
    const app = await createTestApp(h);
    const res = await requestAnonymousSession(h, app.id);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ token: expect.any(String), expiresAt: expect.any(String), userId: expect.stringMatching(ANON_USER_ID) });
    expect(res.body.expiresAt).toBe(new Date((h.clock.seconds + TTL) * 1000).toISOString());
  });

  it('issues a token a backend can verify with jose against the published JWKS', async () => {
    const h = await makeHarness({ ANON_SESSION_TTL_SECONDS: String(TTL) });
    const app = await createTestApp(h);
    const { token, userId, expiresAt } = (await requestAnonymousSession(h, app.id).expect(200)).body;

    const { payload, protectedHeader } = await verifyWithJwks(h, token, app.id);
    expect(protectedHeader).toEqual({ alg: 'EdDSA', kid: h.svc.keyring.current.kid, typ: 'session+jwt' });
    expect(payload).toEqual({
      iss: 'latchkey',
      aud: app.id,
      sub: userId,
      iat: h.clock.seconds,
      exp: h.clock.seconds + TTL,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      tid: 't1',
      pid: 'p1',
      auth: 'anonymous',
    });
    expect(new Date(payload.exp! * 1000).toISOString()).toBe(expiresAt);
  });

  it('lives ANON_SESSION_TTL_SECONDS, 30 days by default', async () => {
    const h = await makeHarness();
    const app = await createTestApp(h);
    const { iat, exp } = decodeJwt((await requestAnonymousSession(h, app.id).expect(200)).body.token);
    expect(exp! - iat!).toBe(2_592_000);
  });

  it('gives every new visitor a different identity and every token its own jti', async () => {
    const h = await makeHarness();
    const app = await createTestApp(h);
    const a = (await requestAnonymousSession(h, app.id).expect(200)).body;
    const b = (await requestAnonymousSession(h, app.id).expect(200)).body;
    expect(a.userId).not.toBe(b.userId);
    expect(decodeJwt(a.token).jti).not.toBe(decodeJwt(b.token).jti);
  });
});

describe('the checks of §3.2, in order', () => {
  it('answers 404 app_not_found for an unknown app', async () => {
    const h = await makeHarness();
    const res = await requestAnonymousSession(h, 'app_doesnotexist0');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('app_not_found');
  });

  it('answers 400 validation_failed for a malformed app id, never 500', async () => {
    const h = await makeHarness();
    const res = await requestAnonymousSession(h, 'not-an-app-id');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });

  it('answers 404 app_not_found for a disabled app', async () => {
    const h = await makeHarness();
    const app = await createTestApp(h, { enabled: false });
    const res = await requestAnonymousSession(h, app.id);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('app_not_found');
  });

  it('answers 401 anonymous_disabled when the app requires sign-in, before looking at the Origin', async () => {
    const h = await makeHarness();
    const app = await createTestApp(h, {
      config: { webClient: { allowedDomains: ['docs.example.com'], allowAnonymous: false } },
    });
    for (const origin of ['https://docs.example.com', 'https://evil.example.net']) {
      const res = await requestAnonymousSession(h, app.id, { origin });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('anonymous_disabled');
    }
  });

  it.each([
    ['a foreign origin', 'https://evil.example.net'],
    ['a lookalike origin', 'https://docs.example.com.evil.com'],
    ['plain http', 'http://docs.example.com'],
    ['a null origin', 'null'],
    ['no Origin header', null],
  ])('answers 403 origin_not_allowed for %s', async (_name, origin) => {
    const h = await makeHarness();
    const app = await createTestApp(h);
    const res = await requestAnonymousSession(h, app.id, { origin });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('origin_not_allowed');
  });

  it('refuses a bad Origin before asking for proof of work', async () => {
    const h = await makeHarness(POW_ENV);
    const app = await createTestApp(h);
    const res = await requestAnonymousSession(h, app.id, { origin: 'https://evil.example.net' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('origin_not_allowed');
  });
});

describe('rate limit', () => {
  it('answers the third request in a minute with 429 rate_limited and Retry-After', async () => {
    const h = await makeHarness({ RATE_LIMIT_PER_MINUTE: '2' });
    const app = await createTestApp(h);
    await requestAnonymousSession(h, app.id).expect(200);
    await requestAnonymousSession(h, app.id).expect(200);
    const res = await requestAnonymousSession(h, app.id);
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe('rate_limited');
    const retryAfter = Number(res.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it('does not count requests refused for their Origin', async () => {
    const h = await makeHarness({ RATE_LIMIT_PER_MINUTE: '2' });
    const app = await createTestApp(h);
    for (let i = 0; i < 5; i += 1) {
      await requestAnonymousSession(h, app.id, { origin: 'https://evil.example.net' }).expect(403);
    }
    await requestAnonymousSession(h, app.id).expect(200);
    await requestAnonymousSession(h, app.id).expect(200);
    await requestAnonymousSession(h, app.id).expect(429);
  });

  it('is checked before proof of work', async () => {
    const h = await makeHarness({ ...POW_ENV, RATE_LIMIT_PER_MINUTE: '1' });
    const app = await createTestApp(h);
    await requestAnonymousSession(h, app.id, { solution: await fetchSolution(h, app.id) }).expect(200);
    const res = await requestAnonymousSession(h, app.id);
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe('rate_limited');
  });
});

describe('proof of work, when POW_HMAC_SECRET is set', () => {
  async function setup() {
    const h = await makeHarness(POW_ENV);
    const app = await createTestApp(h);
    return { h, app };
  }

  it('issues a session for a solved challenge bound to the app', async () => {
    const { h, app } = await setup();
    const res = await requestAnonymousSession(h, app.id, { solution: await fetchSolution(h, app.id) });
    expect(res.status).toBe(200);
    expect(res.body.userId).toMatch(ANON_USER_ID);
  });

  it('issues a session for a solved unbound challenge', async () => {
    const { h, app } = await setup();
    await requestAnonymousSession(h, app.id, { solution: await fetchSolution(h) }).expect(200);
  });

  it('accepts the solution in the X-Inkeep-Challenge-Solution alias header', async () => {
    const { h, app } = await setup();
    const res = await requestAnonymousSession(h, app.id, {
      solution: await fetchSolution(h, app.id),
      solutionHeader: 'X-Inkeep-Challenge-Solution',
    });
    expect(res.status).toBe(200);
  });

  it.each([
    ['no solution', undefined, 400, 'pow_required'],
    ['garbage', '%%% not a solution %%%', 400, 'pow_malformed'],
    ['base64 of a JSON array', Buffer.from('[]').toString('base64'), 400, 'pow_malformed'],
    ['more than 4 KiB', 'A'.repeat(4097), 400, 'pow_malformed'],
  ])('refuses %s with %i %s', async (_name, solution, status, code) => {
    const { h, app } = await setup();
    const res = await requestAnonymousSession(h, app.id, { solution });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
  });

  it('refuses a solution with a forged signature with 403 pow_invalid', async () => {
    const { h, app } = await setup();
    const challenge = (await h.http.get('/run/auth/pow/challenge').query({ appId: app.id })).body;
    const solution = await solve(challenge);
    const forged = { ...solution, signature: 'f'.repeat(64) };
    const res = await requestAnonymousSession(h, app.id, { solution: encodeSolution(forged) });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('pow_invalid');
  });

  it('refuses a solution whose challenge has expired with 403 pow_expired', async () => {
    const { h, app } = await setup();
    const solution = await fetchSolution(h, app.id);
    h.clock.advance(301);
    const res = await requestAnonymousSession(h, app.id, { solution });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('pow_expired');
  });

  it('refuses a challenge bound to another app with 403 pow_invalid', async () => {
    const { h, app } = await setup();
    const other = await createTestApp(h, { name: 'Other widget' });
    const res = await requestAnonymousSession(h, app.id, { solution: await fetchSolution(h, other.id) });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('pow_invalid');
  });

  it('accepts a solution once; the second use is 403 pow_replayed', async () => {
    const { h, app } = await setup();
    const solution = await fetchSolution(h, app.id);
    await requestAnonymousSession(h, app.id, { solution }).expect(200);
    const res = await requestAnonymousSession(h, app.id, { solution, solutionHeader: 'X-Inkeep-Challenge-Solution' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('pow_replayed');
  });

  it('accepts one of ten concurrent requests carrying the same solution', async () => {
    const { h, app } = await setup();
    const solution = await fetchSolution(h, app.id);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => requestAnonymousSession(h, app.id, { solution })),
    );
    const ok = responses.filter((r) => r.status === 200);
    const replayed = responses.filter((r) => r.status === 403 && r.body.error.code === 'pow_replayed');
    expect(ok).toHaveLength(1);
    expect(replayed).toHaveLength(9);
  });

  it('does not burn a solution on a request refused for its Origin', async () => {
    const { h, app } = await setup();
    const solution = await fetchSolution(h, app.id);
    await requestAnonymousSession(h, app.id, { solution, origin: 'https://evil.example.net' }).expect(403);
    await requestAnonymousSession(h, app.id, { solution }).expect(200);
  });

  it('asks for proof of work on a refresh too', async () => {
    const { h, app } = await setup();
    const first = await anonymousToken(h, app.id);
    const res = await requestAnonymousSession(h, app.id, { bearer: first.token });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('pow_required');
  });
});

describe('rolling refresh', () => {
  async function setup() {
    const h = await makeHarness({ ANON_SESSION_TTL_SECONDS: String(TTL) });
    const app = await createTestApp(h);
    const victim = await anonymousToken(h, app.id);
    return { h, app, victim };
  }

  /** A request with `bearer` must get a brand-new identity, never one named in the bearer. */
  async function expectNewIdentity(h: Harness, appId: string, bearer: string, ...notUserIds: string[]) {
    const res = await requestAnonymousSession(h, appId, { bearer });
    expect(res.status).toBe(200);
    expect(res.body.userId).toMatch(ANON_USER_ID);
    for (const old of notUserIds) expect(res.body.userId).not.toBe(old);
    expect(decodeJwt(res.body.token).sub).toBe(res.body.userId);
  }

  it('keeps the identity of a valid anonymous token of this app and issues a new token', async () => {
    const { h, app, victim } = await setup();
    h.clock.advance(600);
    const res = await requestAnonymousSession(h, app.id, { bearer: victim.token });
    expect(res.status).toBe(200);
    expect(res.body.userId).toBe(victim.userId);
    expect(res.body.token).not.toBe(victim.token);
    const { payload } = await verifyWithJwks(h, res.body.token, app.id);
    expect(payload.sub).toBe(victim.userId);
    expect(payload.iat).toBe(h.clock.seconds);
    expect(payload.exp).toBe(h.clock.seconds + TTL);
  });

  it('accepts a lower-case bearer scheme', async () => {
    const { h, app, victim } = await setup();
    const res = await h.http
      .post(`/run/auth/apps/${app.id}/anonymous-session`)
      .set('Origin', 'https://docs.example.com')
      .set('Authorization', `bearer ${victim.token}`);
    expect(res.body.userId).toBe(victim.userId);
  });

  it('starts a new identity when the bearer has expired', async () => {
    const { h, app, victim } = await setup();
    h.clock.advance(TTL);
    await expectNewIdentity(h, app.id, victim.token, victim.userId);
  });

  it('starts a new identity for a token whose sub was changed (signature kept)', async () => {
    const { h, app, victim } = await setup();
    const attacker = await anonymousToken(h, app.id);
    const [header, payload, signature] = attacker.token.split('.');
    const forged = `${header}.${b64url({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: victim.userId })}.${signature}`;
    await expectNewIdentity(h, app.id, forged, victim.userId, attacker.userId);
  });

  it("starts a new identity for another app's token", async () => {
    const { h, app, victim } = await setup();
    const other = await createTestApp(h, { name: 'Other widget' });
    const foreign = await anonymousToken(h, other.id);
    await expectNewIdentity(h, app.id, foreign.token, foreign.userId, victim.userId);
  });

  it('starts a new identity for a token signed by another Ed25519 key under our kid', async () => {
    const { h, app, victim } = await setup();
    const { privateKey } = generateKeyPairSync('ed25519');
    const payload = { ...decodeJwt(victim.token), jti: 'forged', iat: h.clock.seconds };
    const input = `${headerSegment(h.svc.keyring.current.kid)}.${b64url(payload)}`;
    const forged = `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`;
    expect(decodeProtectedHeader(forged).kid).toBe(h.svc.keyring.current.kid);
    await expectNewIdentity(h, app.id, forged, victim.userId);
  });

  it('starts a new identity for a token with alg none', async () => {
    const { h, app, victim } = await setup();
    const header = b64url({ alg: 'none', kid: h.svc.keyring.current.kid, typ: 'session+jwt' });
    const forged = `${header}.${b64url(decodeJwt(victim.token))}.`;
    await expectNewIdentity(h, app.id, forged, victim.userId);
  });

  it.each(['garbage', 'a.b.c', 'a.b.c.d', '..', 'x'.repeat(10_000)])('starts a new identity for the garbage bearer %#', async (bearer) => {
    const { h, app, victim } = await setup();
    await expectNewIdentity(h, app.id, bearer, victim.userId);
  });

  it('starts a new identity for an authenticated session token, even one whose sub looks anonymous', async () => {
    const { h, app, victim } = await setup();
    const authenticated = signSessionToken(h.svc.keyring, {
      iss: 'latchkey',
      aud: app.id,
      sub: victim.userId,
      iat: h.clock.seconds,
      exp: h.clock.seconds + 600,
      tid: 't1',
      pid: 'p1',
      auth: 'authenticated',
    });
    await expectNewIdentity(h, app.id, authenticated, victim.userId);
  });

  it('starts a new identity for a customer-signed JWT', async () => {
    const { h, app, victim } = await setup();
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    // Even signed by a key uploaded for this app, a customer JWT is not an anonymous refresh token.
    await h.http
      .post(`${APPS}/${app.id}/auth-keys`)
      .set(auth)
      .send({ kid: 'customer-key-1', algorithm: 'ES256', publicKey: await exportSPKI(publicKey) })
      .expect(201);
    const customer = await new SignJWT({ sub: victim.userId, plan: 'pro' })
      .setProtectedHeader({ alg: 'ES256', kid: 'customer-key-1' })
      .setIssuedAt(h.clock.seconds)
      .setExpirationTime(h.clock.seconds + 600)
      .sign(privateKey);
    await expectNewIdentity(h, app.id, customer, victim.userId);
  });
});

describe('changes to the app take effect on the very next request', () => {
  it('a PATCH of allowedDomains', async () => {
    const h = await makeHarness();
    const app = await createTestApp(h);
    await requestAnonymousSession(h, app.id).expect(200);
    await patchApp(h, app.id, { config: { webClient: { allowedDomains: ['chat.example.org'] } } });
    const refused = await requestAnonymousSession(h, app.id);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('origin_not_allowed');
    await requestAnonymousSession(h, app.id, { origin: 'https://chat.example.org' }).expect(200);
  });

  it('a PATCH of allowAnonymous, off and on again', async () => {
    const h = await makeHarness();
    const app = await createTestApp(h);
    await requestAnonymousSession(h, app.id).expect(200);
    await patchApp(h, app.id, { config: { webClient: { allowAnonymous: false } } });
    const refused = await requestAnonymousSession(h, app.id);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('anonymous_disabled');
    await patchApp(h, app.id, { config: { webClient: { allowAnonymous: true } } });
    await requestAnonymousSession(h, app.id).expect(200);
  });

  it('a PATCH of enabled', async () => {
    const h = await makeHarness();
    const app = await createTestApp(h);
    await requestAnonymousSession(h, app.id).expect(200);
    await patchApp(h, app.id, { enabled: false });
    const res = await requestAnonymousSession(h, app.id);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('app_not_found');
  });

  it('a DELETE of the app', async () => {
    const h = await makeHarness();
    const app = await createTestApp(h);
    await requestAnonymousSession(h, app.id).expect(200);
    await h.http.delete(`${APPS}/${app.id}`).set(auth).expect(204);
    const res = await requestAnonymousSession(h, app.id);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('app_not_found');
  });
});
