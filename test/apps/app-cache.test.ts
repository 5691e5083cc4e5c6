// Issue #5: on the session path, no app row is parsed and no key imported more
// than once per change. The cache entries (app row, Origin matcher, imported
// customer keys) and the signing key stay the very same objects across
// requests, and a management write is visible on the next request.
import { beforeEach, describe, expect, it } from 'vitest';
import { addTestKey, appUrl, auth, createTestApp, makeHarness, type Harness } from '../support/harness.js';
import { claimsAt, forge, requestSession } from '../support/customer-jwt.js';
import { ecKey } from '../support/keys.js';
import { requestAnonymousSession } from '../support/run-api.js';

let h: Harness;
let app: Awaited<ReturnType<typeof createTestApp>>;
let other: Awaited<ReturnType<typeof createTestApp>>;
const k1 = ecKey('P-256');
const k2 = ecKey('P-256');

const signedBy = (kid: string, key = k1) =>
  forge({ header: { alg: 'ES256', kid }, payload: claimsAt(h.clock.seconds), key: key.privateKey });

beforeEach(async () => {
  h = await makeHarness();
  app = await createTestApp(h);
  other = await createTestApp(h, { name: 'Other' });
  await addTestKey(h, app, { kid: 'k1', algorithm: 'ES256', publicKey: k1.publicPem });
});

describe('the app cache on the session path', () => {
  it('serves many sign-ins and anonymous sessions from one entry: one row parse, one key import', async () => {
    await requestSession(h, app.id, { token: signedBy('k1') }).expect(200);
    const entry = (await h.svc.apps.get(app.id))!;
    const keys = await entry.customerKeys();
    const signingKey = h.svc.keyring.current;

    for (let i = 0; i < 5; i += 1) {
      await requestSession(h, app.id, { token: signedBy('k1') }).expect(200);
      await requestAnonymousSession(h, app.id).expect(200);
    }
    expect(await h.svc.apps.get(app.id)).toBe(entry);
    expect(await entry.customerKeys()).toBe(keys);
    expect(h.svc.keyring.current).toBe(signingKey);
  });

  it('a key upload reaches the very next request: the new kid signs in at once', async () => {
    await requestSession(h, app.id, { token: signedBy('k1') }).expect(200);
    expect((await requestSession(h, app.id, { token: signedBy('k2', k2) })).body).toMatchObject({ fallbackReason: 'kid_unknown' });

    await addTestKey(h, app, { kid: 'k2', algorithm: 'ES256', publicKey: k2.publicPem });
    const res = await requestSession(h, app.id, { token: signedBy('k2', k2) }).expect(200);
    expect(res.body.authMethod).toBe('authenticated');
    await requestAnonymousSession(h, other.id).expect(200);
  });

  // Key deletion and allowAnonymous have their own next-request tests
  // (customer-session-attacks, manage-apps); the allowlist is the compiled part.
  it('an allowlist change takes effect on the very next request', async () => {
    await requestAnonymousSession(h, app.id).expect(200);
    await h.http
      .patch(appUrl(app))
      .set(auth)
      .send({ config: { webClient: { allowedDomains: ['elsewhere.example.com'] } } })
      .expect(200);
    expect((await requestAnonymousSession(h, app.id)).body.error.code).toBe('origin_not_allowed');
  });
});
