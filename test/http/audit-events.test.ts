// §2.4 from the outside: every successful management write leaves exactly one
// audit event, written with it; a failed write leaves none; events say who,
// from where and what changed, and never hold a secret.
import { describe, expect, it } from 'vitest';
import { purgeOldAuditEvents } from '../../src/audit/retention.js';
import { APPS, appBody, appUrl, auth, createTestApp, makeHarness, MANAGE_KEY, type Harness } from '../support/harness.js';
import { ecKey } from '../support/keys.js';

type Event = Record<string, unknown> & { action: string; id: string };

async function events(h: Harness, query = '', key = auth): Promise<{ data: Event[]; nextCursor: string | null }> {
  const res = await h.http.get(`/manage/audit-events${query}`).set(key);
  expect(res.status).toBe(200);
  return res.body;
}

describe('one event per write, with its fields', () => {
  it('app.created, app.updated with the changed fields, app.deleted', async () => {
    const h = await makeHarness({ TRUST_PROXY: '1' });
    const created = await h.http
      .post(APPS)
      .set(auth)
      .set('X-Forwarded-For', '203.0.113.7')
      .set('X-Request-Id', 'req-create-1')
      .send(appBody())
      .expect(201);
    const app = created.body.data;
    const [first] = (await events(h)).data;
    expect(first).toEqual({
      id: expect.stringMatching(/^evt_/),
      at: app.createdAt,
      action: 'app.created',
      actor: { type: 'root' },
      tenantId: 't1',
      projectId: 'p1',
      appId: app.id,
      target: app.id,
      changes: null,
      ip: '203.0.113.7',
      requestId: 'req-create-1',
    });

    h.clock.advance(5);
    await h.http
      .patch(appUrl(app))
      .set(auth)
      .send({ name: 'Renamed', description: 'new', config: { webClient: { allowAnonymous: false, allowedDomains: ['a.example.com'] } } })
      .expect(200);
    const [updated] = (await events(h)).data;
    expect(updated).toMatchObject({ action: 'app.updated', target: app.id, appId: app.id });
    expect(updated!.changes).toEqual({
      name: { from: 'Docs Chat Widget', to: 'Renamed' },
      description: { from: null, to: 'new' },
      'config.webClient.allowAnonymous': { from: true, to: false },
      'config.webClient.allowedDomains': { from: ['docs.example.com'], to: ['a.example.com'] },
    });

    await h.http.delete(appUrl(app)).set(auth).expect(204);
    const list = (await events(h)).data;
    expect(list.map((e) => e.action)).toEqual(['app.deleted', 'app.updated', 'app.created']);
    expect(list[0]).toMatchObject({ appId: app.id, target: app.id, changes: null });
  });

  it('a PATCH that changes no value answers 200 and records nothing', async () => {
    const h = await makeHarness();
    const app = await createTestApp(h);
    await h.http.patch(appUrl(app)).set(auth).send({ name: 'Docs Chat Widget', config: { webClient: { allowAnonymous: true } } }).expect(200);
    await h.http.patch(appUrl(app)).set(auth).send({}).expect(200);
    expect((await events(h)).data.map((e) => e.action)).toEqual(['app.created']);
  });

  it('auth_key.added and auth_key.deleted name the key by kid, algorithm and thumbprint only', async () => {
    const h = await makeHarness();
    const app = await createTestApp(h);
    const key = ecKey('P-256');
    const added = await h.http.post(appUrl(app, '/auth-keys')).set(auth).send({ kid: 'k1', algorithm: 'ES256', publicKey: key.publicPem });
    await h.http.delete(appUrl(app, '/auth-keys/k1')).set(auth).expect(204);
    const [deleted, add] = (await events(h)).data;
    for (const [event, action] of [[add, 'auth_key.added'], [deleted, 'auth_key.deleted']] as const) {
      expect(event).toMatchObject({ action, appId: app.id, target: 'k1', tenantId: 't1', projectId: 'p1' });
      expect(event!.changes).toEqual({ algorithm: 'ES256', thumbprint: added.body.data.thumbprint });
    }
  });

  it('api_key.created and api_key.revoked carry the key’s tenant and project and a scoped actor', async () => {
    const h = await makeHarness();
    const created = await h.http.post('/manage/api-keys').set(auth).send({ name: 'Acme', tenantId: 't9', projectId: 'p9' }).expect(201);
    const keyId = created.body.data.id;
    // The scoped key acts; its events name it.
    await h.http
      .post('/manage/tenants/t9/projects/p9/apps')
      .set('Authorization', `Bearer ${created.body.secret}`)
      .send(appBody())
      .expect(201);
    await h.http.delete(`/manage/api-keys/${keyId}`).set(auth).expect(204);
    const [revoked, appCreated, keyCreated] = (await events(h)).data;
    expect(keyCreated).toMatchObject({ action: 'api_key.created', tenantId: 't9', projectId: 'p9', appId: null, target: keyId, actor: { type: 'root' } });
    expect(appCreated).toMatchObject({ action: 'app.created', actor: { type: 'api_key', id: keyId, name: 'Acme' } });
    expect(revoked).toMatchObject({ action: 'api_key.revoked', tenantId: 't9', projectId: 'p9', target: keyId });
  });
});

describe('a write that fails leaves no event', () => {
  it('a sixth key (409), a duplicate kid (409), a refused key (400), a missing app (404)', async () => {
    const h = await makeHarness();
    const app = await createTestApp(h);
    for (let i = 1; i <= 5; i += 1) {
      await h.http.post(appUrl(app, '/auth-keys')).set(auth).send({ kid: `k${i}`, algorithm: 'ES256', publicKey: ecKey('P-256').publicPem }).expect(201);
    }
    const before = (await events(h, '?limit=100')).data.length;
    const sixth = await h.http.post(appUrl(app, '/auth-keys')).set(auth).send({ kid: 'k6', algorithm: 'ES256', publicKey: ecKey('P-256').publicPem });
    expect(sixth.body.error.code).toBe('key_limit_reached');
    const dup = await h.http.post(appUrl(app, '/auth-keys')).set(auth).send({ kid: 'k1', algorithm: 'ES256', publicKey: ecKey('P-256').publicPem });
    expect(dup.status).toBe(409);
    await h.http.post(appUrl(app, '/auth-keys')).set(auth).send({ kid: 'k7', algorithm: 'ES256', publicKey: 'garbage' }).expect(400);
    await h.http.patch(appUrl({ ...app, id: 'app_missing000000' })).set(auth).send({ name: 'x' }).expect(404);
    await h.http.delete(appUrl(app, '/auth-keys/nope')).set(auth).expect(404);
    expect((await events(h, '?limit=100')).data.length).toBe(before);
  });

  it('a write whose store fails mid-transaction records nothing', async () => {
    const h = await makeHarness();
    const app = await createTestApp(h);
    // The event insert itself fails: the app change must roll back with it.
    await h.query(TEST_AUDIT_BLOCKER.create);
    const res = await h.http.patch(appUrl(app)).set(auth).send({ name: 'Never stored' });
    expect(res.status).toBe(500);
    await h.query(TEST_AUDIT_BLOCKER.drop);
    expect((await h.http.get(appUrl(app)).set(auth)).body.data.name).toBe('Docs Chat Widget');
    expect((await events(h)).data.map((e) => e.action)).toEqual(['app.created']);
  });
});

// A trigger that makes every audit insert fail, on either store.
const TEST_AUDIT_BLOCKER =
  process.env.LATCHKEY_TEST_STORE === 'postgres'
    ? {
        create: `CREATE OR REPLACE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no audit'; END $$;
                 CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION refuse_audit();`,
        drop: 'DROP TRIGGER refuse_audit ON audit_events',
      }
    : {
        create: "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'no audit'); END",
        drop: 'DROP TRIGGER refuse_audit',
      };

describe('listing', () => {
  it('pages newest first with an opaque cursor, and events written meanwhile neither shift nor repeat a page', async () => {
    const h = await makeHarness();
    for (let i = 0; i < 7; i += 1) await createTestApp(h, { name: `app ${i}` });
    const page1 = await events(h, '?limit=3');
    expect(page1.data).toHaveLength(3);
    expect(page1.nextCursor).toEqual(expect.any(String));
    // New events arrive while the client pages.
    await createTestApp(h, { name: 'late 1' });
    await createTestApp(h, { name: 'late 2' });
    const page2 = await events(h, `?limit=3&cursor=${page1.nextCursor}`);
    const page3 = await events(h, `?limit=3&cursor=${page2.nextCursor}`);
    expect(page3.nextCursor).toBeNull();
    const seen = [...page1.data, ...page2.data, ...page3.data].map((e) => e.id);
    expect(new Set(seen).size).toBe(7);
    expect(seen).toHaveLength(7);
    const all = (await events(h, '?limit=100')).data.map((e) => e.id);
    expect(all.slice(2)).toEqual(seen);
  });

  it('filters by app and action, and scopes the tenant list to the tenant', async () => {
    const h = await makeHarness();
    const a = await createTestApp(h);
    const b = await createTestApp(h);
    await createTestApp(h, {}, '/manage/tenants/t2/projects/p1/apps');
    await h.http.patch(appUrl(a)).set(auth).send({ name: 'changed' }).expect(200);
    const byApp = await h.http.get(`/manage/tenants/t1/audit-events?appId=${a.id}`).set(auth).expect(200);
    expect(byApp.body.data.map((e: Event) => e.action)).toEqual(['app.updated', 'app.created']);
    const byAction = await h.http.get('/manage/tenants/t1/audit-events?action=app.created').set(auth).expect(200);
    expect(byAction.body.data.map((e: Event) => e.appId)).toEqual([b.id, a.id]);
    expect((await events(h)).data).toHaveLength(4);
  });

  it.each(['?cursor=nonsense', '?cursor=djE6MA', '?limit=0', '?limit=101', '?limit=1e1', '?action=app.exploded', '?appId=nope', '?other=1'])(
    'refuses %s with 400 validation_failed',
    async (query) => {
      const h = await makeHarness();
      const res = await h.http.get(`/manage/tenants/t1/audit-events${query}`).set(auth);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    },
  );
});

describe('what an event never holds', () => {
  it('no secret, token or key material: the stored rows are searched for every secret the test used', async () => {
    const h = await makeHarness();
    const created = await h.http.post('/manage/api-keys').set(auth).send({ name: 'Acme', tenantId: 't1' }).expect(201);
    const secret: string = created.body.secret;
    const key = ecKey('P-256');
    const asScoped = { Authorization: `Bearer ${secret}` };
    const app = (await h.http.post(APPS).set(asScoped).send(appBody()).expect(201)).body.data;
    await h.http.post(appUrl(app, '/auth-keys')).set(asScoped).send({ kid: 'k1', algorithm: 'ES256', publicKey: key.publicPem }).expect(201);
    await h.http.delete(appUrl(app, '/auth-keys/k1')).set(asScoped).expect(204);
    await h.http.delete(`/manage/api-keys/${created.body.data.id}`).set(auth).expect(204);

    const stored = JSON.stringify(await h.query('select * from audit_events'));
    expect(stored).toContain('auth_key.deleted');
    const pemBody = key.publicPem.split('\n').filter((line) => line && !line.startsWith('-----')).join('');
    for (const needle of [MANAGE_KEY, secret, secret.slice('lk_mgmt_'.length), pemBody, pemBody.slice(0, 40), 'BEGIN PUBLIC KEY']) {
      expect(stored).not.toContain(needle);
    }
  });
});

describe('retention', () => {
  it('purges events older than AUDIT_RETENTION_DAYS and keeps the rest', async () => {
    const h = await makeHarness({ AUDIT_RETENTION_DAYS: '30' });
    await createTestApp(h, { name: 'old' });
    h.clock.advance(20 * 86_400);
    await createTestApp(h, { name: 'recent' });
    h.clock.advance(11 * 86_400);
    expect(await purgeOldAuditEvents(h.store, h.clock, h.config.auditRetentionDays)).toBe(1);
    expect((await events(h)).data).toHaveLength(1);
  });
});
