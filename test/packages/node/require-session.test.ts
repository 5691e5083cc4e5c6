// requireSession (§6): Express middleware a widget's backend puts in front of
// its routes. A caller with a valid session reaches the route with
// req.latchkey; any other caller gets the service's error shape.
import type { AddressInfo } from 'node:net';
import express from 'express';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, requireSession } from '../../../packages/node/src/index.js';
import { startLatchkey, type LiveService } from '../../support/live-service.js';
import { anonymousSession } from './session-tokens.js';

let service: LiveService;
let appId: string;

beforeAll(async () => {
  service = await startLatchkey();
  appId = (await service.createApp()).id;
});
afterAll(() => service.close());

function chatBackend(jwksUrl = `${service.url}/.well-known/jwks.json`) {
  const app = express();
  const verifier = createVerifier({ issuer: 'latchkey', jwksUrl, audience: appId });
  app.get('/chat', requireSession(verifier), (req, res) => {
    res.json({ hello: req.latchkey!.userId, via: req.latchkey!.authMethod });
  });
  return supertest(app);
}

describe('requireSession', () => {
  it('lets a valid session through, with the session on req.latchkey', async () => {
    const session = await anonymousSession(service, appId);
    const res = await chatBackend().get('/chat').set('Authorization', `Bearer ${session.token}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ hello: session.userId, via: 'anonymous' });
  });

  it('answers 401 invalid_token with the reason for a refused token', async () => {
    const session = await anonymousSession(service, appId);
    const [h, p, s] = session.token.split('.') as [string, string, string];
    const tampered = `${h}.${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`;
    const res = await chatBackend().get('/chat').set('Authorization', `Bearer ${tampered}`);
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      error: { code: 'invalid_token', message: expect.any(String), reason: 'invalid_signature' },
    });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('answers 401 invalid_token (malformed) without a bearer token', async () => {
    for (const authorization of [undefined, 'Basic dXNlcjpwYXNz', 'Bearer']) {
      const req = chatBackend().get('/chat');
      if (authorization) req.set('Authorization', authorization);
      const res = await req;
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: 'invalid_token', reason: 'malformed' });
    }
  });

  it('answers 503 when the JWKS cannot be fetched: the token may be fine, retry later', async () => {
    const session = await anonymousSession(service, appId);
    const down = await startLatchkey();
    const jwksUrl = `${down.url}/.well-known/jwks.json`;
    await down.close();
    const res = await chatBackend(jwksUrl).get('/chat').set('Authorization', `Bearer ${session.token}`);
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: 'service_unavailable', reason: 'jwks_unavailable' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('works behind a real listener too (no supertest shortcuts)', async () => {
    const session = await anonymousSession(service, appId);
    const app = express();
    app.get('/chat', requireSession(createVerifier({ issuer: 'latchkey', jwksUrl: `${service.url}/.well-known/jwks.json`, audience: appId })), (req, res) => {
      res.json({ userId: req.latchkey!.userId });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/chat`, {
        headers: { Authorization: `Bearer ${session.token}` },
      });
      expect(await res.json()).toEqual({ userId: session.userId });
    } finally {
      server.close();
    }
  });
});
