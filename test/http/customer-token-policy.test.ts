// §2.1 `customerJwt` and §4.2 step 9: an app's own rules for the customer JWTs
// it accepts — audience, issuer, single use — set through the management API
// and enforced at sign-in, from the attacker's side: a token for another
// audience or issuer, a token replayed (also concurrently, through two
// nodes), a token without a usable jti.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { addTestKey, APPS, appUrl, auth, countRows, createTestApp, makeHarness, TestClock, type Harness } from '../support/harness.js';
import { claimsAt, forge, requestSession } from '../support/customer-jwt.js';
import { ecKey } from '../support/keys.js';
import { ANON_USER_ID } from '../support/run-api.js';

type App = Awaited<ReturnType<typeof createTestApp>>;

const key = ecKey('P-256');
const dir = mkdtempSync(join(tmpdir(), 'latchkey-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

const webClient = (extra: Record<string, unknown>, allowAnonymous = false) => ({
  config: { webClient: { allowedDomains: ['docs.example.com'], allowAnonymous, ...extra } },
});

/** An app with `policy` and one ES256 customer key (kid k1). */
async function appWithPolicy(h: Harness, policy: unknown, allowAnonymous = false) {
  const app = await createTestApp(h, webClient({ customerJwt: policy }, allowAnonymous));
  await addTestKey(h, app, { kid: 'k1', algorithm: 'ES256', publicKey: key.publicPem });
  return app;
}

/** A correctly signed customer JWT with these claims on top of valid ones (undefined deletes one). */
const jwt = (h: Harness, claims: Record<string, unknown> = {}) =>
  forge({ header: { alg: 'ES256', kid: 'k1' }, payload: claimsAt(h.clock.seconds, claims), key: key.privateKey });

async function expectRefused(h: Harness, app: App, token: string, reason: string) {
  const res = await requestSession(h, app.id, { token });
  expect(res.status).toBe(401);
  expect(res.body.error).toMatchObject({ code: 'invalid_token', reason });
}

async function expectSignedIn(h: Harness, app: App, token: string) {
  const res = await requestSession(h, app.id, { token });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ authMethod: 'authenticated', userId: 'user-42' });
}

const patch = (h: Harness, app: App, customerJwt: unknown) =>
  h.http.patch(appUrl(app)).set(auth).send({ config: { webClient: { customerJwt } } });

describe('setting the policy', () => {
  it('an app shows customerJwt with only the rules set: {} when none', async () => {
    const h = await makeHarness();
    expect((await createTestApp(h)).config).toMatchObject({ webClient: { customerJwt: {} } });
    expect((await createTestApp(h, webClient({ customerJwt: null }))).config).toMatchObject({ webClient: { customerJwt: {} } });
    const app = await createTestApp(h, webClient({ customerJwt: { audience: 'chat-api', singleUse: true } }));
    expect((app.config as { webClient: unknown }).webClient).toEqual({
      allowedDomains: ['docs.example.com'],
      allowAnonymous: false,
      customerJwt: { audience: 'chat-api', singleUse: true },
    });
    expect((await h.http.get(appUrl(app)).set(auth).expect(200)).body.data).toEqual(app);
  });

  it('PATCH merges into it: a rule sent is set, a rule set to null is removed, null for the whole removes every rule', async () => {
    const h = await makeHarness();
    const app = await createTestApp(h, webClient({ customerJwt: { audience: 'chat-api' } }));
    const policyAfter = async (body: unknown) => (await patch(h, app, body).expect(200)).body.data.config.webClient.customerJwt;
    expect(await policyAfter({ issuer: 'https://acme.example' })).toEqual({ audience: 'chat-api', issuer: 'https://acme.example' });
    expect(await policyAfter({ singleUse: true, audience: 'chat-api-2' })).toEqual({ audience: 'chat-api-2', issuer: 'https://acme.example', singleUse: true });
    expect(await policyAfter({ audience: null })).toEqual({ issuer: 'https://acme.example', singleUse: true });
    expect(await policyAfter({})).toEqual({ issuer: 'https://acme.example', singleUse: true });
    expect(await policyAfter(null)).toEqual({});
    // Other fields stay as they were.
    const now = (await h.http.get(appUrl(app)).set(auth)).body.data;
    expect(now.config.webClient).toMatchObject({ allowedDomains: ['docs.example.com'], allowAnonymous: false });
  });

  it('records app.updated with each rule by dotted path, and nothing for a PATCH that changes no rule', async () => {
    const h = await makeHarness();
    const app = await createTestApp(h, webClient({ customerJwt: { audience: 'a' } }));
    await patch(h, app, { audience: 'b', singleUse: true }).expect(200);
    await patch(h, app, { audience: 'b' }).expect(200);
    await patch(h, app, null).expect(200);
    const events = (await h.http.get(`/manage/tenants/t1/audit-events?action=app.updated`).set(auth).expect(200)).body.data;
    expect(events.map((e: { changes: unknown }) => e.changes)).toEqual([
      {
        'config.webClient.customerJwt.audience': { from: 'b', to: null },
        'config.webClient.customerJwt.singleUse': { from: true, to: null },
      },
      {
        'config.webClient.customerJwt.audience': { from: 'a', to: 'b' },
        'config.webClient.customerJwt.singleUse': { from: null, to: true },
      },
    ]);
  });

  it.each([
    ['an empty audience', { audience: '' }, 'config.webClient.customerJwt.audience'],
    ['a 256-character audience', { audience: 'a'.repeat(256) }, 'config.webClient.customerJwt.audience'],
    ['an audience array', { audience: ['a'] }, 'config.webClient.customerJwt.audience'],
    ['a numeric issuer', { issuer: 7 }, 'config.webClient.customerJwt.issuer'],
    ['singleUse as a string', { singleUse: 'true' }, 'config.webClient.customerJwt.singleUse'],
    ['an unknown rule', { subject: 'x' }, 'config.webClient.customerJwt'],
    ['a policy that is not an object', 'strict', 'config.webClient.customerJwt'],
  ])('400 validation_failed for %s, on create and on PATCH', async (_name, policy, path) => {
    const h = await makeHarness();
    for (const res of [
      await h.http.post(APPS).set(auth).send({ name: 'n', ...webClient({ customerJwt: policy }) }),
      await patch(h, await createTestApp(h), policy),
    ]) {
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
  });

  it('accepts 255-character rules; null is still refused for the fields next to it', async () => {
    const h = await makeHarness();
    const app = await createTestApp(h, webClient({ customerJwt: { audience: 'a'.repeat(255), issuer: 'i'.repeat(255) } }));
    const res = await h.http.patch(appUrl(app)).set(auth).send({ config: { webClient: { customerJwt: null, allowAnonymous: null } } });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('config.webClient.allowAnonymous');
  });
});

describe('audience', () => {
  it.each([
    ['equal to it', 'chat-api', true],
    ['an array containing it', ['other', 'chat-api'], true],
    ['an array not containing it', ['other', 'chat-api-2'], false],
    ['another string', 'chat-api-2', false],
    ['differing in case', 'Chat-API', false],
    ['missing', undefined, false],
    ['a number', 7, false],
    ['an object', { 'chat-api': true }, false],
    ['null', null, false],
    ['an empty array', [], false],
  ])('aud %s → %s', async (_name, aud, accepted) => {
    const h = await makeHarness();
    const app = await appWithPolicy(h, { audience: 'chat-api' });
    const token = jwt(h, { aud });
    if (accepted) await expectSignedIn(h, app, token);
    else await expectRefused(h, app, token, 'audience_mismatch');
  });

  it('is any aud when no audience is set', async () => {
    const h = await makeHarness();
    const app = await appWithPolicy(h, {});
    await expectSignedIn(h, app, jwt(h, { aud: 'anything', iss: 7 }));
  });
});

describe('issuer', () => {
  it.each([
    ['equal to it', 'https://acme.example', true],
    ['with a trailing slash', 'https://acme.example/', false],
    ['missing', undefined, false],
    ['an array containing it', ['https://acme.example'], false],
    ['a number', 1, false],
  ])('iss %s → %s', async (_name, iss, accepted) => {
    const h = await makeHarness();
    const app = await appWithPolicy(h, { issuer: 'https://acme.example' });
    const token = jwt(h, { iss });
    if (accepted) await expectSignedIn(h, app, token);
    else await expectRefused(h, app, token, 'issuer_mismatch');
  });
});

describe('the order of step 9', () => {
  it('comes after the claims checks, and checks audience, then issuer, then jti', async () => {
    const h = await makeHarness();
    const app = await appWithPolicy(h, { audience: 'chat-api', issuer: 'acme', singleUse: true });
    const res = await requestSession(h, app.id, { token: jwt(h, { aud: 'x', blob: 'b'.repeat(2000) }) });
    expect(res.body.error.code).toBe('claims_too_large');
    await expectRefused(h, app, jwt(h, { constructor: 1, aud: 'x' }), 'forbidden_claim');
    await expectRefused(h, app, jwt(h, { aud: 'x', iss: 'y' }), 'audience_mismatch');
    await expectRefused(h, app, jwt(h, { aud: 'chat-api', iss: 'y' }), 'issuer_mismatch');
    await expectRefused(h, app, jwt(h, { aud: 'chat-api', iss: 'acme' }), 'jti_missing');
    await expectSignedIn(h, app, jwt(h, { aud: 'chat-api', iss: 'acme', jti: 'j-1' }));
  });

  it('falls back to anonymous with the reason when the app allows it', async () => {
    const h = await makeHarness();
    const app = await appWithPolicy(h, { audience: 'chat-api' }, true);
    const res = await requestSession(h, app.id, { token: jwt(h, { aud: 'other' }) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ authMethod: 'anonymous', fallbackReason: 'audience_mismatch', userId: expect.stringMatching(ANON_USER_ID) });
  });
});

describe('single use', () => {
  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['256 characters', 'j'.repeat(256)],
    ['a number', 42],
    ['an array', ['j-1']],
  ])('refuses a jti that is %s with jti_missing', async (_name, jti) => {
    const h = await makeHarness();
    const app = await appWithPolicy(h, { singleUse: true });
    await expectRefused(h, app, jwt(h, { jti }), 'jti_missing');
  });

  it('exchanges a token once: again is token_replayed, also for a 255-character jti', async () => {
    const h = await makeHarness();
    const app = await appWithPolicy(h, { singleUse: true });
    for (const jti of ['j-1', 'j'.repeat(255)]) {
      const token = jwt(h, { jti });
      await expectSignedIn(h, app, token);
      await expectRefused(h, app, token, 'token_replayed');
      // Another token with the same jti is the same exchange.
      await expectRefused(h, app, jwt(h, { jti, plan: 'pro' }), 'token_replayed');
    }
  });

  it('a replay falls back to a fresh anonymous session when the app allows it', async () => {
    const h = await makeHarness();
    const app = await appWithPolicy(h, { singleUse: true }, true);
    const token = jwt(h, { jti: 'j-1' });
    await expectSignedIn(h, app, token);
    const res = await requestSession(h, app.id, { token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ authMethod: 'anonymous', fallbackReason: 'token_replayed', userId: expect.stringMatching(ANON_USER_ID) });
  });

  it('a jti is per app: the same token is exchanged once by each app that accepts it', async () => {
    const h = await makeHarness();
    const first = await appWithPolicy(h, { singleUse: true });
    const second = await appWithPolicy(h, { singleUse: true });
    const token = jwt(h, { jti: 'shared' });
    await expectSignedIn(h, first, token);
    await expectSignedIn(h, second, token);
    await expectRefused(h, first, token, 'token_replayed');
  });

  it('a token refused for another reason does not spend its jti', async () => {
    const h = await makeHarness();
    const app = await appWithPolicy(h, { audience: 'chat-api', issuer: 'acme', singleUse: true });
    const wrongIssuer = jwt(h, { aud: 'chat-api', iss: 'other', jti: 'j-1' });
    await expectRefused(h, app, wrongIssuer, 'issuer_mismatch');
    const tooLarge = await requestSession(h, app.id, { token: jwt(h, { aud: 'chat-api', iss: 'acme', jti: 'j-1', blob: 'b'.repeat(2000) }) });
    expect(tooLarge.body.error.code).toBe('claims_too_large');
    expect(await countRows(h, 'used_jtis')).toBe(0);
    // The customer fixes its issuer setting: the very same token is now accepted, once.
    await patch(h, app, { issuer: 'other' }).expect(200);
    await expectSignedIn(h, app, wrongIssuer);
    await expectRefused(h, app, wrongIssuer, 'token_replayed');
  });

  it('jtis are kept until the token expires, then purged', async () => {
    const h = await makeHarness();
    const app = await appWithPolicy(h, { singleUse: true });
    await expectSignedIn(h, app, jwt(h, { jti: 'short', exp: h.clock.seconds + 120 }));
    await expectSignedIn(h, app, jwt(h, { jti: 'long', exp: h.clock.seconds + 3600 }));
    const stored = () => h.query<{ jti: string }>('select jti from used_jtis order by jti');
    expect(await stored()).toEqual([{ jti: 'long' }, { jti: 'short' }]);
    const issuedAt = h.clock.seconds;
    // Kept while the token lives: a replay would still be caught.
    expect(await h.store.usedJtis.purge(issuedAt + 119)).toBe(0);
    h.clock.advance(119);
    await expectSignedIn(h, app, jwt(h, { jti: 'later' }));
    await expectRefused(h, app, jwt(h, { jti: 'short', exp: issuedAt + 120 }), 'token_replayed');
    expect((await stored()).map((r) => r.jti)).toContain('short');
    // Exchanges purge what has expired, at most once a minute per node.
    h.clock.advance(60);
    await expectSignedIn(h, app, jwt(h, { jti: 'latest' }));
    await vi.waitFor(async () => expect((await stored()).map((r) => r.jti)).toEqual(['later', 'latest', 'long']));
  });

  it('10 concurrent exchanges of one token through two nodes: exactly one session', async () => {
    const clock = new TestClock();
    const databaseUrl = join(dir, `db-${files++}.db`);
    const a = await makeHarness({}, { databaseUrl, clock });
    const b = await makeHarness({}, { databaseUrl, clock });
    for (const allowAnonymous of [false, true]) {
      const app = await appWithPolicy(a, { singleUse: true }, allowAnonymous);
      const token = jwt(a, { jti: `race-${allowAnonymous}` });
      // Node b must know the app and its key before the race.
      await vi.waitFor(async () => expect((await b.http.get(appUrl(app, '/auth-keys')).set(auth)).body.data).toHaveLength(1));
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => requestSession(i % 2 ? a : b, app.id, { token })));
      const signedIn = results.filter((r) => r.status === 200 && r.body.authMethod === 'authenticated');
      expect(signedIn).toHaveLength(1);
      for (const r of results.filter((r) => !signedIn.includes(r))) {
        if (allowAnonymous) expect(r.body).toMatchObject({ authMethod: 'anonymous', fallbackReason: 'token_replayed' });
        else expect(r.body.error).toMatchObject({ code: 'invalid_token', reason: 'token_replayed' });
      }
    }
  });
});
