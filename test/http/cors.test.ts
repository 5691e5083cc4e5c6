// §3 CORS on /run/*: any site's widget may call it and read every answer,
// refusals included; the Origin allowlist is enforced by the handlers, and no
// credentials are ever invited.
import { describe, expect, it } from 'vitest';
import { createTestApp, makeHarness, POW_SECRET } from '../support/harness.js';
import { requestAnonymousSession } from '../support/run-api.js';

const EVIL = 'https://evil.example.net';

describe('CORS preflight on the session endpoint', () => {
  it('answers 204 reflecting the Origin and allowing the headers a widget sends', async () => {
    const h = await makeHarness();
    const app = await createTestApp(h);
    const res = await h.http
      .options(`/run/auth/apps/${app.id}/anonymous-session`)
      .set('Origin', 'https://docs.example.com')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization, x-challenge-solution');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://docs.example.com');
    expect(res.headers['access-control-allow-methods']).toMatch(/\bPOST\b/);
    const allowed = (res.headers['access-control-allow-headers'] ?? '').split(',').map((s: string) => s.trim().toLowerCase());
    expect(allowed).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'x-challenge-solution', 'x-inkeep-challenge-solution']),
    );
    expect(res.headers).not.toHaveProperty('access-control-allow-credentials');
    expect(res.headers.vary).toMatch(/Origin/i);
  });

  it('answers a preflight from any origin: the allowlist is the handler’s job', async () => {
    const h = await makeHarness();
    const app = await createTestApp(h);
    const res = await h.http
      .options(`/run/auth/apps/${app.id}/anonymous-session`)
      .set('Origin', EVIL)
      .set('Access-Control-Request-Method', 'POST');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(EVIL);
    expect(res.headers).not.toHaveProperty('access-control-allow-credentials');
  });
});

describe('CORS headers on actual responses', () => {
  it('a successful session carries Access-Control-Allow-Origin and no credentials header', async () => {
    const h = await makeHarness();
    const app = await createTestApp(h);
    const res = await requestAnonymousSession(h, app.id);
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://docs.example.com');
    expect(res.headers).not.toHaveProperty('access-control-allow-credentials');
  });

  it('a 403 origin_not_allowed is readable by the refused widget', async () => {
    const h = await makeHarness();
    const app = await createTestApp(h);
    const res = await requestAnonymousSession(h, app.id, { origin: EVIL });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('origin_not_allowed');
    expect(res.headers['access-control-allow-origin']).toBe(EVIL);
    expect(res.headers).not.toHaveProperty('access-control-allow-credentials');
  });

  it('no run-API answer may be stored by a cache, refusals included (§3)', async () => {
    const h = await makeHarness();
    const app = await createTestApp(h);
    // A 404 is heuristically cacheable (RFC 9111 §4.2.2): a shared cache must
    // not keep answering app_not_found once the app exists.
    const answers = [
      await requestAnonymousSession(h, app.id),
      await requestAnonymousSession(h, app.id, { origin: EVIL }),
      await requestAnonymousSession(h, 'app_doesnotexist0'),
      await h.http.get(`/run/auth/apps/${app.id}/session`).set('Origin', EVIL),
      await h.http.delete(`/run/auth/apps/${app.id}/session`).set('Origin', EVIL),
      await h.http.get('/run/nothing-here').set('Origin', EVIL),
    ];
    expect(answers.map((res) => res.status)).toEqual([200, 403, 404, 401, 405, 404]);
    for (const res of answers) {
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers.vary).toMatch(/Origin/i);
    }
  });

  it('a 404 app_not_found is readable', async () => {
    const h = await makeHarness();
    const res = await requestAnonymousSession(h, 'app_doesnotexist0');
    expect(res.status).toBe(404);
    expect(res.headers['access-control-allow-origin']).toBe('https://docs.example.com');
  });

  it('a 400 pow_required is readable', async () => {
    const h = await makeHarness({ POW_HMAC_SECRET: POW_SECRET, POW_DIFFICULTY: '1000' });
    const app = await createTestApp(h);
    const res = await requestAnonymousSession(h, app.id);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('pow_required');
    expect(res.headers['access-control-allow-origin']).toBe('https://docs.example.com');
  });

  it('sends no Access-Control-Allow-Origin when the request has no Origin', async () => {
    const h = await makeHarness();
    const app = await createTestApp(h);
    const res = await h.http.get(`/run/auth/apps/${app.id}/session`);
    expect(res.status).toBe(401);
    expect(res.headers).not.toHaveProperty('access-control-allow-origin');
  });

  it('is not applied to the management API', async () => {
    const h = await makeHarness();
    const res = await h.http
      .options('/manage/tenants/t1/projects/p1/apps')
      .set('Origin', EVIL)
      .set('Access-Control-Request-Method', 'POST');
    expect(res.headers).not.toHaveProperty('access-control-allow-origin');
  });
});
