// §3: with rate limiting on, every answer of the two session-issuing endpoints
// that reached the rate limit tells the widget its quota (RateLimit-Policy,
// RateLimit), and a page script can read them and Retry-After (CORS exposes them).
import { describe, expect, it } from 'vitest';
import { createTestApp, makeHarness, POW_SECRET } from '../support/harness.js';
import { ORIGIN, requestAnonymousSession } from '../support/run-api.js';

const EXPOSED = ['retry-after', 'ratelimit', 'ratelimit-policy', 'x-request-id'];

function exposed(res: { headers: Record<string, string | undefined> }): string[] {
  return (res.headers['access-control-expose-headers'] ?? '').split(',').map((s) => s.trim().toLowerCase());
}

describe('RateLimit headers on session-issuing answers', () => {
  it('counts down the quota and the seconds left in the window, then refuses with r=0', async () => {
    const h = await makeHarness({ RATE_LIMIT_PER_MINUTE: '3' });
    const app = await createTestApp(h);

    const first = await requestAnonymousSession(h, app.id).expect(200);
    expect(first.headers['ratelimit-policy']).toBe('"default";q=3;w=60');
    expect(first.headers.ratelimit).toBe('"default";r=2;t=60');

    h.clock.advance(20.5);
    const second = await requestAnonymousSession(h, app.id).expect(200);
    expect(second.headers.ratelimit).toBe('"default";r=1;t=40');

    h.clock.advance(10);
    await requestAnonymousSession(h, app.id).expect(200);
    const refused = await requestAnonymousSession(h, app.id);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(refused.headers['retry-after']).toBe('30');
    expect(refused.headers.ratelimit).toBe('"default";r=0;t=30');
    expect(refused.headers['ratelimit-policy']).toBe('"default";q=3;w=60');
  });

  it('a new window opens when the old one ends: the full quota is back', async () => {
    const h = await makeHarness({ RATE_LIMIT_PER_MINUTE: '1' });
    const app = await createTestApp(h);
    await requestAnonymousSession(h, app.id).expect(200);
    h.clock.advance(59);
    const refused = await requestAnonymousSession(h, app.id).expect(429);
    expect(refused.headers['retry-after']).toBe('1');
    h.clock.advance(1);
    const again = await requestAnonymousSession(h, app.id).expect(200);
    expect(again.headers.ratelimit).toBe('"default";r=0;t=60');
  });

  it('are on refusals after the rate limit too (pow_required), and on the sign-in endpoint', async () => {
    const h = await makeHarness({ RATE_LIMIT_PER_MINUTE: '5', POW_HMAC_SECRET: POW_SECRET, POW_DIFFICULTY: '1000' });
    const app = await createTestApp(h);
    const pow = await requestAnonymousSession(h, app.id);
    expect(pow.status).toBe(400);
    expect(pow.body.error.code).toBe('pow_required');
    expect(pow.headers.ratelimit).toBe('"default";r=4;t=60');

    const signIn = await h.http.post(`/run/auth/apps/${app.id}/session`).set('Origin', ORIGIN);
    expect(signIn.body.error.code).toBe('token_required');
    expect(signIn.headers.ratelimit).toBe('"default";r=3;t=60');
    expect(signIn.headers['ratelimit-policy']).toBe('"default";q=5;w=60');
  });

  it('are absent from answers refused before the rate limit (Origin, unknown app)', async () => {
    const h = await makeHarness({ RATE_LIMIT_PER_MINUTE: '5' });
    const app = await createTestApp(h);
    const origin = await requestAnonymousSession(h, app.id, { origin: 'https://evil.example.net' }).expect(403);
    const missing = await requestAnonymousSession(h, 'app_doesnotexist0').expect(404);
    for (const res of [origin, missing]) {
      expect(res.headers).not.toHaveProperty('ratelimit');
      expect(res.headers).not.toHaveProperty('ratelimit-policy');
    }
  });

  it('are absent from other run routes (challenge, introspection)', async () => {
    const h = await makeHarness({ RATE_LIMIT_PER_MINUTE: '5', POW_HMAC_SECRET: POW_SECRET });
    const app = await createTestApp(h);
    const challenge = await h.http.get('/run/auth/pow/challenge').set('Origin', ORIGIN).expect(200);
    const introspection = await h.http.get(`/run/auth/apps/${app.id}/session`).set('Origin', ORIGIN).expect(401);
    for (const res of [challenge, introspection]) expect(res.headers).not.toHaveProperty('ratelimit');
  });

  it('are absent when rate limiting is off (RATE_LIMIT_PER_MINUTE=0)', async () => {
    const h = await makeHarness({ RATE_LIMIT_PER_MINUTE: '0' });
    const app = await createTestApp(h);
    const res = await requestAnonymousSession(h, app.id).expect(200);
    expect(res.headers).not.toHaveProperty('ratelimit');
    expect(res.headers).not.toHaveProperty('ratelimit-policy');
  });
});

describe('headers a page script may read (Access-Control-Expose-Headers)', () => {
  it('exposes Retry-After, RateLimit, RateLimit-Policy and X-Request-Id on a 429', async () => {
    const h = await makeHarness({ RATE_LIMIT_PER_MINUTE: '1' });
    const app = await createTestApp(h);
    await requestAnonymousSession(h, app.id).expect(200);
    const refused = await requestAnonymousSession(h, app.id).expect(429);
    expect(exposed(refused)).toEqual(expect.arrayContaining(EXPOSED));
  });

  it('exposes them on successes and on refusals before the rate limit', async () => {
    const h = await makeHarness();
    const app = await createTestApp(h);
    const ok = await requestAnonymousSession(h, app.id).expect(200);
    const refused = await requestAnonymousSession(h, app.id, { origin: 'https://evil.example.net' }).expect(403);
    for (const res of [ok, refused]) expect(exposed(res)).toEqual(expect.arrayContaining(EXPOSED));
  });

  it('a preflight allows a widget to send X-Request-Id', async () => {
    const h = await makeHarness();
    const app = await createTestApp(h);
    const res = await h.http
      .options(`/run/auth/apps/${app.id}/anonymous-session`)
      .set('Origin', ORIGIN)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'x-request-id');
    expect(res.status).toBe(204);
    const allowed = (res.headers['access-control-allow-headers'] ?? '').split(',').map((s: string) => s.trim().toLowerCase());
    expect(allowed).toContain('x-request-id');
  });
});
