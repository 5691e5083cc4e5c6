// Contract §0: every response carries X-Request-Id — the request's own when it
// is a plain token of at most 128 characters, else a new one — and every log
// line of the request carries the same id. (Requests refused below the
// application: test/server/http-limits.test.ts.)
import { Writable } from 'node:stream';
import { pino } from 'pino';
import supertest from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openStore } from '../../src/store/open-store.js';
import { createServices } from '../../src/services.js';
import { APPS, auth, createTestApp, makeHarness, MANAGE_KEY, TestClock, type Harness } from '../support/harness.js';
import { ORIGIN, requestAnonymousSession } from '../support/run-api.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let h: Harness;
let appId: string;
beforeAll(async () => {
  h = await makeHarness();
  appId = (await createTestApp(h)).id;
});

// One request of each kind: the run API and Express, answers and errors.
const REQUESTS: Record<string, () => supertest.Test> = {
  'a run API session': () => requestAnonymousSession(h, appId),
  'a run API error': () => h.http.post('/run/auth/apps/app_missing123/anonymous-session').set('Origin', ORIGIN),
  'a run API 404': () => h.http.get('/run/nothing'),
  'a CORS preflight': () =>
    h.http.options(`/run/auth/apps/${appId}/anonymous-session`).set('Origin', ORIGIN).set('Access-Control-Request-Method', 'POST'),
  'a management answer': () => h.http.get(APPS).set(auth),
  'a management 401': () => h.http.get(APPS),
  'a 404': () => h.http.get('/nothing'),
  'the JWKS': () => h.http.get('/.well-known/jwks.json'),
};

describe('every response carries X-Request-Id', () => {
  for (const [name, send] of Object.entries(REQUESTS)) {
    it(`${name}: a new one, or the request's own`, async () => {
      const fresh = await send();
      expect(fresh.headers['x-request-id']).toMatch(UUID);
      const own = await send().set('X-Request-Id', 'edge-7f3a.01:retry_2');
      expect(own.headers['x-request-id']).toBe('edge-7f3a.01:retry_2');
    });
  }

  it('a new id for each request', async () => {
    const ids = await Promise.all([1, 2, 3].map(async () => (await h.http.get('/healthz')).headers['x-request-id']));
    expect(new Set(ids).size).toBe(3);
  });

  it('keeps an id of 128 characters', async () => {
    const id = 'a'.repeat(128);
    expect((await h.http.get('/healthz').set('X-Request-Id', id)).headers['x-request-id']).toBe(id);
    expect((await requestAnonymousSession(h, appId).set('X-Request-Id', id)).headers['x-request-id']).toBe(id);
  });

  const REFUSED = {
    'too long': 'a'.repeat(129),
    'with a space': 'abc def',
    'with a slash': 'abc/def',
    'with a log-forging newline escape': 'abc\\ninjected',
    'with a quote': 'abc"def',
    'not ASCII': 'café',
    'empty': '',
  };
  for (const [name, id] of Object.entries(REFUSED)) {
    it(`replaces an id ${name}`, async () => {
      const express = await h.http.get('/healthz').set('X-Request-Id', id);
      expect(express.headers['x-request-id']).toMatch(UUID);
      const run = await requestAnonymousSession(h, appId).set('X-Request-Id', id);
      expect(run.headers['x-request-id']).toMatch(UUID);
    });
  }

  it('replaces two ids sent at once', async () => {
    const res = await h.http.get('/healthz').set('X-Request-Id', ['one', 'two'] as unknown as string);
    expect(res.headers['x-request-id']).toMatch(UUID);
  });
});

describe('a widget on another origin', () => {
  it('may send its own X-Request-Id and read the one answered', async () => {
    const preflight = await h.http
      .options(`/run/auth/apps/${appId}/anonymous-session`)
      .set('Origin', ORIGIN)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'x-request-id');
    expect(preflight.headers['access-control-allow-headers']).toMatch(/\bX-Request-Id\b/i);
    const res = await requestAnonymousSession(h, appId).set('X-Request-Id', 'widget-42');
    expect(res.headers['x-request-id']).toBe('widget-42');
    expect(res.headers['access-control-expose-headers']).toMatch(/\bX-Request-Id\b/i);
  });
});

describe('every log line of a request carries its id', () => {
  async function loggingApp() {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const config = loadConfig({ NODE_ENV: 'test', MANAGE_API_KEY: MANAGE_KEY, RATE_LIMIT_PER_MINUTE: '0', DATABASE_URL: ':memory:' });
    const svc = await createServices({ config, store: await openStore(':memory:'), clock: new TestClock(), logger: pino({ level: 'debug' }, sink) });
    return { http: supertest(createApp(svc)), lines };
  }

  it('on the management API and the run API, as `reqId`', async () => {
    const { http, lines } = await loggingApp();
    await http.get(APPS).set(auth).set('X-Request-Id', 'manage-1').expect(200);
    await http.get('/run/auth/apps/app_missing123/session').set('X-Request-Id', 'run-1').expect(404);
    const fresh = await http.get('/healthz').expect(200);

    for (const id of ['manage-1', 'run-1', fresh.headers['x-request-id']]) {
      const own = lines.filter((line) => line.reqId === id);
      expect(own.length, `log lines of ${id}`).toBeGreaterThan(0);
    }
    // No line of a request is left without its id.
    expect(lines.filter((line) => line.reqId === undefined)).toEqual([]);
  });
});
