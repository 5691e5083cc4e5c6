// Contract §0, §2 (auth) and §3.6: what every client sees whatever it sends —
// JSON errors (never HTML or a stack trace, whatever NODE_ENV is), the
// management key check, body rules, 404/405, and the operations endpoints
// (/openapi.json: test/http/openapi.test.ts).
import { gzipSync } from 'node:zlib';
import type { Response } from 'supertest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { APPS, appBody, auth, createTestApp, makeHarness, MANAGE_KEY, type Harness } from '../support/harness.js';

let h: Harness;

/** The contract's error shape, as JSON, with nothing of Express's or Node's own. */
function expectJsonError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
  expect(res.text).not.toMatch(/<html|<pre|<!DOCTYPE/i);
  expect(res.text).not.toMatch(/\bat \S+ \(|\bat (?:node:|file:|\/)|\\n\s+at /);
}

interface ErrorCase {
  name: string;
  status: number;
  code: string;
  send: (h: Harness) => Promise<Response>;
}

const HUGE = JSON.stringify(appBody({ description: 'x'.repeat(70 * 1024) }));

// Requests a careless or hostile client sends, and the error each must get.
const ERROR_CASES: ErrorCase[] = [
  { name: 'no management key', status: 401, code: 'unauthorized', send: (h) => h.http.get(APPS) },
  {
    name: 'a wrong key of the same length',
    status: 401,
    code: 'unauthorized',
    send: (h) => h.http.get(APPS).set('Authorization', `Bearer ${MANAGE_KEY.replace(/.$/, '!')}`),
  },
  { name: 'a short key', status: 401, code: 'unauthorized', send: (h) => h.http.get(APPS).set('Authorization', 'Bearer x') },
  {
    name: 'a 10 KiB key',
    status: 401,
    code: 'unauthorized',
    send: (h) => h.http.get(APPS).set('Authorization', `Bearer ${'k'.repeat(10_240)}`),
  },
  {
    name: 'the right key with the Basic scheme',
    status: 401,
    code: 'unauthorized',
    send: (h) => h.http.get(APPS).set('Authorization', `Basic ${Buffer.from(`admin:${MANAGE_KEY}`).toString('base64')}`),
  },
  {
    name: 'the right key with no scheme',
    status: 401,
    code: 'unauthorized',
    send: (h) => h.http.get(APPS).set('Authorization', MANAGE_KEY),
  },
  {
    name: 'a body over 64 KiB',
    status: 413,
    code: 'payload_too_large',
    send: (h) => h.http.post(APPS).set(auth).set('Content-Type', 'application/json').send(HUGE),
  },
  {
    name: 'a gzipped body that inflates past 64 KiB',
    status: 413,
    code: 'payload_too_large',
    send: (h) =>
      h.http
        .post(APPS)
        .set(auth)
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'gzip')
        .serialize((body) => body) // send the gzip bytes as they are
        .send(gzipSync(HUGE)),
  },
  {
    name: 'a text/plain body',
    status: 415,
    code: 'unsupported_media_type',
    send: (h) => h.http.post(APPS).set(auth).set('Content-Type', 'text/plain').send('name=x'),
  },
  {
    name: 'a form body',
    status: 415,
    code: 'unsupported_media_type',
    send: (h) => h.http.post(APPS).set(auth).type('form').send({ name: 'x' }),
  },
  {
    name: 'a JSON body in an unsupported charset',
    status: 415,
    code: 'unsupported_media_type',
    send: (h) => h.http.post(APPS).set(auth).set('Content-Type', 'application/json; charset=latin1').send('{}'),
  },
  ...['utf-7', 'UTF-16', 'utf-16le', '"utf-32"', 'utf8'].map((charset) => ({
    name: `a JSON body declared as ${charset}`,
    status: 415,
    code: 'unsupported_media_type',
    send: (h: Harness) => h.http.post(APPS).set(auth).set('Content-Type', `application/json; charset=${charset}`).send('{}'),
  })),
  {
    name: 'a run API request with a UTF-7 JSON body',
    status: 415,
    code: 'unsupported_media_type',
    send: (h: Harness) =>
      h.http.post('/run/auth/apps/app_docswidget01/anonymous-session').set('Content-Type', 'application/json; charset=utf-7').send('{}'),
  },
  {
    name: 'malformed JSON',
    status: 400,
    code: 'invalid_json',
    send: (h) => h.http.post(APPS).set(auth).set('Content-Type', 'application/json').send('{"name": "x",'),
  },
  {
    name: 'a JSON scalar body',
    status: 400,
    code: 'invalid_json',
    send: (h) => h.http.post(APPS).set(auth).set('Content-Type', 'application/json').send('"just a string"'),
  },
  { name: 'an unknown route', status: 404, code: 'not_found', send: (h) => h.http.get('/nowhere') },
  { name: 'an unknown management route', status: 404, code: 'not_found', send: (h) => h.http.get('/manage/nowhere').set(auth) },
  { name: 'PUT on the apps collection', status: 405, code: 'method_not_allowed', send: (h) => h.http.put(APPS).set(auth).send({}) },
  { name: 'DELETE on /healthz', status: 405, code: 'method_not_allowed', send: (h) => h.http.delete('/healthz') },
  {
    name: 'a bad percent-escape in a path parameter',
    status: 400,
    code: 'bad_request',
    send: (h) => h.http.get('/manage/tenants/%E0%A4%A/projects/p1/apps').set(auth),
  },
  {
    name: 'a bad percent-escape in a run path parameter',
    status: 400,
    code: 'bad_request',
    send: (h) => h.http.post('/run/auth/apps/app_%E0%A4%A/anonymous-session').set('Origin', 'https://docs.example.com'),
  },
  { name: 'a bad percent-escape in an unknown path', status: 404, code: 'not_found', send: (h) => h.http.get('/%E0%A4%A') },
  {
    name: 'a malformed app id',
    status: 400,
    code: 'validation_failed',
    send: (h) => h.http.get(`${APPS}/app_!!!`).set(auth),
  },
];

describe.each([
  ['unset', undefined],
  ['production', 'production'],
])('with NODE_ENV %s', (_label, nodeEnv) => {
  beforeEach(async () => {
    // Express reads NODE_ENV when the app is created.
    vi.stubEnv('NODE_ENV', nodeEnv);
    h = await makeHarness({ NODE_ENV: nodeEnv ?? 'development' });
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it.each(ERROR_CASES)('$name answers $status $code as JSON', async ({ send, status, code }) => {
    expectJsonError(await send(h), status, code);
  });

  it.each(['application/json; charset=UTF-8', 'application/json;charset="utf-8"', 'application/json'])(
    'accepts a JSON body sent as %s',
    async (type) => {
      const res = await h.http.post(APPS).set(auth).set('Content-Type', type).send(JSON.stringify(appBody()));
      expect(res.status).toBe(201);
    },
  );

  it('a bug inside a handler answers 500 with a generic message', async () => {
    h.svc.store.apps.list = () => Promise.reject(new TypeError('secret internals: sqlite connection'));
    const res = await h.http.get(APPS).set(auth);
    expectJsonError(res, 500, 'internal_error');
    expect(res.body.error.message).toBe('Internal server error.');
    expect(res.text).not.toMatch(/internals|sqlite|connection/i);
  });

  it('a database that is gone answers 503 service_unavailable with Retry-After, not 500', async () => {
    await h.store.close();
    const res = await h.http.get(APPS).set(auth);
    expectJsonError(res, 503, 'service_unavailable');
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(res.text).not.toMatch(/database|sqlite|connection/i);
  });
});

describe('management authentication', () => {
  beforeEach(async () => {
    h = await makeHarness();
  });

  it('asks for a Bearer key on every 401', async () => {
    for (const res of [
      await h.http.get(APPS),
      await h.http.get(APPS).set('Authorization', 'Bearer wrong'),
      await h.http.get(APPS).set('Authorization', `Basic ${MANAGE_KEY}`),
    ]) {
      expectJsonError(res, 401, 'unauthorized');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
    }
  });

  it('checks the key before anything about the body: no key and a text body is 401, not 415', async () => {
    const res = await h.http.post(APPS).set('Content-Type', 'text/plain').send('name=x');
    expectJsonError(res, 401, 'unauthorized');
    const huge = await h.http.post(APPS).set('Content-Type', 'application/json').send(`{"name":"${'x'.repeat(70_000)}"}`);
    expectJsonError(huge, 401, 'unauthorized');
  });

  it('creates nothing for an unauthenticated request', async () => {
    expectJsonError(await h.http.post(APPS).send(appBody()), 401, 'unauthorized');
    expect((await h.http.get(APPS).set(auth)).body.pagination.total).toBe(0);
  });


  it('accepts the key with the scheme in any case', async () => {
    await h.http.get(APPS).set('Authorization', `bearer ${MANAGE_KEY}`).expect(200);
  });
});

describe('order of answers (contract §0: 404/405, 429, 401, 415/413, 400, missing resource)', () => {
  beforeEach(async () => {
    h = await makeHarness({ TRUST_PROXY: '1' });
  });

  const LOCKED_OUT = { 'X-Forwarded-For': '203.0.113.9' };
  async function lockOut() {
    for (let i = 0; i < 20; i++) await h.http.get(APPS).set(LOCKED_OUT).expect(401);
    expectJsonError(await h.http.get(APPS).set(LOCKED_OUT), 429, 'rate_limited');
  }

  // These replace "hides which management routes exist from a client without
  // the key", which pinned the old order (401 first): contract v2 answers an
  // unknown route or method before it asks for a key.
  it('an unknown management route is 404 without a key, even from a locked-out IP', async () => {
    expectJsonError(await h.http.get('/manage/nowhere'), 404, 'not_found');
    expectJsonError(await h.http.post(`${APPS}/app_0123456789abcdef/nothing`).type('text').send('x'), 404, 'not_found');
    await lockOut();
    expectJsonError(await h.http.get('/manage/nowhere').set(LOCKED_OUT), 404, 'not_found');
  });

  it('a wrong method on a management route is 405 with Allow without a key, even from a locked-out IP', async () => {
    const res = await h.http.put(APPS).type('text').send('x');
    expectJsonError(res, 405, 'method_not_allowed');
    expect(res.headers.allow).toBe('GET, POST, HEAD');
    await lockOut();
    expectJsonError(await h.http.delete(APPS).set(LOCKED_OUT), 405, 'method_not_allowed');
  });

  it('outside /manage too, an unknown route or method comes before the media type', async () => {
    expectJsonError(await h.http.post('/nowhere').type('text').send('x'), 404, 'not_found');
    expectJsonError(await h.http.delete('/healthz').type('text').send('x'), 405, 'method_not_allowed');
    expectJsonError(await h.http.get('/healthz').type('text').send('x'), 415, 'unsupported_media_type');
  });

  it('the lockout comes before 401, 415 and 413', async () => {
    await lockOut();
    expectJsonError(await h.http.post(APPS).set(LOCKED_OUT).type('text').send('x'), 429, 'rate_limited');
    expectJsonError(await h.http.post(APPS).set(LOCKED_OUT).type('json').send(HUGE), 429, 'rate_limited');
  });

  it('401 comes before a malformed path parameter', async () => {
    expectJsonError(await h.http.get(`${APPS}/app_!!!`), 401, 'unauthorized');
  });

  it('415 and 413 come before a body the schema refuses, which comes before a missing app', async () => {
    const missing = `${APPS}/app_0123456789abcdef`;
    expectJsonError(await h.http.patch(missing).set(auth).type('text').send('x'), 415, 'unsupported_media_type');
    const hugeAndBad = JSON.stringify({ name: '\ud800', description: 'x'.repeat(70 * 1024) });
    expectJsonError(await h.http.patch(missing).set(auth).type('json').send(hugeAndBad), 413, 'payload_too_large');
    expectJsonError(await h.http.patch(missing).set(auth).send({ name: 5 }), 400, 'validation_failed');
    expectJsonError(await h.http.patch(missing).set(auth).send({ name: 'x' }), 404, 'app_not_found');
  });
});

describe('405 method_not_allowed', () => {
  beforeEach(async () => {
    h = await makeHarness();
  });

  it.each([
    ['PUT', APPS, 'GET, POST, HEAD'],
    ['POST', `${APPS}/app_0123456789abcdef`, 'GET, PATCH, DELETE, HEAD'],
    ['PATCH', `${APPS}/app_0123456789abcdef/auth-keys`, 'GET, POST, HEAD'],
    ['GET', `${APPS}/app_0123456789abcdef/auth-keys/k1`, 'DELETE'],
    ['DELETE', '/healthz', 'GET, HEAD'],
    ['POST', '/openapi.json', 'GET, HEAD'],
  ])('%s %s names the allowed methods', async (method, path, allow) => {
    const res = await h.http[method.toLowerCase() as 'get'](path).set(auth);
    expectJsonError(res, 405, 'method_not_allowed');
    expect(res.headers.allow?.split(/,\s*/).sort()).toEqual(allow.split(', ').sort());
  });
});

describe('path parameters shaped like object internals', () => {
  it('are plain names, not lookups', async () => {
    h = await makeHarness();
    const path = '/manage/tenants/__proto__/projects/constructor/apps';
    const app = await createTestApp(h, {}, path);
    expect(app).toMatchObject({ tenantId: '__proto__', projectId: 'constructor' });
    expect((await h.http.get(path).set(auth).expect(200)).body.pagination.total).toBe(1);
    expect((await h.http.get(APPS).set(auth).expect(200)).body.pagination.total).toBe(0);
  });
});

describe('operations endpoints', () => {
  beforeEach(async () => {
    h = await makeHarness();
  });

  it('/healthz answers 200 without the management key', async () => {
    const res = await h.http.get('/healthz').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('/readyz answers 200 while the database is reachable, 503 once it is not', async () => {
    await h.http.get('/readyz').expect(200);
    await h.store.close();
    const res = await h.http.get('/readyz');
    expectJsonError(res, 503, 'service_unavailable');
    // Liveness does no I/O, so it still answers.
    await h.http.get('/healthz').expect(200);
  });
});
