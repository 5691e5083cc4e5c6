// GET /metrics (contract §3.6), read as Prometheus reads it: what an operator
// graphs and alerts on moves with what widgets and admins do, every name
// starts with latchkey_, METRICS_TOKEN keeps strangers out, and no label value
// is ever an app id, user id, token or IP — however a client calls.
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/http/server.js';
import { claimsAt, forge, requestSession } from '../support/customer-jwt.js';
import { addTestKey, APPS, appBody, auth, createTestApp, makeHarness, POW_SECRET, type Harness } from '../support/harness.js';
import { edKey } from '../support/keys.js';
import { rawExchange } from '../support/raw-http.js';
import { anonymousToken, encodeSolution, fetchSolution, requestAnonymousSession } from '../support/run-api.js';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef0123456789';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition. */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[name!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

async function scrape(h: Harness): Promise<{ text: string; samples: Sample[] }> {
  const res = await h.http.get('/metrics').expect(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return { text: res.text, samples: parse(res.text) };
}

/** The value of the one sample with this name and these labels (among others); 0 when there is none. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0]?.value ?? 0;
}

const ANON = '/run/auth/apps/{appId}/anonymous-session';
const SESSION = '/run/auth/apps/{appId}/session';
const APPS_TEMPLATE = '/manage/tenants/{tenantId}/projects/{projectId}/apps';

describe('GET /metrics', () => {
  it('names every metric latchkey_…, process and Node.js metrics included', async () => {
    const h = await makeHarness();
    const { text } = await scrape(h);
    const names = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(20);
    for (const name of names) expect(name).toMatch(/^latchkey_/);
    expect(names).toEqual(
      expect.arrayContaining([
        'latchkey_process_cpu_user_seconds_total',
        'latchkey_nodejs_eventloop_lag_seconds',
        'latchkey_http_requests_total',
        'latchkey_http_request_duration_seconds',
        'latchkey_sessions_issued_total',
        'latchkey_signing_key_age_seconds',
        'latchkey_store_errors_total',
      ]),
    );
  });

  it('counts requests by route template, method and status, and times them per route', async () => {
    const h = await makeHarness();
    const app = await createTestApp(h);
    await requestAnonymousSession(h, app.id).expect(200);
    await requestAnonymousSession(h, app.id, { origin: 'https://evil.example' }).expect(403);
    await h.http.get('/no/such/path').expect(404);
    await h.http.get('/run/auth/no-such-route').expect(404);
    await h.http.options(`/run/auth/apps/${app.id}/anonymous-session`).set('Origin', 'https://docs.example.com').set('Access-Control-Request-Method', 'POST').expect(204);
    // A refused management request counts under the route it was for, not as unmatched.
    await h.http.get(APPS).set('Authorization', 'Bearer wrong-key').expect(401);

    const { samples } = await scrape(h);
    const requests = 'latchkey_http_requests_total';
    expect(value(samples, requests, { route: ANON, method: 'POST', status: '200' })).toBe(1);
    expect(value(samples, requests, { route: ANON, method: 'POST', status: '403' })).toBe(1);
    expect(value(samples, requests, { route: APPS_TEMPLATE, method: 'POST', status: '201' })).toBe(1);
    expect(value(samples, requests, { route: APPS_TEMPLATE, method: 'GET', status: '401' })).toBe(1);
    expect(value(samples, requests, { route: 'unmatched', method: 'GET', status: '404' })).toBe(2);
    expect(value(samples, requests, { route: ANON, method: 'OPTIONS', status: '204' })).toBe(1);

    const latency = 'latchkey_http_request_duration_seconds';
    expect(value(samples, `${latency}_count`, { route: ANON, method: 'POST' })).toBe(2);
    expect(value(samples, `${latency}_bucket`, { route: ANON, method: 'POST', le: '+Inf' })).toBe(2);
    expect(value(samples, `${latency}_sum`, { route: ANON, method: 'POST' })).toBeGreaterThan(0);

    const errors = 'latchkey_http_errors_total';
    expect(value(samples, errors, { code: 'origin_not_allowed' })).toBe(1);
    expect(value(samples, errors, { code: 'not_found' })).toBe(2);
    expect(value(samples, errors, { code: 'unauthorized' })).toBe(1);
  });

  it('counts sessions by auth, a fallback as anonymous, and fallbacks by reason', async () => {
    const h = await makeHarness();
    const app = await createTestApp(h);
    const key = edKey();
    await addTestKey(h, app, { kid: 'k1', algorithm: 'EdDSA', publicKey: key.publicPem });
    const signed = (claims: Record<string, unknown>) => forge({ header: { alg: 'EdDSA', kid: 'k1' }, payload: claims, key: key.privateKey });

    await requestSession(h, app.id, { token: signed(claimsAt(h.clock.seconds)) }).expect(200);
    await requestSession(h, app.id, { token: signed(claimsAt(h.clock.seconds)) }).expect(200);
    const expired = await requestSession(h, app.id, { token: signed(claimsAt(h.clock.seconds - 7200, { exp: h.clock.seconds - 10 })) });
    expect(expired.status).toBe(200);
    expect(expired.body.authMethod).toBe('anonymous');
    await anonymousToken(h, app.id);

    const { samples } = await scrape(h);
    expect(value(samples, 'latchkey_sessions_issued_total', { auth: 'authenticated' })).toBe(2);
    expect(value(samples, 'latchkey_sessions_issued_total', { auth: 'anonymous' })).toBe(2);
    expect(value(samples, 'latchkey_session_fallbacks_total', { reason: 'expired' })).toBe(1);
    expect(value(samples, 'latchkey_http_requests_total', { route: SESSION, method: 'POST', status: '200' })).toBe(3);
  });

  it('counts proof-of-work outcomes: ok, or the error code answered', async () => {
    const h = await makeHarness({ POW_HMAC_SECRET: POW_SECRET, POW_DIFFICULTY: '1000' });
    const app = await createTestApp(h);
    const solution = await fetchSolution(h, app.id);
    await requestAnonymousSession(h, app.id, { solution }).expect(200);
    await requestAnonymousSession(h, app.id, { solution }).expect(403);
    await requestAnonymousSession(h, app.id).expect(400);
    await requestAnonymousSession(h, app.id, { solution: encodeSolution({ nonsense: true }) }).expect(400);

    const { samples } = await scrape(h);
    const pow = 'latchkey_pow_verifications_total';
    expect(value(samples, pow, { outcome: 'ok' })).toBe(1);
    expect(value(samples, pow, { outcome: 'pow_replayed' })).toBe(1);
    expect(value(samples, pow, { outcome: 'pow_required' })).toBe(1);
    expect(value(samples, pow, { outcome: 'pow_malformed' })).toBe(1);
  });

  it('reports how long the current signing key has been signing, and restarts the count on rotation', async () => {
    const h = await makeHarness();
    h.clock.advance(3600);
    expect(value((await scrape(h)).samples, 'latchkey_signing_key_age_seconds')).toBe(3600);
    await h.http.post('/manage/signing-keys/rotate').set(auth).send({ immediate: true }).expect(201);
    h.clock.advance(60);
    expect(value((await scrape(h)).samples, 'latchkey_signing_key_age_seconds')).toBe(60);
  });

  it('counts store errors when the database cannot serve', async () => {
    const h = await makeHarness();
    await h.store.close();
    expect((await h.http.get('/readyz')).status).toBe(503);
    const { samples } = await scrape(h);
    expect(value(samples, 'latchkey_store_errors_total')).toBe(1);
    expect(value(samples, 'latchkey_http_errors_total', { code: 'service_unavailable' })).toBe(1);
  });

  it('counts a request refused below the application by its error code', async () => {
    const h = await makeHarness();
    const { server, stop } = createHttpServer(h.app, { metrics: h.svc.metrics });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const res = await rawExchange((server.address() as AddressInfo).port, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
      expect(res.status).toBe(400);
    } finally {
      await stop(100);
    }
    expect(value((await scrape(h)).samples, 'latchkey_http_errors_total', { code: 'bad_request' })).toBe(1);
  });

  it('never grows a series per app, user, token, path or client address', async () => {
    const h = await makeHarness({ TRUST_PROXY: '1' });
    const app = await createTestApp(h);
    const before = parse((await scrape(h)).text).length;
    const tokens: string[] = [];
    const ours = (samples: Sample[]) => samples.filter((s) => !s.name.startsWith('latchkey_process_') && !s.name.startsWith('latchkey_nodejs_'));
    let afterFirst = 0;
    // Two rounds of the same kinds of request from other apps, users, paths and addresses.
    for (let round = 0; round < 2; round += 1) {
      const other = await createTestApp(h, { name: `widget ${round}` });
      const session = await anonymousToken(h, other.id);
      tokens.push(session.token, session.userId, other.id);
      await requestAnonymousSession(h, other.id).set('X-Forwarded-For', `203.0.113.${round + 7}`).expect(200);
      await h.http.get(`/run/auth/apps/${other.id}/session`).set('Authorization', `Bearer ${session.token}`).expect(200);
      await requestAnonymousSession(h, `app_missing${round}xxxxxxx`).expect(404);
      await h.http.get(`/secret-${round}-path`).expect(404);
      await h.http.get(`${APPS}/app_nothere${round}xxxxxx`).set(auth).expect(404);
      // The first round makes each kind of series once; the second must add none.
      if (round === 0) afterFirst = ours((await scrape(h)).samples).length;
    }
    const { text, samples } = await scrape(h);
    expect(ours(samples).length).toBe(afterFirst);
    expect(samples.length).toBeGreaterThan(before);
    for (const secret of [...tokens, app.id, '203.0.113', '127.0.0.1', 'secret-0-path', 'app_missing', 'app_nothere']) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('METRICS_TOKEN', () => {
  let h: Harness;
  afterEach(() => h.close());

  it('makes /metrics answer 401 unauthorized without it, with a wrong one, or with two credentials', async () => {
    h = await makeHarness({ METRICS_TOKEN });
    for (const authorization of [undefined, 'Bearer wrong-token', `Basic ${METRICS_TOKEN}`, `Bearer ${METRICS_TOKEN}x`]) {
      const req = h.http.get('/metrics');
      if (authorization) req.set('Authorization', authorization);
      const res = await req;
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.text).not.toContain('latchkey_');
    }
    const res = await h.http.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    expect(res.text).toContain('latchkey_http_requests_total');
  });

  it('answers 401 before 415 (contract §0 order), and 415 to a scraper with the token that sends a non-JSON body', async () => {
    h = await makeHarness({ METRICS_TOKEN });
    const anonymous = await h.http.get('/metrics').set('Content-Type', 'text/plain').send('hello');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('unauthorized');
    const scraper = await h.http.get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).set('Content-Type', 'text/plain').send('hello');
    expect(scraper.status).toBe(415);
    expect(scraper.body.error.code).toBe('unsupported_media_type');
    // An unknown path or method is still 404/405 first.
    await h.http.post('/metrics').expect(405);
    await h.http.get('/metrics/extra').expect(404);
  });

  it('is refused at start when shorter than 32 characters', async () => {
    await expect(makeHarness({ METRICS_TOKEN: 'short' })).rejects.toThrow(/METRICS_TOKEN/);
    h = await makeHarness();
  });
});

describe('METRICS_ENABLED=false', () => {
  it('serves no /metrics', async () => {
    const h = await makeHarness({ METRICS_ENABLED: 'false' });
    const res = await h.http.get('/metrics').expect(404);
    expect(res.body.error.code).toBe('not_found');
    // Everything else is served as before.
    const app = await createTestApp(h);
    await requestAnonymousSession(h, app.id).expect(200);
    await h.http.post(APPS).set(auth).send(appBody()).expect(201);
  });
});
