// Contract §2.1: the apps management API, driven over HTTP.
import { beforeEach, describe, expect, it } from 'vitest';
import { addTestKey, APPS, appBody, appUrl, auth, createTestApp, makeHarness, type Harness } from '../support/harness.js';
import { ecKey } from '../support/keys.js';
import { requestAnonymousSession } from '../support/run-api.js';

const APP_ID = /^app_[A-Za-z0-9_-]{8,64}$/;
const OTHER_TENANT = '/manage/tenants/t2/projects/p1/apps';
const OTHER_PROJECT = '/manage/tenants/t1/projects/p2/apps';

let h: Harness;
beforeEach(async () => {
  h = await makeHarness();
});

const withDomains = (allowedDomains: unknown) => ({ config: { webClient: { allowedDomains } } });

async function listTotal(path = APPS): Promise<number> {
  const res = await h.http.get(path).set(auth).expect(200);
  return res.body.pagination.total;
}

function expectValidationFailed(res: { status: number; body: any }, path?: string) {
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('validation_failed');
  expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ message: expect.any(String) })]));
  if (path !== undefined) expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
}

describe('creating an app', () => {
  it('answers 201 with the App resource, its id and times set by the server', async () => {
    const res = await h.http
      .post(APPS)
      .set(auth)
      .send({ name: 'Docs Chat Widget', config: { webClient: { allowedDomains: ['docs.example.com'] } } })
      .expect(201);
    const now = new Date(h.clock.now()).toISOString();
    expect(res.body).toEqual({
      data: {
        id: expect.stringMatching(APP_ID),
        tenantId: 't1',
        projectId: 'p1',
        name: 'Docs Chat Widget',
        description: null,
        type: 'web_client',
        defaultAgentId: null,
        prompt: null,
        enabled: true,
        config: { type: 'web_client', webClient: { allowedDomains: ['docs.example.com'], allowAnonymous: true, customerJwt: {} } },
        createdAt: now,
        updatedAt: now,
      },
    });
  });

  it('stores every field sent, and GET returns the same resource', async () => {
    const created = await createTestApp(h, {
      description: 'On the docs site',
      enabled: false,
      config: { type: 'web_client', webClient: { allowedDomains: ['docs.example.com'], allowAnonymous: false } },
    });
    expect(created).toMatchObject({
      name: 'Docs Chat Widget',
      description: 'On the docs site',
      defaultAgentId: 'agent-1',
      prompt: 'Be concise.',
      enabled: false,
      config: { webClient: { allowAnonymous: false } },
    });
    const read = await h.http.get(appUrl(created)).set(auth).expect(200);
    expect(read.body.data).toEqual(created);
  });

  it('gives every app a fresh id', async () => {
    const a = await createTestApp(h);
    const b = await createTestApp(h);
    expect(a.id).not.toBe(b.id);
  });

  it.each([
    ['id', 'app_chosenbytheclient'],
    ['createdAt', '2020-01-01T00:00:00.000Z'],
    ['updatedAt', '2020-01-01T00:00:00.000Z'],
    ['tenantId', 't2'],
    ['projectId', 'p2'],
  ])('refuses a body that sets the server-owned %s', async (key, value) => {
    const res = await h.http.post(APPS).set(auth).send(appBody({ [key]: value }));
    expectValidationFailed(res);
    expect(JSON.stringify(res.body.error.details)).toContain(key);
    expect(await listTotal()).toBe(0);
    expect(await listTotal(OTHER_TENANT)).toBe(0);
  });

  it.each([
    ['a top-level key', { colour: 'blue' }, ''],
    ['a key in config', { config: { webClient: { allowedDomains: ['a.example'] }, theme: 'dark' } }, 'config'],
    ['a key in webClient', { config: { webClient: { allowedDomains: ['a.example'], allowAll: true } } }, 'config.webClient'],
  ])('refuses unknown keys: %s', async (_name, overrides, path) => {
    expectValidationFailed(await h.http.post(APPS).set(auth).send(appBody(overrides)), path);
  });

  it.each([
    ['enabled', { enabled: 'false' }],
    ['config.webClient.allowAnonymous', { config: { webClient: { allowedDomains: ['a.example'], allowAnonymous: 'false' } } }],
  ])('refuses the string "false" for the boolean %s', async (path, overrides) => {
    expectValidationFailed(await h.http.post(APPS).set(auth).send(appBody(overrides)), path);
    expect(await listTotal()).toBe(0);
  });

  it('refuses a __proto__ key and pollutes nothing', async () => {
    const raw = '{"__proto__":{"polluted":1},"name":"n","config":{"webClient":{"allowedDomains":["a.example"]}}}';
    const res = await h.http.post(APPS).set(auth).set('Content-Type', 'application/json').send(raw);
    expectValidationFailed(res);
    expect(JSON.stringify(res.body.error.details)).toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await listTotal()).toBe(0);
  });

  it.each([
    ['name', { name: '' }],
    ['name', { name: 'x'.repeat(201) }],
    ['name', { name: undefined }],
    ['type', { type: 'server' }],
    ['prompt', { prompt: 'x'.repeat(10_001) }],
    ['config', { config: undefined }],
  ])('refuses a bad %s', async (path, overrides) => {
    expectValidationFailed(await h.http.post(APPS).set(auth).send(appBody(overrides)), path);
  });

  it('accepts a prompt of exactly 10 000 characters', async () => {
    const app = await createTestApp(h, { prompt: 'x'.repeat(10_000) });
    expect(app.prompt).toHaveLength(10_000);
  });
});

describe('allowed domains', () => {
  it.each([
    ['DOCS.Example.COM', 'docs.example.com'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['*.Bücher.example', '*.xn--bcher-kva.example'],
    ['https://docs.example.com', 'docs.example.com'],
    ['http://docs.example.com', 'http://docs.example.com'],
    ['docs.example.com:443', 'docs.example.com'],
    ['docs.example.com:8443', 'docs.example.com:8443'],
    ['*.example.com', '*.example.com'],
    ['localhost:5173', 'localhost:5173'],
  ])('stores %s as %s', async (entry, stored) => {
    const app = await createTestApp(h, withDomains([entry]));
    expect(app.config).toEqual({ type: 'web_client', webClient: { allowedDomains: [stored], allowAnonymous: true, customerJwt: {} } });
  });

  it('stores two spellings of one host once', async () => {
    const app = await createTestApp(h, withDomains(['bücher.example', 'XN--BCHER-KVA.example', 'https://bücher.example:443']));
    expect(app.config).toMatchObject({ webClient: { allowedDomains: ['xn--bcher-kva.example'] } });
  });

  it.each([
    '*',
    '*.com',
    '*.co.uk',
    '*.github.io',
    'example.com/path',
    'example.com?q',
    'user@example.com',
    ' example.com',
    '',
    'a.*.example.com',
    // Regression: the URL parser kept these as they were, or rewrote them into another host.
    '!!!',
    'a,b.com',
    '-a.com',
    'a_b.com',
    '%41.com',
    '0x7f.1',
    `${'a'.repeat(64)}.com`,
  ])(
    'refuses %j, naming the entry',
    async (entry) => {
      const res = await h.http.post(APPS).set(auth).send(appBody(withDomains(['ok.example.com', entry])));
      expectValidationFailed(res, 'config.webClient.allowedDomains.1');
      expect(await listTotal()).toBe(0);
    },
  );

  it('refuses no entries and more than 50, accepts 50', async () => {
    const domains = (n: number) => Array.from({ length: n }, (_, i) => `d${i}.example.com`);
    expectValidationFailed(await h.http.post(APPS).set(auth).send(appBody(withDomains([]))), 'config.webClient.allowedDomains');
    expectValidationFailed(await h.http.post(APPS).set(auth).send(appBody(withDomains(domains(51)))), 'config.webClient.allowedDomains');
    const app = await createTestApp(h, withDomains(domains(50)));
    expect((app.config as { webClient: { allowedDomains: string[] } }).webClient.allowedDomains).toHaveLength(50);
  });
});

describe('listing apps', () => {
  it('pages through a project’s apps, oldest first, with the total', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await createTestApp(h, { name: `app ${i}` })).id);
      h.clock.advance(1);
    }
    await createTestApp(h, {}, OTHER_TENANT);
    await createTestApp(h, {}, OTHER_PROJECT);

    const page1 = await h.http.get(`${APPS}?page=1&limit=2`).set(auth).expect(200);
    expect(page1.body.data.map((a: { id: string }) => a.id)).toEqual(ids.slice(0, 2));
    expect(page1.body.pagination).toEqual({ page: 1, limit: 2, total: 3 });

    const page2 = await h.http.get(`${APPS}?page=2&limit=2`).set(auth).expect(200);
    expect(page2.body.data.map((a: { id: string }) => a.id)).toEqual(ids.slice(2));
    expect(page2.body.pagination).toEqual({ page: 2, limit: 2, total: 3 });

    const page3 = await h.http.get(`${APPS}?page=3&limit=2`).set(auth).expect(200);
    expect(page3.body).toEqual({ data: [], pagination: { page: 3, limit: 2, total: 3 } });
  });

  it('defaults to page 1 of 50', async () => {
    const res = await h.http.get(APPS).set(auth).expect(200);
    expect(res.body).toEqual({ data: [], pagination: { page: 1, limit: 50, total: 0 } });
  });

  it('lists apps created within the same millisecond in creation order', async () => {
    // Regression: ties on createdAt were broken by the random id, so a script
    // creating apps in a burst saw them listed in random order.
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await createTestApp(h, { name: `burst ${i}` })).id);
    const res = await h.http.get(APPS).set(auth).expect(200);
    expect(res.body.data.map((a: { id: string }) => a.id)).toEqual(ids);
  });

  it.each([
    'limit=101',
    'limit=0',
    'page=0',
    'limit=abc',
    'page=-1',
    'limit=1.5',
    // Regression: Number() read each of these as a page number.
    'page=0x2',
    'limit=1e1',
    'page=%205',
    'page=5%20',
    'page=%2B5',
    'page=05',
    'limit=5.0',
    'page=',
    'limit=',
    'page=1&page=2',
    'limit=5&limit=5',
  ])('refuses %s', async (query) => {
    const res = await h.http.get(`${APPS}?${query}`).set(auth);
    expectValidationFailed(res, query.split('=')[0]);
  });

  it('reads the largest page number and limit as given', async () => {
    const res = await h.http.get(`${APPS}?page=1000000&limit=100`).set(auth).expect(200);
    expect(res.body.pagination).toEqual({ page: 1_000_000, limit: 100, total: 0 });
  });
});

describe('reading, patching and deleting an app', () => {
  it.each([
    ['another tenant', OTHER_TENANT],
    ['another project', OTHER_PROJECT],
  ])('an app of %s is 404 app_not_found, and stays untouched', async (_name, otherPath) => {
    const app = await createTestApp(h);
    const foreign = `${otherPath}/${app.id}`;
    const missing = `${APPS}/app_doesnotexist0000`;
    for (const path of [foreign, missing]) {
      const get = await h.http.get(path).set(auth);
      const patch = await h.http.patch(path).set(auth).send({ name: 'hijacked', enabled: false });
      const del = await h.http.delete(path).set(auth);
      for (const res of [get, patch, del]) {
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ error: { code: 'app_not_found', message: expect.any(String) } });
      }
    }
    const read = await h.http.get(appUrl(app)).set(auth).expect(200);
    expect(read.body.data).toEqual(app);
  });

  it('PATCH is a merge-patch: toggling allowAnonymous leaves name, domains and keys as they were', async () => {
    const app = await createTestApp(h, withDomains(['docs.example.com', '*.example.org']));
    const key = await addTestKey(h, app, { kid: 'k1', algorithm: 'ES256', publicKey: ecKey('P-256').publicPem });
    h.clock.advance(60);

    const res = await h.http
      .patch(appUrl(app))
      .set(auth)
      .send({ config: { webClient: { allowAnonymous: false } } })
      .expect(200);

    expect(res.body.data).toEqual({
      ...app,
      config: { type: 'web_client', webClient: { allowedDomains: ['docs.example.com', '*.example.org'], allowAnonymous: false, customerJwt: {} } },
      updatedAt: new Date(h.clock.now()).toISOString(),
    });
    const keys = await h.http.get(appUrl(app, '/auth-keys')).set(auth).expect(200);
    expect(keys.body.data).toEqual([key]);
  });

  it('PATCH replaces the allowed domains when they are sent, normalized', async () => {
    const app = await createTestApp(h);
    const res = await h.http
      .patch(appUrl(app))
      .set(auth)
      .send({ config: { webClient: { allowedDomains: ['Bücher.example'] } } })
      .expect(200);
    expect(res.body.data.config.webClient).toEqual({ allowedDomains: ['xn--bcher-kva.example'], allowAnonymous: true, customerJwt: {} });
  });

  it('PATCH with null clears a nullable field and leaves the others', async () => {
    const app = await createTestApp(h, { description: 'to be removed' });
    const res = await h.http.patch(appUrl(app)).set(auth).send({ description: null }).expect(200);
    expect(res.body.data).toMatchObject({ description: null, prompt: 'Be concise.', defaultAgentId: 'agent-1', name: app.name });
  });

  it.each([
    ['a null name', { name: null }, 'name'],
    ['"false" for enabled', { enabled: 'false' }, 'enabled'],
    ['a server-owned id', { id: 'app_chosenbytheclient' }, ''],
    ['a refused domain', { config: { webClient: { allowedDomains: ['*'] } } }, 'config.webClient.allowedDomains.0'],
    ['no domains', { config: { webClient: { allowedDomains: [] } } }, 'config.webClient.allowedDomains'],
    ['an unknown key', { webClient: {} }, ''],
  ])('PATCH refuses %s and changes nothing', async (_name, patch, path) => {
    const app = await createTestApp(h);
    h.clock.advance(60);
    expectValidationFailed(await h.http.patch(appUrl(app)).set(auth).send(patch), path);
    const read = await h.http.get(appUrl(app)).set(auth).expect(200);
    expect(read.body.data).toEqual(app);
  });

  it('PATCH takes effect on the next session request', async () => {
    const app = await createTestApp(h);
    const session = () => requestAnonymousSession(h, app.id);
    expect((await session()).status).toBe(200);
    await h.http.patch(appUrl(app)).set(auth).send({ config: { webClient: { allowAnonymous: false } } }).expect(200);
    expect((await session()).body.error.code).toBe('anonymous_disabled');
  });

  it('DELETE answers 204, then the app and its keys are gone', async () => {
    const app = await createTestApp(h);
    await addTestKey(h, app, { kid: 'k1', algorithm: 'ES256', publicKey: ecKey('P-256').publicPem });
    const other = await createTestApp(h);
    await addTestKey(h, other, { kid: 'k1', algorithm: 'ES256', publicKey: ecKey('P-256').publicPem });

    const del = await h.http.delete(appUrl(app)).set(auth).expect(204);
    expect(del.text).toBe('');

    expect((await h.http.get(appUrl(app)).set(auth)).body.error.code).toBe('app_not_found');
    expect((await h.http.delete(appUrl(app)).set(auth)).body.error.code).toBe('app_not_found');
    expect((await h.http.get(appUrl(app, '/auth-keys')).set(auth)).body.error.code).toBe('app_not_found');
    expect(await h.query('select * from auth_keys where app_id = ?', [app.id])).toEqual([]);
    expect((await requestAnonymousSession(h, app.id)).status).toBe(404);

    // The other app is untouched.
    expect((await h.http.get(appUrl(other, '/auth-keys')).set(auth).expect(200)).body.data).toHaveLength(1);
  });
});

describe('malformed path parameters', () => {
  it.each([
    `${APPS}/nope`,
    `${APPS}/app_!!!`,
    `${APPS}/app_short`,
    `${APPS}/app_${'a'.repeat(65)}`,
    `${APPS}/nope/auth-keys`,
    `${APPS}/nope/auth-keys/k1`,
    `/manage/tenants/${'t'.repeat(65)}/projects/p1/apps`,
    '/manage/tenants/t.1/projects/p1/apps',
    '/manage/tenants/t1/projects/p%201/apps',
  ])('%s answers 400 validation_failed or 404, never 500', async (path) => {
    for (const method of ['get', 'patch', 'delete', 'post'] as const) {
      const res = await h.http[method](path).set(auth).send({});
      expect(res.status, `${method} ${path}`).toBeLessThan(500);
      if (res.status === 400) expect(res.body.error.code).toBe('validation_failed');
      else expect([404, 405]).toContain(res.status);
    }
  });
});
