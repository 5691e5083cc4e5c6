// §2.3 from the outside: the root key gives a customer a key for its own
// tenant (or one project); that key manages its apps and public keys and
// reaches nothing else — another tenant, another project, the root's routes —
// and stops working the moment it is revoked or expires.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { APPS, appBody, appUrl, auth, createTestApp, makeHarness, type Harness } from '../support/harness.js';
import { ecKey } from '../support/keys.js';

let h: Harness;

beforeEach(async () => {
  h = await makeHarness();
});

const bearer = (secret: string) => ({ Authorization: `Bearer ${secret}` });

async function createKey(body: Record<string, unknown>) {
  const res = await h.http.post('/manage/api-keys').set(auth).send(body);
  expect(res.status).toBe(201);
  return res.body as { data: Record<string, unknown> & { id: string }; secret: string };
}

describe('creating a scoped key', () => {
  it('shows the secret once, with the key resource; listing never shows it again', async () => {
    const { data, secret } = await createKey({ name: 'Acme backend', tenantId: 't1' });
    expect(secret).toMatch(/^lk_mgmt_[A-Za-z0-9_-]{43}$/);
    expect(data).toEqual({
      id: expect.stringMatching(/^key_/),
      name: 'Acme backend',
      tenantId: 't1',
      projectId: null,
      createdAt: new Date(h.clock.now()).toISOString(),
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
    });
    const list = await h.http.get('/manage/api-keys').set(auth).expect(200);
    expect(list.body.data).toEqual([data]);
    expect(list.text).not.toContain(secret);
    expect(list.text).not.toContain(secret.slice('lk_mgmt_'.length));
  });

  it('stores only a hash of the secret', async () => {
    const { secret } = await createKey({ name: 'k', tenantId: 't1' });
    const rows = await h.query('select * from api_keys');
    expect(JSON.stringify(rows)).not.toContain(secret.slice('lk_mgmt_'.length));
  });

  it('lists by tenant', async () => {
    const a = await createKey({ name: 'a', tenantId: 't1' });
    await createKey({ name: 'b', tenantId: 't2' });
    const res = await h.http.get('/manage/api-keys?tenantId=t1').set(auth).expect(200);
    expect(res.body.data.map((k: { id: string }) => k.id)).toEqual([a.data.id]);
  });

  it.each([
    [{ name: '', tenantId: 't1' }],
    [{ name: 'k' }],
    [{ name: 'k', tenantId: 'bad tenant' }],
    [{ name: 'k', tenantId: 't1', projectId: 'p/1' }],
    [{ name: 'k', tenantId: 't1', expiresAt: 'tomorrow' }],
    [{ name: 'k', tenantId: 't1', expiresAt: '2020-01-01T00:00:00Z' }],
    [{ name: 'k', tenantId: 't1', secret: 'mine' }],
  ])('refuses %j with 400 validation_failed', async (body) => {
    const res = await h.http.post('/manage/api-keys').set(auth).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });

  it('revoking a missing key is 404 api_key_not_found', async () => {
    const res = await h.http.delete('/manage/api-keys/key_doesnotexist').set(auth);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('api_key_not_found');
  });
});

describe('what a tenant key reaches', () => {
  let secret: string;
  beforeEach(async () => {
    ({ secret } = await createKey({ name: 'Acme backend', tenantId: 't1' }));
  });

  it('manages its tenant’s apps and public keys, in any of its projects (the customer-backend flow)', async () => {
    const created = await h.http.post(APPS).set(bearer(secret)).send(appBody()).expect(201);
    const app = created.body.data;
    const key = ecKey('P-256');
    const uploaded = await h.http
      .post(appUrl(app, '/auth-keys'))
      .set(bearer(secret))
      .send({ kid: 'k1', algorithm: 'ES256', publicKey: key.publicPem });
    expect(uploaded.status).toBe(201);
    await h.http.post('/manage/tenants/t1/projects/p2/apps').set(bearer(secret)).send(appBody()).expect(201);
    await h.http.get('/manage/tenants/t1/audit-events').set(bearer(secret)).expect(200);
  });

  it('is 403 forbidden on another tenant, whether or not the app exists', async () => {
    const other = await createTestApp(h, {}, '/manage/tenants/t2/projects/p1/apps');
    for (const res of [
      await h.http.get('/manage/tenants/t2/projects/p1/apps').set(bearer(secret)),
      await h.http.get(appUrl(other)).set(bearer(secret)),
      await h.http.get(appUrl({ ...other, id: 'app_doesnotexist00' })).set(bearer(secret)),
      await h.http.delete(appUrl(other)).set(bearer(secret)),
      await h.http.get('/manage/tenants/t2/audit-events').set(bearer(secret)),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    // The other tenant's app is untouched.
    await h.http.get(appUrl(other)).set(auth).expect(200);
  });

  it('is 403 forbidden on the root-only routes', async () => {
    for (const res of [
      await h.http.get('/manage/api-keys').set(bearer(secret)),
      await h.http.post('/manage/api-keys').set(bearer(secret)).send({ name: 'escalate', tenantId: 't2' }),
      await h.http.delete('/manage/api-keys/key_whatever123').set(bearer(secret)),
      await h.http.get('/manage/audit-events').set(bearer(secret)),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    expect((await h.http.get('/manage/api-keys').set(auth)).body.data).toHaveLength(1);
  });

  it('is checked before the body: 403, not 400, for a bad body outside its scope', async () => {
    const res = await h.http.post('/manage/tenants/t2/projects/p1/apps').set(bearer(secret)).send({ nonsense: true });
    expect(res.status).toBe(403);
  });
});

describe('what a project key reaches', () => {
  it('only its project, and its tenant’s audit events of that project', async () => {
    const { secret } = await createKey({ name: 'Docs widget', tenantId: 't1', projectId: 'p1' });
    const mine = await h.http.post(APPS).set(bearer(secret)).send(appBody()).expect(201);
    await createTestApp(h, { name: 'Sibling' }, '/manage/tenants/t1/projects/p2/apps');

    expect((await h.http.get('/manage/tenants/t1/projects/p2/apps').set(bearer(secret))).status).toBe(403);
    expect((await h.http.post('/manage/tenants/t1/projects/p2/apps').set(bearer(secret)).send(appBody())).status).toBe(403);

    // Its project's events only: its app's creation and its own key's, not the sibling project's app.
    const events = await h.http.get('/manage/tenants/t1/audit-events').set(bearer(secret)).expect(200);
    expect(events.body.data.map((e: { action: string; projectId: string }) => [e.action, e.projectId])).toEqual([
      ['app.created', 'p1'],
      ['api_key.created', 'p1'],
    ]);
    expect(events.body.data[0].appId).toBe(mine.body.data.id);
  });
});

describe('a key that no longer works', () => {
  it('is 401 on the very next request after it is revoked', async () => {
    const { data, secret } = await createKey({ name: 'k', tenantId: 't1' });
    await h.http.get(APPS).set(bearer(secret)).expect(200);
    await h.http.delete(`/manage/api-keys/${data.id}`).set(auth).expect(204);
    const res = await h.http.get(APPS).set(bearer(secret));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    const listed = (await h.http.get('/manage/api-keys').set(auth)).body.data[0];
    expect(listed.revokedAt).toBe(new Date(h.clock.now()).toISOString());
    // Revoking again changes nothing.
    await h.http.delete(`/manage/api-keys/${data.id}`).set(auth).expect(204);
  });

  it('is 401 once it has expired', async () => {
    const expiresAt = new Date(h.clock.now() + 3_600_000).toISOString();
    const { secret } = await createKey({ name: 'k', tenantId: 't1', expiresAt });
    await h.http.get(APPS).set(bearer(secret)).expect(200);
    h.clock.advance(3599);
    await h.http.get(APPS).set(bearer(secret)).expect(200);
    h.clock.advance(1);
    expect((await h.http.get(APPS).set(bearer(secret))).status).toBe(401);
  });

  it.each([
    ['one character changed', (s: string) => s.slice(0, -1) + (s.endsWith('A') ? 'B' : 'A')],
    ['truncated', (s: string) => s.slice(0, -1)],
    ['extended', (s: string) => `${s}A`],
    ['without its prefix', (s: string) => s.slice('lk_mgmt_'.length)],
    ['upper-cased', (s: string) => s.toUpperCase()],
  ])('is 401 when tampered: %s', async (_name, tamper) => {
    const { secret } = await createKey({ name: 'k', tenantId: 't1' });
    const res = await h.http.get(APPS).set(bearer(tamper(secret)));
    expect(res.status).toBe(401);
  });
});

describe('lastUsedAt', () => {
  it('is written after a use, at most once a minute, never in the answer’s way', async () => {
    const { data, secret } = await createKey({ name: 'k', tenantId: 't1' });
    const lastUsed = async () => (await h.http.get('/manage/api-keys').set(auth)).body.data[0].lastUsedAt as string | null;
    await h.http.get(APPS).set(bearer(secret)).expect(200);
    const first = new Date(h.clock.now()).toISOString();
    await vi.waitFor(async () => expect(await lastUsed()).toBe(first));

    h.clock.advance(30);
    await h.http.get(APPS).set(bearer(secret)).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await lastUsed()).toBe(first);

    h.clock.advance(31);
    await h.http.get(APPS).set(bearer(secret)).expect(200);
    const later = new Date(h.clock.now()).toISOString();
    await vi.waitFor(async () => expect(await lastUsed()).toBe(later));
    expect(data.id).toMatch(/^key_/);
  });
});

describe('§2.7 who the caller is, and where it may act', () => {
  it('GET /manage/me names the root key or the scoped key', async () => {
    expect((await h.http.get('/manage/me').set(auth).expect(200)).body).toEqual({ data: { type: 'root' } });
    const expiresAt = new Date(h.clock.now() + 86_400_000).toISOString();
    const { data, secret } = await createKey({ name: 'Docs', tenantId: 't1', projectId: 'p1', expiresAt });
    expect((await h.http.get('/manage/me').set(bearer(secret)).expect(200)).body).toEqual({
      data: { type: 'api_key', id: data.id, name: 'Docs', tenantId: 't1', projectId: 'p1', expiresAt },
    });
    expect((await h.http.get('/manage/me')).status).toBe(401);
  });

  it('GET /manage/projects lists what the caller may reach, with app counts, by tenant then project', async () => {
    await createTestApp(h, {}, '/manage/tenants/t2/projects/p1/apps');
    await createTestApp(h);
    await createTestApp(h);
    await createTestApp(h, {}, '/manage/tenants/t1/projects/p0/apps');
    const all = await h.http.get('/manage/projects').set(auth).expect(200);
    expect(all.body.data).toEqual([
      { tenantId: 't1', projectId: 'p0', apps: 1 },
      { tenantId: 't1', projectId: 'p1', apps: 2 },
      { tenantId: 't2', projectId: 'p1', apps: 1 },
    ]);
    expect((await h.http.get('/manage/projects?tenantId=t2').set(auth)).body.data).toEqual([{ tenantId: 't2', projectId: 'p1', apps: 1 }]);

    const tenantKey = (await createKey({ name: 't1', tenantId: 't1' })).secret;
    expect((await h.http.get('/manage/projects').set(bearer(tenantKey))).body.data.map((p: { projectId: string }) => p.projectId)).toEqual(['p0', 'p1']);
    expect((await h.http.get('/manage/projects?tenantId=t2').set(bearer(tenantKey))).body.data).toEqual([]);
    const projectKey = (await createKey({ name: 'p1', tenantId: 't1', projectId: 'p1' })).secret;
    expect((await h.http.get('/manage/projects').set(bearer(projectKey))).body.data).toEqual([{ tenantId: 't1', projectId: 'p1', apps: 2 }]);
    expect((await h.http.get('/manage/projects?tenantId=bad!').set(auth)).status).toBe(400);
  });
});
