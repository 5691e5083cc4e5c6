// §3.5 GET /.well-known/jwks.json: the public keys a backend needs to verify
// session tokens offline, cacheable, and never anything private.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestApp, makeHarness } from '../support/harness.js';
import { anonymousToken, verifyWithJwks } from '../support/run-api.js';

describe('GET /.well-known/jwks.json', () => {
  it('publishes the current Ed25519 signing key as an OKP JWK for EdDSA signatures', async () => {
    const h = await makeHarness();
    const res = await h.http.get('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      keys: [
        {
          kty: 'OKP',
          crv: 'Ed25519',
          x: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
          kid: h.svc.keyring.current.kid,
          alg: 'EdDSA',
          use: 'sig',
        },
      ],
    });
  });

  it('never publishes private key material', async () => {
    const h = await makeHarness();
    const res = await h.http.get('/.well-known/jwks.json');
    for (const key of res.body.keys) {
      for (const field of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(key).not.toHaveProperty(field);
    }
    expect(res.text).not.toMatch(/PRIVATE KEY/);
  });

  it('lets caches keep it, publicly, for a bounded time', async () => {
    const h = await makeHarness();
    const res = await h.http.get('/.well-known/jwks.json');
    const match = /^public, max-age=(\d+)$/.exec(res.headers['cache-control'] ?? '');
    expect(match).not.toBeNull();
    expect(Number(match![1])).toBeGreaterThan(0);
    // A rotated-in key must reach verifiers well within a token's life.
    expect(Number(match![1])).toBeLessThanOrEqual(3600);
  });

  it('verifies the session tokens the service issues', async () => {
    const h = await makeHarness();
    const app = await createTestApp(h);
    const { token, userId } = await anonymousToken(h, app.id);
    const { payload } = await verifyWithJwks(h, token, app.id);
    expect(payload.sub).toBe(userId);
  });

  it('keeps the same key across a restart on the same database file, so issued tokens stay valid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-jwks-'));
    try {
      const file = join(dir, 'latchkey.db');
      const first = await makeHarness({}, { databaseUrl: file });
      const app = await createTestApp(first);
      const { token } = await anonymousToken(first, app.id);
      const before = (await first.http.get('/.well-known/jwks.json')).body;
      await first.close();

      const second = await makeHarness({}, { databaseUrl: file });
      try {
        expect((await second.http.get('/.well-known/jwks.json')).body).toEqual(before);
        await verifyWithJwks(second, token, app.id);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
