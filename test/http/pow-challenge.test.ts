// §3.1 GET /run/auth/pow/challenge: an altcha v1 challenge a widget can solve
// with altcha-lib, carrying its expiry and, when asked, the app it is for.
import { solveChallenge } from 'altcha-lib/v1';
import { describe, expect, it } from 'vitest';
import { createTestApp, makeHarness, POW_SECRET } from '../support/harness.js';

const POW_ENV = { POW_HMAC_SECRET: POW_SECRET, POW_DIFFICULTY: '1000', POW_CHALLENGE_TTL_SECONDS: '120' };

describe('GET /run/auth/pow/challenge', () => {
  it('answers 404 pow_disabled when POW_HMAC_SECRET is not set', async () => {
    const h = await makeHarness();
    const res = await h.http.get('/run/auth/pow/challenge').set('Origin', 'https://docs.example.com');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('pow_disabled');
    expect(res.headers['access-control-allow-origin']).toBe('https://docs.example.com');
  });

  it('answers an altcha v1 challenge that altcha-lib solves', async () => {
    const h = await makeHarness(POW_ENV);
    const res = await h.http.get('/run/auth/pow/challenge');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      algorithm: 'SHA-256',
      challenge: expect.stringMatching(/^[0-9a-f]{64}$/),
      maxnumber: 1000,
      salt: expect.any(String),
      signature: expect.stringMatching(/^[0-9a-f]{64}$/),
      expiresAt: new Date(h.clock.now() + 120_000).toISOString(),
    });
    const { challenge, salt, algorithm, maxnumber } = res.body;
    const solution = await solveChallenge(challenge, salt, algorithm, maxnumber).promise;
    expect(solution).not.toBeNull();
    expect(solution!.number).toBeLessThanOrEqual(1000);
  });

  it('writes the expiry it reports into the signed salt', async () => {
    const h = await makeHarness(POW_ENV);
    const { salt, expiresAt } = (await h.http.get('/run/auth/pow/challenge')).body;
    const params = new URLSearchParams(salt.split('?')[1]);
    expect(Number(params.get('expires')) * 1000).toBe(Date.parse(expiresAt));
    expect(params.has('appId')).toBe(false);
  });

  it('binds the challenge to the app named in ?appId', async () => {
    const h = await makeHarness(POW_ENV);
    const app = await createTestApp(h);
    const { salt } = (await h.http.get('/run/auth/pow/challenge').query({ appId: app.id }).expect(200)).body;
    expect(salt).toContain('expires=');
    expect(new URLSearchParams(salt.split('?')[1]).get('appId')).toBe(app.id);
  });

  it('gives a new challenge each time', async () => {
    const h = await makeHarness(POW_ENV);
    const a = (await h.http.get('/run/auth/pow/challenge')).body;
    const b = (await h.http.get('/run/auth/pow/challenge')).body;
    expect(a.salt).not.toBe(b.salt);
  });

  it.each([
    ['a malformed appId', '?appId=not-an-app'],
    ['an appId with salt syntax in it', `?appId=${encodeURIComponent('app_12345678&expires=9999999999')}`],
    ['a repeated appId', '?appId=app_12345678&appId=app_87654321'],
  ])('answers 400 validation_failed for %s', async (_name, query) => {
    const h = await makeHarness(POW_ENV);
    const res = await h.http.get(`/run/auth/pow/challenge${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });
});
