// The attack catalog for §3.3/§4.2: forged and borderline customer JWTs sent
// to POST /run/auth/apps/{appId}/session the way an attacker would, on an app
// that does not allow anonymous sessions, so every refusal is visible as
// 401 invalid_token with the exact reason (and never an anonymous fallback).
import { generateKeyPairSync, sign, X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTestKey, APPS, auth, createTestApp, makeHarness, type Harness } from '../support/harness.js';
import { b64json, b64url, claimsAt, forge, requestSession, tokenOfLength } from '../support/customer-jwt.js';
import { certificatePem, ecKey, edKey, rsaKey } from '../support/keys.js';
import { anonymousToken } from '../support/run-api.js';

const rsa = rsaKey(2048);
const ec = ecKey('P-256');
const ed = edKey();
// Keys of the same types that the app never registered.
const otherEc = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const otherEd = generateKeyPairSync('ed25519');
const otherRsa = rsaKey(2048, 3);

let h: Harness;
let closedApp: Awaited<ReturnType<typeof createTestApp>>;
let appId: string; // closedApp's: allowAnonymous false, every failure is 401 invalid_token
let openAppId: string; // allowAnonymous true, same keys
let rsaPemAsPublished: string;
let now: number;

beforeAll(async () => {
  h = await makeHarness();
  now = h.clock.seconds;
  closedApp = await createTestApp(h, { config: { webClient: { allowedDomains: ['docs.example.com'], allowAnonymous: false } } });
  appId = closedApp.id;
  const openApp = await createTestApp(h);
  openAppId = openApp.id;
  for (const app of [closedApp, openApp]) {
    const uploaded = await addTestKey(h, app, { kid: 'rsa-key', algorithm: 'RS256', publicKey: rsa.publicPem });
    rsaPemAsPublished = uploaded.publicKey;
    await addTestKey(h, app, { kid: 'ec-key', algorithm: 'ES256', publicKey: ec.publicPem });
    await addTestKey(h, app, { kid: 'ed-key', algorithm: 'EdDSA', publicKey: ed.publicPem });
  }
});

const ecToken = (claims: unknown = claimsAt(now), header: Record<string, unknown> = {}) =>
  forge({ header: { alg: 'ES256', kid: 'ec-key', ...header }, payload: claims, key: ec.privateKey });

async function expectRefused(token: string, reason: string, id = appId) {
  const res = await requestSession(h, id, { token });
  expect(res.status).toBe(401);
  expect(res.body.error).toMatchObject({ code: 'invalid_token', reason });
  expect(res.body).not.toHaveProperty('token');
}

async function expectAccepted(token: string) {
  const res = await requestSession(h, appId, { token });
  expect(res.status).toBe(200);
  expect(res.body.authMethod).toBe('authenticated');
  return res.body as { token: string; userId: string; verifiedClaims: Record<string, unknown> };
}

describe('algorithm confusion → alg_mismatch', () => {
  it.each([
    ['none', ''],
    ['none', b64url('sig')],
    ['None', ''],
    ['None', b64url('sig')],
    ['NONE', ''],
    ['NONE', b64url('sig')],
  ])('alg %j with signature %j', async (alg, signature) => {
    await expectRefused(forge({ header: { alg, kid: 'ec-key' }, payload: claimsAt(now), signature }), 'alg_mismatch');
    await expectRefused(forge({ header: { alg, kid: 'rsa-key' }, payload: claimsAt(now), signature }), 'alg_mismatch');
  });

  it('HS256 keyed with the app’s own RSA public key PEM', async () => {
    for (const secret of [rsaPemAsPublished, rsa.publicPem, rsaPemAsPublished.trim()]) {
      await expectRefused(forge({ header: { alg: 'HS256', kid: 'rsa-key' }, payload: claimsAt(now), key: secret }), 'alg_mismatch');
    }
  });

  it.each([['PS256'], ['RS384'], ['RS512'], ['PS512']])('%s really signed by the RS256 key’s private key', async (alg) => {
    await expectRefused(forge({ header: { alg, kid: 'rsa-key' }, payload: claimsAt(now), key: rsa.privateKey }), 'alg_mismatch');
  });

  it('ES384 on the P-256 key (signed with SHA-384 by that key)', async () => {
    await expectRefused(forge({ header: { alg: 'ES384', kid: 'ec-key' }, payload: claimsAt(now), key: ec.privateKey }), 'alg_mismatch');
  });

  it('alg "Ed25519" on the EdDSA key', async () => {
    await expectRefused(forge({ header: { alg: 'Ed25519', kid: 'ed-key' }, payload: claimsAt(now), key: ed.privateKey }), 'alg_mismatch');
  });
});

describe('keys named by the token are never used', () => {
  let server: Server;
  let requests: string[];
  let base: string;

  beforeAll(async () => {
    requests = [];
    const jwks = JSON.stringify({ keys: [{ ...otherEc.publicKey.export({ format: 'jwk' }), kid: 'ec-key', alg: 'ES256' }] });
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.setHeader('Content-Type', 'application/json');
      res.end(jwks);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const attackerSigned = (extra: Record<string, unknown>) =>
    forge({ header: { alg: 'ES256', kid: 'ec-key', ...extra }, payload: claimsAt(now), key: otherEc.privateKey });

  it('embedded jwk with the attacker’s key → signature_invalid', async () => {
    await expectRefused(attackerSigned({ jwk: otherEc.publicKey.export({ format: 'jwk' }) }), 'signature_invalid');
  });

  it('the listener really serves the attacker key (so a fetch would have mattered)', async () => {
    const res = await fetch(`${base}/self-check`);
    const body = (await res.json()) as { keys: { kid: string }[] };
    expect(body.keys[0]!.kid).toBe('ec-key');
    requests.length = 0;
  });

  it('jku pointing at a local listener → signature_invalid, and nothing is fetched', async () => {
    await expectRefused(attackerSigned({ jku: `${base}/jwks.json` }), 'signature_invalid');
    expect(requests).toEqual([]);
  });

  it('x5u pointing at a local listener → signature_invalid, and nothing is fetched', async () => {
    await expectRefused(attackerSigned({ x5u: `${base}/cert.pem` }), 'signature_invalid');
    expect(requests).toEqual([]);
  });

  it('x5c with an attacker certificate → signature_invalid', async () => {
    const der = new X509Certificate(certificatePem()).raw.toString('base64');
    await expectRefused(attackerSigned({ x5c: [der] }), 'signature_invalid');
    expect(requests).toEqual([]);
  });
});

describe('JWS extensions → malformed', () => {
  it('an unknown crit header', async () => {
    await expectRefused(ecToken(claimsAt(now), { crit: ['urn:example:bind'], 'urn:example:bind': true }), 'malformed');
    await expectRefused(ecToken(claimsAt(now), { crit: ['exp'] }), 'malformed');
  });

  it('b64: false (RFC 7797 unencoded payload)', async () => {
    const header = b64json({ alg: 'ES256', kid: 'ec-key', b64: false, crit: ['b64'] });
    const payload = JSON.stringify(claimsAt(now));
    const signed = sign('sha256', Buffer.from(`${header}.${payload}`), { key: ec.privateKey, dsaEncoding: 'ieee-p1363' });
    // As sent (unencoded JSON cannot be a base64url segment) and with the payload re-encoded.
    await expectRefused(`${header}.${payload}.${b64url(signed)}`, 'malformed');
    await expectRefused(`${header}.${b64url(payload)}.${b64url(signed)}`, 'malformed');
    await expectRefused(ecToken(claimsAt(now), { b64: false, crit: ['b64'] }), 'malformed');
  });
});

describe('ECDSA signature encodings → signature_invalid', () => {
  const header = { alg: 'ES256', kid: 'ec-key' };

  it('an all-zero signature (64 zero bytes)', async () => {
    await expectRefused(forge({ header, payload: claimsAt(now), signature: new Uint8Array(64) }), 'signature_invalid');
  });

  it('a DER-encoded signature from the right key', async () => {
    const input = `${b64json(header)}.${b64json(claimsAt(now))}`;
    const der = sign('sha256', Buffer.from(input), ec.privateKey);
    expect(der[0]).toBe(0x30); // an ASN.1 SEQUENCE, not r‖s
    await expectRefused(`${input}.${b64url(der)}`, 'signature_invalid');
  });
});

describe('malformed tokens → malformed', () => {
  const good = () => ecToken();

  it.each([
    ['2 segments', () => good().split('.').slice(0, 2).join('.')],
    ['4 segments', () => `${good()}.${good().split('.')[2]}`],
    ['"!!!" in the header', () => `!!!${good()}`],
    ['"!!!" in the payload', () => good().replace('.', '.!!!')],
    ['"!!!" in the signature', () => `${good()}!!!`],
  ])('%s', async (_name, make) => {
    await expectRefused(make(), 'malformed');
  });

  it.each([['[]'], ['"x"'], ['null']])('a header that is JSON %s', async (headerText) => {
    const input = `${b64url(headerText)}.${b64json(claimsAt(now))}`;
    await expectRefused(`${input}.${b64url(sign('sha256', Buffer.from(input), { key: ec.privateKey, dsaEncoding: 'ieee-p1363' }))}`, 'malformed');
  });

  it('a correctly signed token of 8 KiB + 1 (8 KiB exactly is accepted)', async () => {
    const opts = { alg: 'ES256', kid: 'ec-key', key: ec.privateKey, now };
    await expectAccepted(tokenOfLength(8192, opts));
    await expectRefused(tokenOfLength(8193, opts), 'malformed');
  });
});

describe('kid', () => {
  const withKid = (kidPart: Record<string, unknown>, key = ec.privateKey) =>
    forge({ header: { alg: 'ES256', ...kidPart }, payload: claimsAt(now), key });

  it('missing → kid_missing', async () => {
    await expectRefused(withKid({}), 'kid_missing');
  });

  it('numeric 1 → kid_missing', async () => {
    await expectRefused(withKid({ kid: 1 }), 'kid_missing');
  });

  it.each([['constructor'], ['__proto__'], ['toString']])('%j → kid_unknown', async (kid) => {
    await expectRefused(withKid({ kid }), 'kid_unknown');
  });

  it('the kid of another app’s key → kid_unknown', async () => {
    const b = await createTestApp(h, { name: 'App B' });
    const bKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await addTestKey(h, b, { kid: 'b-key', algorithm: 'ES256', publicKey: bKey.publicKey.export({ type: 'spki', format: 'pem' }) as string });
    const token = withKid({ kid: 'b-key' }, bKey.privateKey);
    // The token is good on app B …
    expect((await requestSession(h, b.id, { token })).status).toBe(200);
    // … and names nothing on app A.
    await expectRefused(token, 'kid_unknown');
  });
});

describe('exp → expired', () => {
  it.each([
    ['missing', { exp: undefined }],
    ['exactly now', { exp: 0 }],
    ['now − 1', { exp: -1 }],
  ])('%s', async (_name, { exp }) => {
    await expectRefused(ecToken(claimsAt(now, { exp: exp === undefined ? undefined : now + exp })), 'expired');
  });

  it('the string "9999999999"', async () => {
    await expectRefused(ecToken(claimsAt(now, { exp: '9999999999' })), 'expired');
  });
});

describe('iat', () => {
  it.each([
    ['missing', { iat: undefined }],
    ['a string', { iat: 'now' }],
    ['61 s ahead', { iat: 61 }],
    ['61 s behind', { iat: -61 }],
  ])('%s → iat_out_of_range', async (_name, { iat }) => {
    const value = typeof iat === 'number' ? now + iat : iat;
    await expectRefused(ecToken(claimsAt(now, { iat: value })), 'iat_out_of_range');
  });

  it.each([[59], [-59]])('%i s away is accepted', async (skew) => {
    await expectAccepted(ecToken(claimsAt(now, { iat: now + skew })));
  });

  it('exp − iat = 86 401 → lifetime_too_long; 86 400 is accepted', async () => {
    await expectRefused(ecToken(claimsAt(now, { exp: now + 86_401 })), 'lifetime_too_long');
    await expectAccepted(ecToken(claimsAt(now, { exp: now + 86_400 })));
  });
});

describe('nbf', () => {
  it('in the future → not_yet_valid; now is accepted', async () => {
    await expectRefused(ecToken(claimsAt(now, { nbf: now + 1 })), 'not_yet_valid');
    await expectAccepted(ecToken(claimsAt(now, { nbf: now })));
  });
});

describe('sub', () => {
  it.each([
    ['missing', undefined],
    ['""', ''],
    ['256 characters', 'u'.repeat(256)],
    ['the number 123', 123],
    ['"anon_123"', 'anon_123'],
    ['null', null],
  ])('%s → sub_invalid', async (_name, sub) => {
    await expectRefused(ecToken(claimsAt(now, { sub })), 'sub_invalid');
  });

  it('255 characters are accepted and become the userId', async () => {
    const sub = 'u'.repeat(255);
    expect((await expectAccepted(ecToken(claimsAt(now, { sub })))).userId).toBe(sub);
  });
});

describe('verified claims size', () => {
  // {"d":"…"} is 8 bytes of JSON around the string.
  const claimsOf = (d: string) => ecToken(claimsAt(now, { d }));

  it('exactly 1024 bytes are accepted', async () => {
    expect(Buffer.byteLength(JSON.stringify({ d: 'x'.repeat(1016) }))).toBe(1024);
    expect((await expectAccepted(claimsOf('x'.repeat(1016)))).verifiedClaims).toEqual({ d: 'x'.repeat(1016) });
  });

  it.each([
    ['allowAnonymous false', () => appId],
    ['allowAnonymous true (never a fallback)', () => openAppId],
  ])('1025 bytes → 401 claims_too_large, with %s', async (_name, id) => {
    const res = await requestSession(h, id(), { token: claimsOf('x'.repeat(1017)) });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('claims_too_large');
    expect(res.body).not.toHaveProperty('token');
  });

  it('multi-byte characters count as their UTF-8 bytes', async () => {
    const d = `é${'x'.repeat(1015)}`;
    expect(JSON.stringify({ d }).length).toBe(1024);
    expect(Buffer.byteLength(JSON.stringify({ d }))).toBe(1025);
    for (const id of [appId, openAppId]) {
      const res = await requestSession(h, id, { token: claimsOf(d) });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('claims_too_large');
    }
  });
});

describe('prototype claims → forbidden_claim', () => {
  it.each([['__proto__'], ['constructor'], ['prototype']])('a top-level %s claim', async (name) => {
    // Raw JSON text: JSON.stringify never emits an own __proto__ key.
    const raw = `{"sub":"user-42","iat":${now},"exp":${now + 3600},"${name}":{"isAdmin":true}}`;
    await expectRefused(ecToken(raw), 'forbidden_claim');
  });
});

describe('wrong signer → signature_invalid', () => {
  it.each([
    ['ES256', 'ec-key', otherEc.privateKey],
    ['EdDSA', 'ed-key', otherEd.privateKey],
    ['RS256', 'rsa-key', otherRsa.privateKey],
  ])('%s signed by another key of the same type', async (alg, kid, key) => {
    await expectRefused(forge({ header: { alg, kid }, payload: claimsAt(now), key }), 'signature_invalid');
  });
});

describe('key deletion', () => {
  it('a token that worked is kid_unknown on the very next request after its key is deleted', async () => {
    const temp = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await addTestKey(h, closedApp, { kid: 'temp-key', algorithm: 'ES256', publicKey: temp.publicKey.export({ type: 'spki', format: 'pem' }) as string });
    const token = forge({ header: { alg: 'ES256', kid: 'temp-key' }, payload: claimsAt(now), key: temp.privateKey });
    await expectAccepted(token);
    await h.http.delete(`${APPS}/${appId}/auth-keys/temp-key`).set(auth).expect(204);
    await expectRefused(token, 'kid_unknown');
  });
});

describe('latchkey’s own session tokens are not customer JWTs', () => {
  it('an anonymous session token of this very app is refused', async () => {
    await h.http.patch(`${APPS}/${appId}`).set(auth).send({ config: { webClient: { allowAnonymous: true } } }).expect(200);
    const { token } = await anonymousToken(h, appId);
    await h.http.patch(`${APPS}/${appId}`).set(auth).send({ config: { webClient: { allowAnonymous: false } } }).expect(200);

    const res = await requestSession(h, appId, { token });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_token');
    expect(res.body.error.reason).toBe('kid_unknown');
  });

  it('an authenticated session token is refused too', async () => {
    const { token } = await expectAccepted(ecToken());
    const res = await requestSession(h, appId, { token });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_token');
  });
});
