// @latchkey/node's createVerifier (§6) against a running latchkey: the JWKS is
// fetched over HTTP, as a widget backend would, and every refusal a backend
// must make has its own code.
import { sign } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createVerifier, LatchkeyVerifyError, type Verifier } from '../../../packages/node/src/index.js';
import { rotate } from '../../support/signing-keys.js';
import { edKey } from '../../support/keys.js';
import { startLatchkey, type LiveService } from '../../support/live-service.js';
import { anonymousSession, signedInSession } from './session-tokens.js';

let service: LiveService;
let appId: string;
let otherAppId: string;

beforeAll(async () => {
  service = await startLatchkey();
  appId = (await service.createApp()).id;
  otherAppId = (await service.createApp({ name: 'Other widget' })).id;
});
afterAll(() => service.close());
afterEach(() => void vi.useRealTimers());

const verifierFor = (audience: string | string[] = appId, issuer = 'latchkey'): Verifier =>
  createVerifier({ issuer, jwksUrl: `${service.url}/.well-known/jwks.json`, audience });

async function refusal(verifier: Verifier, token: string): Promise<string> {
  const error = await verifier.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LatchkeyVerifyError);
  return (error as LatchkeyVerifyError).code;
}

const jwksFetches = () => service.count('GET /.well-known/jwks.json');

/** A token with the service's own header and key, but the payload and header changes an attacker would like. */
function resign(token: string, change: { header?: Record<string, unknown>; payload?: Record<string, unknown> }): string {
  const [h, p] = token.split('.') as [string, string];
  const header = { ...JSON.parse(Buffer.from(h, 'base64url').toString()), ...change.header };
  const payload = { ...JSON.parse(Buffer.from(p, 'base64url').toString()), ...change.payload };
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${sign(null, Buffer.from(input), service.svc.keyring.current.privateKey).toString('base64url')}`;
}

describe('a valid session token', () => {
  it('resolves an anonymous session: who, which app, when it ends, and its id', async () => {
    const session = await anonymousSession(service, appId);
    const verified = await verifierFor().verify(session.token);
    expect(verified).toEqual({
      userId: session.userId,
      authMethod: 'anonymous',
      appId,
      tenantId: 't1',
      projectId: 'p1',
      claims: {},
      expiresAt: session.expiresAt,
      sessionId: decodeJwt(session.token).jti,
    });
  });

  it('resolves a signed-in session with the customer’s verified claims', async () => {
    const session = await signedInSession(service, appId, 'user-42', { plan: 'pro', name: 'Ada' });
    const verified = await verifierFor().verify(session.token);
    expect(verified.userId).toBe('user-42');
    expect(verified.authMethod).toBe('authenticated');
    expect(verified.claims).toEqual({ plan: 'pro', name: 'Ada' });
  });

  it('is accepted by a verifier for several apps, which says which app it is for', async () => {
    const session = await anonymousSession(service, otherAppId);
    const verified = await verifierFor([appId, otherAppId]).verify(session.token);
    expect(verified.appId).toBe(otherAppId);
  });
});

describe('refusals', () => {
  it('another app’s token: wrong_audience', async () => {
    const session = await anonymousSession(service, otherAppId);
    expect(await refusal(verifierFor(appId), session.token)).toBe('wrong_audience');
  });

  it('a token from a service with another ISSUER: wrong_issuer', async () => {
    const session = await anonymousSession(service, appId);
    expect(await refusal(verifierFor(appId, 'https://auth.example.com'), session.token)).toBe('wrong_issuer');
  });

  it('a payload changed after signing (another user id): invalid_signature', async () => {
    const session = await anonymousSession(service, appId);
    const [h, , s] = session.token.split('.');
    const payload = { ...decodeJwt(session.token), sub: 'anon_00000000-0000-4000-8000-000000000000' };
    const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    expect(await refusal(verifierFor(), tampered)).toBe('invalid_signature');
  });

  it('a signature from a key the service does not publish, under its kid: invalid_signature', async () => {
    const session = await anonymousSession(service, appId);
    const [h, p] = session.token.split('.');
    const forged = `${h}.${p}.${sign(null, Buffer.from(`${h}.${p}`), edKey().privateKey).toString('base64url')}`;
    expect(await refusal(verifierFor(), forged)).toBe('invalid_signature');
  });

  it('a header claiming another algorithm than its key’s (ES256 for an Ed25519 key, none, HS256): invalid_signature', async () => {
    const session = await anonymousSession(service, appId);
    for (const alg of ['ES256', 'none', 'HS256']) {
      expect(await refusal(verifierFor(), resign(session.token, { header: { alg } }))).toBe('invalid_signature');
    }
  });

  it('an expired token: expired', async () => {
    const short = await startLatchkey({ ANON_SESSION_TTL_SECONDS: '60' });
    try {
      const app = await short.createApp();
      short.clock.advance(-3600);
      const session = await anonymousSession(short, app.id);
      const verifier = createVerifier({ issuer: 'latchkey', jwksUrl: `${short.url}/.well-known/jwks.json`, audience: app.id });
      expect(await refusal(verifier, session.token)).toBe('expired');
    } finally {
      await short.close();
    }
  });

  it('a JWT of another kind signed by the service’s key (typ JWT): wrong_type', async () => {
    const session = await anonymousSession(service, appId);
    expect(await refusal(verifierFor(), resign(session.token, { header: { typ: 'JWT' } }))).toBe('wrong_type');
  });

  it('a signed token that lacks a session’s claims: malformed', async () => {
    const session = await anonymousSession(service, appId);
    expect(await refusal(verifierFor(), resign(session.token, { payload: { auth: 'admin' } }))).toBe('malformed');
  });

  it('garbage, a truncated token, an empty string: malformed', async () => {
    const session = await anonymousSession(service, appId);
    for (const token of ['garbage', 'a.b.c', session.token.split('.').slice(0, 2).join('.'), '']) {
      expect(await refusal(verifierFor(), token)).toBe('malformed');
    }
  });

  it('a customer JWT presented as a session token (a kid latchkey does not publish): unknown_key', async () => {
    const session = await anonymousSession(service, appId);
    const [, p] = session.token.split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: 'customer-key', typ: 'session+jwt' })).toString('base64url');
    const foreign = `${header}.${p}.${sign(null, Buffer.from(`${header}.${p}`), edKey().privateKey).toString('base64url')}`;
    expect(await refusal(verifierFor(), foreign)).toBe('unknown_key');
  });

  it('a JWKS that cannot be fetched: jwks_unavailable', async () => {
    const session = await anonymousSession(service, appId);
    const down = await startLatchkey();
    const url = `${down.url}/.well-known/jwks.json`;
    await down.close();
    const verifier = createVerifier({ issuer: 'latchkey', jwksUrl: url, audience: appId });
    expect(await refusal(verifier, session.token)).toBe('jwks_unavailable');
  });
});

describe('the JWKS cache', () => {
  it('fetches the JWKS once for many tokens', async () => {
    const verifier = verifierFor();
    const before = jwksFetches();
    const sessions = await Promise.all([1, 2, 3].map(() => anonymousSession(service, appId)));
    await Promise.all(sessions.map((s) => verifier.verify(s.token)));
    await verifier.verify(sessions[0]!.token);
    expect(jwksFetches() - before).toBe(1);
  });

  it('after a rotation, refetches for the new kid, at most once per 30 s, and keeps verifying the old key’s tokens', async () => {
    const rotating = await startLatchkey();
    try {
      const app = await rotating.createApp();
      const verifier = createVerifier({ issuer: 'latchkey', jwksUrl: `${rotating.url}/.well-known/jwks.json`, audience: app.id });
      const fetches = () => rotating.count('GET /.well-known/jwks.json');
      const old = await anonymousSession(rotating, app.id);
      await verifier.verify(old.token);
      expect(fetches()).toBe(1);

      const { kid } = await rotate(rotating.svc, { immediate: true });
      const fresh = await anonymousSession(rotating, app.id);
      expect(decodeProtectedHeader(fresh.token).kid).toBe(kid);

      // Within 30 s of the last fetch an unknown kid is refused without asking again…
      expect(await refusal(verifier, fresh.token)).toBe('unknown_key');
      expect(fetches()).toBe(1);

      // …after that, one refetch brings the new key in; the old key's tokens still verify.
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 31_000);
      expect((await verifier.verify(fresh.token)).userId).toBe(fresh.userId);
      expect((await verifier.verify(old.token)).userId).toBe(old.userId);
      expect(fetches()).toBe(2);

      // A flood of tokens naming kids nobody publishes costs at most one fetch per 30 s.
      vi.setSystemTime(Date.now() + 31_000);
      for (let i = 0; i < 5; i += 1) {
        expect(await refusal(verifier, resignWith(rotating, fresh.token, `lk_not_published_${i}`))).toBe('unknown_key');
      }
      expect(fetches()).toBe(3);
    } finally {
      await rotating.close();
    }
  });

  it('honours the JWKS max-age: refetched once it has passed, so a key that left JWKS stops verifying', async () => {
    const rotating = await startLatchkey();
    try {
      const app = await rotating.createApp();
      const verifier = createVerifier({ issuer: 'latchkey', jwksUrl: `${rotating.url}/.well-known/jwks.json`, audience: app.id });
      const fetches = () => rotating.count('GET /.well-known/jwks.json');
      const jwks = await fetch(`${rotating.url}/.well-known/jwks.json`);
      const maxAge = Number(/max-age=(\d+)/.exec(jwks.headers.get('cache-control') ?? '')?.[1]);
      expect(maxAge).toBeGreaterThan(2);
      const base = fetches();

      const old = await anonymousSession(rotating, app.id);
      await verifier.verify(old.token);
      expect(fetches()).toBe(base + 1);

      // The old key leaves JWKS: rotated out, and the service's clock past its last token.
      await rotate(rotating.svc, { immediate: true });
      rotating.clock.advance(31 * 24 * 3600);

      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + (maxAge - 2) * 1000);
      // Within max-age the cached key still verifies: offline verifiers cannot see a key leave sooner.
      expect((await verifier.verify(old.token)).userId).toBe(old.userId);
      expect(fetches()).toBe(base + 1);

      vi.setSystemTime(Date.now() + 3000);
      expect(await refusal(verifier, old.token)).toBe('unknown_key');
      expect(fetches()).toBe(base + 2);
    } finally {
      await rotating.close();
    }
  });
});

/** `token` re-signed by the live service's current key under another kid. */
function resignWith(live: LiveService, token: string, kid: string): string {
  const [, p] = token.split('.');
  const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid, typ: 'session+jwt' })).toString('base64url');
  return `${header}.${p}.${sign(null, Buffer.from(`${header}.${p}`), live.svc.keyring.current.privateKey).toString('base64url')}`;
}
