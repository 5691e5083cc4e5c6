// §3.4 GET /run/auth/apps/{appId}/session: a widget's backend asks who a
// session token belongs to, and is told only about live tokens of this app.
import { decodeJwt, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { APPS, auth, createTestApp, makeHarness, type Harness } from '../support/harness.js';
import { anonymousToken } from '../support/run-api.js';

const TTL = 3600;

function introspect(h: Harness, appId: string, bearer?: string) {
  const req = h.http.get(`/run/auth/apps/${appId}/session`);
  if (bearer !== undefined) req.set('Authorization', `Bearer ${bearer}`);
  return req;
}

async function setup() {
  const h = await makeHarness({ ANON_SESSION_TTL_SECONDS: String(TTL) });
  const app = await createTestApp(h);
  const session = await anonymousToken(h, app.id);
  return { h, app, session };
}

function expectError(res: { status: number; body: { error: { code: string } } }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.body.error.code).toBe(code);
}

describe('introspecting an anonymous session token', () => {
  it('answers who it is and which app, tenant, project, agent and prompt it belongs to', async () => {
    const { h, app, session } = await setup();
    const res = await introspect(h, app.id, session.token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      userId: session.userId,
      authMethod: 'anonymous',
      appId: app.id,
      tenantId: 't1',
      projectId: 'p1',
      defaultAgentId: 'agent-1',
      prompt: 'Be concise.',
      verifiedClaims: {},
      expiresAt: session.expiresAt,
      // The token's jti: what a backend sends to revoke exactly this session (§2.5).
      sessionId: decodeJwt(session.token).jti,
    });
  });

  it('gives each session its own sessionId, a refresh included', async () => {
    const { h, app, session } = await setup();
    const refreshed = await anonymousToken(h, app.id, session.token);
    const ids = await Promise.all([session, refreshed].map(async (s) => (await introspect(h, app.id, s.token).expect(200)).body.sessionId));
    expect(ids[0]).toEqual(expect.any(String));
    expect(ids[1]).not.toBe(ids[0]);
  });

  it('reports the app as it is now, not as it was when the token was issued', async () => {
    const { h, app, session } = await setup();
    await h.http
      .patch(`${APPS}/${app.id}`)
      .set(auth)
      .send({ prompt: 'Be thorough.', defaultAgentId: null })
      .expect(200);
    const res = await introspect(h, app.id, session.token).expect(200);
    expect(res.body).toMatchObject({ prompt: 'Be thorough.', defaultAgentId: null, userId: session.userId });
  });

  it('answers without an Origin header, as a backend calls it', async () => {
    const { h, app, session } = await setup();
    const res = await introspect(h, app.id, session.token);
    expect(res.status).toBe(200);
  });
});

describe('refusals', () => {
  it('401 invalid_token without a bearer', async () => {
    const { h, app } = await setup();
    expectError(await introspect(h, app.id), 401, 'invalid_token');
  });

  it.each(['garbage', 'a.b.c', 'x'.repeat(9000)])('401 invalid_token for a garbage bearer (%#)', async (bearer) => {
    const { h, app } = await setup();
    expectError(await introspect(h, app.id, bearer), 401, 'invalid_token');
  });

  it('401 invalid_token once the token has expired, not a second before', async () => {
    const { h, app, session } = await setup();
    h.clock.advance(TTL - 1);
    await introspect(h, app.id, session.token).expect(200);
    h.clock.advance(1);
    expectError(await introspect(h, app.id, session.token), 401, 'invalid_token');
  });

  it("401 invalid_token for another app's token", async () => {
    const { h, app } = await setup();
    const other = await createTestApp(h, { name: 'Other widget' });
    const foreign = await anonymousToken(h, other.id);
    expectError(await introspect(h, app.id, foreign.token), 401, 'invalid_token');
  });

  it('401 invalid_token for a customer-signed JWT', async () => {
    const { h, app } = await setup();
    const { privateKey } = await generateKeyPair('ES256');
    const customer = await new SignJWT({ sub: 'user-1' })
      .setProtectedHeader({ alg: 'ES256', kid: 'customer-key-1' })
      .setIssuedAt(h.clock.seconds)
      .setExpirationTime(h.clock.seconds + 600)
      .sign(privateKey);
    expectError(await introspect(h, app.id, customer), 401, 'invalid_token');
  });

  it('404 app_not_found once the app is deleted', async () => {
    const { h, app, session } = await setup();
    await h.http.delete(`${APPS}/${app.id}`).set(auth).expect(204);
    expectError(await introspect(h, app.id, session.token), 404, 'app_not_found');
  });

  it('404 app_not_found while the app is disabled', async () => {
    const { h, app, session } = await setup();
    await h.http.patch(`${APPS}/${app.id}`).set(auth).send({ enabled: false }).expect(200);
    expectError(await introspect(h, app.id, session.token), 404, 'app_not_found');
    await h.http.patch(`${APPS}/${app.id}`).set(auth).send({ enabled: true }).expect(200);
    await introspect(h, app.id, session.token).expect(200);
  });

  it('401 anonymous_disabled for an anonymous token once the app requires sign-in', async () => {
    const { h, app, session } = await setup();
    await h.http
      .patch(`${APPS}/${app.id}`)
      .set(auth)
      .send({ config: { webClient: { allowAnonymous: false } } })
      .expect(200);
    expectError(await introspect(h, app.id, session.token), 401, 'anonymous_disabled');
  });

  it('a token of a deleted app does not pass for a new app, even one created under the same project', async () => {
    const { h, app, session } = await setup();
    await h.http.delete(`${APPS}/${app.id}`).set(auth).expect(204);
    const replacement = await createTestApp(h);
    expectError(await introspect(h, replacement.id, session.token), 401, 'invalid_token');
  });
});
