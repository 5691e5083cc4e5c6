// What a request leaves in the logs: an allowlist of its headers, so no
// credential — the ones we know of and any header nobody thought of — ever
// reaches a log line, whatever the request's fate (served, refused, failed).
import { Writable } from 'node:stream';
import supertest from 'supertest';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openStore } from '../../src/store/open-store.js';
import { createLogger } from '../../src/logger.js';
import { createServices, type Services } from '../../src/services.js';
import { LINES_PER_SECOND } from '../../src/http/refusal-log.js';
import { APPS, MANAGE_KEY, TestClock } from '../support/harness.js';

const SECRETS = {
  'Proxy-Authorization': 'Basic cHJveHktdXNlcjpwcm94eS1zZWNyZXQ=',
  'X-Api-Key': 'api-key-value-4f1d2c',
  Cookie: 'session=cookie-value-9a8b7c',
  'X-Secret-Thing': 'made-up-secret-e5d4c3',
  'X-Challenge-Solution': 'pow-solution-b2a1f0',
};

let lines: string[];
let svc: Services;
let http: ReturnType<typeof supertest>;

beforeEach(async () => {
  lines = [];
  const capture = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const config = loadConfig({ NODE_ENV: 'test', MANAGE_API_KEY: MANAGE_KEY, DATABASE_URL: ':memory:', RATE_LIMIT_PER_MINUTE: '0' });
  svc = await createServices({ config, store: await openStore(':memory:'), clock: new TestClock(), logger: createLogger('debug', capture) });
  http = supertest(createApp(svc));
});

const logged = () => lines.join('');
const entries = () => lines.map((line) => JSON.parse(line) as Record<string, any>);

/** Waits for the access line pino-http writes when the response has finished. */
async function accessLine(url: string) {
  return vi.waitFor(() => {
    const line = entries().find((entry) => entry.req?.url === url && entry.res);
    if (!line) throw new Error(`no access line for ${url} yet`);
    return line;
  });
}

describe('request logs', () => {
  it.each([
    ['a request served', MANAGE_KEY, 200],
    ['a request refused', 'wrong-key-value-0c9d8e', 401],
  ])('keep only allowlisted headers: %s', async (_name, key, status) => {
    const res = await http
      .get(APPS)
      .set(SECRETS)
      .set('Authorization', `Bearer ${key}`)
      .set('User-Agent', 'latchkey-test/1.0')
      .set('Origin', 'https://docs.example.com')
      .set('X-Request-Id', 'req-123');
    expect(res.status).toBe(status);
    const line = await accessLine(APPS);
    expect(line.req.headers).toEqual({
      'user-agent': 'latchkey-test/1.0',
      origin: 'https://docs.example.com',
      'x-request-id': 'req-123',
    });
    expect(line.req).toMatchObject({ method: 'GET', url: APPS, remoteAddress: expect.any(String) });
    expect(line.res).toEqual({ statusCode: status });
    for (const value of [key, ...Object.values(SECRETS)]) expect(logged()).not.toContain(value);
    expect(logged()).not.toMatch(/proxy-authorization|x-api-key|cookie|x-secret-thing|authorization/i);
  });

  it('keep no header outside the allowlist when a request fails inside a handler', async () => {
    svc.store.apps.list = () => Promise.reject(new TypeError('a bug'));
    await http.get(`${APPS}?session=query-secret-2c3d`).set(SECRETS).set('Authorization', `Bearer ${MANAGE_KEY}`).expect(500);
    await accessLine(`${APPS}?session=%5Bredacted%5D`);
    expect(entries().some((entry) => entry.msg === 'unhandled error')).toBe(true);
    for (const value of [MANAGE_KEY, 'query-secret-2c3d', ...Object.values(SECRETS)]) expect(logged()).not.toContain(value);
  });

  it('keep the values of the query parameters the API defines, not of others', async () => {
    await http.get(`${APPS}?page=1&limit=5&access_token=query-secret-7e6f5a`).set('Authorization', `Bearer ${MANAGE_KEY}`).expect(200);
    const line = await accessLine(`${APPS}?page=1&limit=5&access_token=%5Bredacted%5D`);
    expect(line.req.url).toContain('page=1&limit=5');
    expect(logged()).not.toContain('query-secret-7e6f5a');
  });

  it('of the run API hold no header, and no value of an unknown query parameter', async () => {
    await http.post('/run/auth/apps/app_0123456789abcdef/session').set(SECRETS).set('Authorization', 'Bearer run-token-1a2b3c');
    await http.get('/run/auth/pow/challenge?appId=app_0123456789abcdef&key=run-query-secret-3d4e');
    await vi.waitFor(() => expect(entries().filter((entry) => entry.msg === 'run request')).toHaveLength(2));
    expect(logged()).toContain('appId=app_0123456789abcdef');
    for (const value of ['run-token-1a2b3c', 'run-query-secret-3d4e', ...Object.values(SECRETS)]) expect(logged()).not.toContain(value);
  });
});

describe('operational log lines', () => {
  const info = (msg: string) => entries().filter((entry) => entry.msg === msg && entry.level === 30);

  async function createApp(overrides: Record<string, unknown> = {}) {
    const res = await http
      .post(APPS)
      .set('Authorization', `Bearer ${MANAGE_KEY}`)
      .send({ name: 'Docs Chat Widget', config: { webClient: { allowedDomains: ['docs.example.com'], allowAnonymous: true } }, ...overrides });
    expect(res.status).toBe(201);
    return res.body.data as { id: string };
  }

  it('one info line per refused session request: its request id, app id, code and reason, never the token', async () => {
    const app = await createApp({ config: { webClient: { allowedDomains: ['docs.example.com'], allowAnonymous: false } } });
    const token = 'eyJhbGciOiJFZERTQSIsImtpZCI6Im5vcGUifQ.eyJzdWIiOiJ1c2VyLTQyIn0.c2lnbmF0dXJlLXNlY3JldA';

    const badOrigin = await http.post(`/run/auth/apps/${app.id}/session`).set('Origin', 'https://evil.example').set('X-Request-Id', 'refused-1');
    const badToken = await http
      .post(`/run/auth/apps/${app.id}/session`)
      .set('Origin', 'https://docs.example.com')
      .set('Authorization', `Bearer ${token}`)
      .set('X-Request-Id', 'refused-2');
    expect([badOrigin.status, badToken.status]).toEqual([403, 401]);

    expect(info('session refused')).toEqual([
      expect.objectContaining({ reqId: 'refused-1', appId: app.id, code: 'origin_not_allowed' }),
      expect.objectContaining({ reqId: 'refused-2', appId: app.id, code: 'invalid_token', reason: 'kid_unknown' }),
    ]);
    expect(logged()).not.toContain(token);
    expect(logged()).not.toContain('c2lnbmF0dXJlLXNlY3JldA');
  });

  it('at most LINES_PER_SECOND such lines a second; the rest are counted in one line', async () => {
    const app = await createApp();
    const refuse = () => http.post(`/run/auth/apps/${app.id}/anonymous-session`).set('Origin', 'https://evil.example').expect(403);
    for (let i = 0; i < LINES_PER_SECOND + 7; i += 1) await refuse();
    expect(info('session refused')).toHaveLength(LINES_PER_SECOND);
    // The next second: the count of what was not written, then a line again.
    (svc.clock as TestClock).advance(1);
    await refuse();
    const budget = entries().filter((entry) => entry.msg.startsWith('session refusals not logged'));
    expect(budget).toEqual([expect.objectContaining({ level: 30, suppressed: 7, perSecond: LINES_PER_SECOND })]);
    expect(info('session refused')).toHaveLength(LINES_PER_SECOND + 1);
  });

  it('no such line for a session issued', async () => {
    const app = await createApp();
    await http.post(`/run/auth/apps/${app.id}/anonymous-session`).set('Origin', 'https://docs.example.com').expect(200);
    expect(info('session refused')).toEqual([]);
  });

  it('a signing-key rotation at info, the switch to the new key at info, a revocation at warn', async () => {
    const rotated = await http.post('/manage/signing-keys/rotate').set('Authorization', `Bearer ${MANAGE_KEY}`).send({ immediate: true });
    expect(rotated.status).toBe(201);
    const kid = rotated.body.data.kid as string;
    expect(info('signing key rotated')).toEqual([expect.objectContaining({ kid, immediate: true, reqId: expect.any(String) })]);
    // The next token this node signs uses the new key, and the node says so once.
    await svc.keyring.reload();
    expect(svc.keyring.current.kid).toBe(kid);
    expect(info('signing with a new key')).toEqual([expect.objectContaining({ kid, previousKid: expect.any(String) })]);

    const old = info('signing with a new key')[0]!.previousKid as string;
    await http.post(`/manage/signing-keys/${old}/revoke`).set('Authorization', `Bearer ${MANAGE_KEY}`).expect(200);
    expect(entries().filter((entry) => entry.level === 40 && entry.msg.startsWith('signing key revoked'))).toEqual([
      expect.objectContaining({ kid: old }),
    ]);
  });
});
