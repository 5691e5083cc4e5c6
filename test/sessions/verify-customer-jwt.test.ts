// §4.2 verifyCustomerJwt: the boundary of every rule, and the order the rules
// run in, tested on the pure function (no HTTP, no database).
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { CustomerKey } from '../../src/cache/app-cache.js';
import type { CustomerAlgorithm } from '../../src/keys/algorithms.js';
import { verifyCustomerJwt, type CustomerJwtResult } from '../../src/sessions/verify-customer-jwt.js';
import { b64json, b64url, claimsAt, forge, signJws, tokenOfLength } from '../support/customer-jwt.js';
import { ecKey, edKey, rsaKey, type TestKey } from '../support/keys.js';

const NOW = Math.floor(Date.parse('2026-11-21T12:00:00Z') / 1000);

const KEYS: Record<string, { algorithm: CustomerAlgorithm; pair: TestKey }> = {
  'ec-key': { algorithm: 'ES256', pair: ecKey('P-256') },
  'ed-key': { algorithm: 'EdDSA', pair: edKey() },
  'rsa-key': { algorithm: 'RS256', pair: rsaKey(2048) },
};

function keyFor(kid: string): CustomerKey | undefined {
  const entry = new Map(Object.entries(KEYS)).get(kid);
  return entry && { kid, algorithm: entry.algorithm, key: entry.pair.publicKey };
}

const verify = (token: string, now = NOW) => verifyCustomerJwt(token, keyFor, now);

/** A token signed with the ES256 key under kid "ec-key" (header and claims overridable). */
function ecToken(claims: unknown = claimsAt(NOW), header: Record<string, unknown> = {}): string {
  return forge({ header: { alg: 'ES256', kid: 'ec-key', ...header }, payload: claims, key: ecKey('P-256').privateKey });
}

const rejected = (reason: string): CustomerJwtResult => ({ ok: false, reason }) as CustomerJwtResult;

describe('verifyCustomerJwt accepts', () => {
  it.each([
    ['ES256', 'ec-key'],
    ['EdDSA', 'ed-key'],
    ['RS256', 'rsa-key'],
  ])('a valid %s token and returns sub, exp and the verified claims', async (alg, kid) => {
    const claims = claimsAt(NOW, { plan: 'pro', roles: ['admin'], aud: 'chat', iss: 'acme', jti: 'j1', nbf: NOW });
    const token = forge({ header: { alg, kid }, payload: claims, key: KEYS[kid]!.pair.privateKey });
    expect(await verify(token)).toEqual({
      ok: true,
      // aud, iss and jti as sent, for the app's own policy (step 9).
      value: { sub: 'user-42', exp: NOW + 3600, claims: { plan: 'pro', roles: ['admin'] }, aud: 'chat', iss: 'acme', jti: 'j1' },
    });
  });

  it('looks up exactly one key, by the header kid, and never tries the others', async () => {
    const lookup = vi.fn(keyFor);
    const token = forge({ header: { alg: 'ES256', kid: 'ec-key' }, payload: claimsAt(NOW), key: ecKey('P-256').privateKey });
    await verifyCustomerJwt(token, lookup, NOW);
    expect(lookup.mock.calls).toEqual([['ec-key']]);

    lookup.mockClear();
    const wrongKey = forge({ header: { alg: 'ES256', kid: 'ec-key' }, payload: claimsAt(NOW), key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey });
    expect(await verifyCustomerJwt(wrongKey, lookup, NOW)).toEqual(rejected('signature_invalid'));
    expect(lookup.mock.calls).toEqual([['ec-key']]);
  });
});

describe('rule 1: size and shape → malformed', () => {
  it('accepts a token of exactly 8 KiB and refuses 8 KiB + 1 before looking up a key', async () => {
    const opts = { alg: 'ES256', kid: 'ec-key', key: ecKey('P-256').privateKey, now: NOW };
    const exact = tokenOfLength(8192, opts);
    expect(exact).toHaveLength(8192);
    expect((await verify(exact)).ok).toBe(true);

    const over = tokenOfLength(8193, opts);
    const lookup = vi.fn(keyFor);
    expect(await verifyCustomerJwt(over, lookup, NOW)).toEqual(rejected('malformed'));
    expect(lookup).not.toHaveBeenCalled();
  });

  it.each([
    ['one segment', (t: string) => t.split('.')[0]!],
    ['two segments', (t: string) => t.split('.').slice(0, 2).join('.')],
    ['four segments', (t: string) => `${t}.${t.split('.')[2]}`],
    ['an empty header segment', (t: string) => `.${t.split('.').slice(1).join('.')}`],
    ['an empty payload segment', (t: string) => t.replace(/\.[^.]+\./, '..')],
    ['"!!!" in the header', (t: string) => `!!!${t}`],
    ['"!!!" in the payload', (t: string) => t.replace('.', '.!!!')],
    ['"!!!" in the signature', (t: string) => `${t}!!!`],
    ['standard base64 "+" in the header', (t: string) => `+${t}`],
    ['padding "=" in the signature', (t: string) => `${t}=`],
    ['surrounding whitespace', (t: string) => ` ${t}`],
    ['the empty string', () => ''],
  ])('refuses %s', async (_name, mangle) => {
    expect(await verify(mangle(ecToken()))).toEqual(rejected('malformed'));
  });

  it.each([['[]'], ['"x"'], ['null'], ['42'], ['true'], ['not json'], ['{"alg":"ES256","kid":"ec-key"']])(
    'refuses a header of %s',
    async (headerText) => {
      const token = `${b64url(headerText)}.${b64json(claimsAt(NOW))}.${b64url('sig')}`;
      expect(await verify(token)).toEqual(rejected('malformed'));
    },
  );

  it.each([['[]'], ['null'], ['"x"'], ['not json'], ['{"sub":"u"']])(
    'refuses a correctly signed payload of %s',
    async (payloadText) => {
      expect(await verify(ecToken(payloadText))).toEqual(rejected('malformed'));
    },
  );

  it('refuses a correctly signed payload that is not UTF-8', async () => {
    const input = `${b64json({ alg: 'ES256', kid: 'ec-key' })}.${b64url(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))}`;
    const token = `${input}.${b64url(signJws('ES256', ecKey('P-256').privateKey, input))}`;
    expect(await verify(token)).toEqual(rejected('malformed'));
  });

  it.each([
    ['crit ["exp"]', { crit: ['exp'] }],
    ['crit ["b64"] with b64 false', { crit: ['b64'], b64: false }],
    ['an empty crit list', { crit: [] }],
    ['crit that is not a list', { crit: 'exp' }],
  ])('refuses %s (latchkey understands no JWS extension)', async (_name, extra) => {
    expect(await verify(ecToken(claimsAt(NOW), extra))).toEqual(rejected('malformed'));
  });

  it('refuses b64:false with the payload actually left unencoded', async () => {
    const header = b64json({ alg: 'ES256', kid: 'ec-key', b64: false, crit: ['b64'] });
    const payload = JSON.stringify(claimsAt(NOW));
    const signature = b64url(signJws('ES256', ecKey('P-256').privateKey, `${header}.${payload}`));
    expect(await verify(`${header}.${payload}.${signature}`)).toEqual(rejected('malformed'));
    // The detached form, with the payload segment empty, is no better.
    expect(await verify(`${header}..${signature}`)).toEqual(rejected('malformed'));
  });
});

describe('rule 2: kid', () => {
  it.each([
    ['missing', {}],
    ['a number', { kid: 1 }],
    ['null', { kid: null }],
    ['an object', { kid: { toString: 'ec-key' } }],
    ['a list', { kid: ['ec-key'] }],
    ['empty', { kid: '' }],
  ])('%s → kid_missing', async (_name, kidPart) => {
    const token = forge({ header: { alg: 'ES256', ...kidPart }, payload: claimsAt(NOW), key: ecKey('P-256').privateKey });
    expect(await verify(token)).toEqual(rejected('kid_missing'));
  });

  it.each([['unknown'], ['constructor'], ['__proto__'], ['toString'], ['hasOwnProperty'], ['EC-KEY'], ['ec-key ']])(
    '%j → kid_unknown',
    async (kid) => {
      const token = forge({ header: { alg: 'ES256', kid }, payload: claimsAt(NOW), key: ecKey('P-256').privateKey });
      expect(await verify(token)).toEqual(rejected('kid_unknown'));
    },
  );

  it('checks the kid before the alg', async () => {
    expect(await verify(forge({ header: { alg: 'none', kid: 'nope' }, payload: claimsAt(NOW) }))).toEqual(
      rejected('kid_unknown'),
    );
  });
});

describe('rule 3: alg must equal the key’s registered algorithm → alg_mismatch', () => {
  const rsa = rsaKey(2048).privateKey;
  const ec = ecKey('P-256').privateKey;
  const ed = edKey().privateKey;
  it.each([
    ['none (no signature)', 'ec-key', { alg: 'none' }, undefined, ''],
    ['None', 'ec-key', { alg: 'None' }, undefined, ''],
    ['NONE with a signature', 'ec-key', { alg: 'NONE' }, undefined, 'c2ln'],
    ['missing', 'ec-key', {}, ec, undefined, 'ES256'],
    ['lower-case es256', 'ec-key', { alg: 'es256' }, ec, undefined, 'ES256'],
    ['ES384 on a P-256 key', 'ec-key', { alg: 'ES384' }, ec],
    ['ES512 on a P-256 key', 'ec-key', { alg: 'ES512' }, ec],
    ['HS256 keyed with the public PEM', 'rsa-key', { alg: 'HS256' }, rsaKey(2048).publicPem],
    ['PS256 really signed by the RSA key', 'rsa-key', { alg: 'PS256' }, rsa],
    ['RS384 really signed by the RSA key', 'rsa-key', { alg: 'RS384' }, rsa],
    ['RS512 really signed by the RSA key', 'rsa-key', { alg: 'RS512' }, rsa],
    ['Ed25519 on an EdDSA key', 'ed-key', { alg: 'Ed25519' }, ed],
    ['EdDSA on an ES256 key', 'ec-key', { alg: 'EdDSA' }, ed],
  ])('%s', async (_name, kid, algPart, key, signature?, signAlg?) => {
    const token = forge({ header: { ...algPart, kid }, payload: claimsAt(NOW), key, signature, signAlg });
    expect(await verify(token)).toEqual(rejected('alg_mismatch'));
  });
});

describe('rule 4: signature → signature_invalid', () => {
  const header = { alg: 'ES256', kid: 'ec-key' };

  it('refuses a signature by another key of the same type', async () => {
    for (const [kid, alg, other] of [
      ['ec-key', 'ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey],
      ['ed-key', 'EdDSA', generateKeyPairSync('ed25519').privateKey],
    ] as const) {
      expect(await verify(forge({ header: { alg, kid }, payload: claimsAt(NOW), key: other }))).toEqual(
        rejected('signature_invalid'),
      );
    }
  });

  it('refuses an all-zero, an empty and a DER-encoded ECDSA signature', async () => {
    const zero = forge({ header, payload: claimsAt(NOW), signature: new Uint8Array(64) });
    const empty = forge({ header, payload: claimsAt(NOW), signature: '' });
    const input = `${b64json(header)}.${b64json(claimsAt(NOW))}`;
    const der = `${input}.${b64url(sign('sha256', Buffer.from(input), ecKey('P-256').privateKey))}`;
    for (const token of [zero, empty, der]) expect(await verify(token)).toEqual(rejected('signature_invalid'));
  });

  it('refuses a payload changed after signing', async () => {
    const [h, , s] = ecToken().split('.');
    const token = `${h}.${b64json(claimsAt(NOW, { sub: 'admin' }))}.${s}`;
    expect(await verify(token)).toEqual(rejected('signature_invalid'));
  });

  it('ignores embedded jwk, jku, x5u and x5c: an attacker key named there does not verify', async () => {
    const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = attacker.publicKey.export({ format: 'jwk' });
    for (const extra of [
      { jwk },
      { jku: 'http://127.0.0.1:1/jwks.json' },
      { x5u: 'http://127.0.0.1:1/cert.pem' },
      { x5c: ['MIIB'] },
    ]) {
      const token = forge({ header: { ...header, ...extra }, payload: claimsAt(NOW), key: attacker.privateKey });
      expect(await verify(token)).toEqual(rejected('signature_invalid'));
    }
  });

  it('checks the signature before any claim', async () => {
    const bad = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const token = forge({ header, payload: { exp: NOW - 10 }, key: bad });
    expect(await verify(token)).toEqual(rejected('signature_invalid'));
  });
});

describe('rule 5: exp and nbf', () => {
  it.each([
    ['missing', { exp: undefined }],
    ['exactly now', { exp: NOW }],
    ['now − 1', { exp: NOW - 1 }],
    ['a numeric string', { exp: '9999999999' }],
    ['null', { exp: null }],
    ['a boolean', { exp: true }],
  ])('exp %s → expired', async (_name, override) => {
    expect(await verify(ecToken(claimsAt(NOW, override)))).toEqual(rejected('expired'));
  });

  it('exp that overflows to Infinity → expired', async () => {
    const raw = `{"sub":"user-42","iat":${NOW},"exp":1e400}`;
    expect(await verify(ecToken(raw))).toEqual(rejected('expired'));
  });

  it('exp one second ahead is accepted', async () => {
    expect((await verify(ecToken(claimsAt(NOW, { exp: NOW + 1 })))).ok).toBe(true);
  });

  it.each([
    ['one second ahead', { nbf: NOW + 1 }, 'not_yet_valid'],
    ['a string', { nbf: String(NOW) }, 'not_yet_valid'],
    ['null', { nbf: null }, 'not_yet_valid'],
  ])('nbf %s → %s', async (_name, override, reason) => {
    expect(await verify(ecToken(claimsAt(NOW, override)))).toEqual(rejected(reason));
  });

  it('nbf now or in the past is accepted', async () => {
    expect((await verify(ecToken(claimsAt(NOW, { nbf: NOW })))).ok).toBe(true);
    expect((await verify(ecToken(claimsAt(NOW, { nbf: NOW - 30 })))).ok).toBe(true);
  });
});

describe('rule 6: iat and lifetime', () => {
  it.each([
    ['missing', { iat: undefined }],
    ['a string', { iat: String(NOW) }],
    ['null', { iat: null }],
    ['61 s ahead', { iat: NOW + 61 }],
    ['61 s behind', { iat: NOW - 61 }],
  ])('iat %s → iat_out_of_range', async (_name, override) => {
    expect(await verify(ecToken(claimsAt(NOW, override)))).toEqual(rejected('iat_out_of_range'));
  });

  it.each([[-60], [-59], [59], [60]])('iat %i s from the clock is accepted', async (skew) => {
    expect((await verify(ecToken(claimsAt(NOW, { iat: NOW + skew })))).ok).toBe(true);
  });

  it('a lifetime of 86 400 s is accepted, 86 401 s refused', async () => {
    expect((await verify(ecToken(claimsAt(NOW, { exp: NOW + 86_400 })))).ok).toBe(true);
    expect(await verify(ecToken(claimsAt(NOW, { exp: NOW + 86_401 })))).toEqual(rejected('lifetime_too_long'));
    // Measured from iat, not from the server clock.
    const iat = NOW - 30;
    expect(await verify(ecToken(claimsAt(NOW, { iat, exp: iat + 86_401 })))).toEqual(rejected('lifetime_too_long'));
  });
});

describe('rule 7: sub', () => {
  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['256 characters', 'a'.repeat(256)],
    ['a number', 123],
    ['null', null],
    ['an object', { id: 'u' }],
    ['in latchkey’s anon_ namespace', 'anon_123'],
  ])('%s → sub_invalid', async (_name, sub) => {
    expect(await verify(ecToken(claimsAt(NOW, { sub })))).toEqual(rejected('sub_invalid'));
  });

  it('255 characters are accepted', async () => {
    const sub = 'a'.repeat(255);
    expect(await verify(ecToken(claimsAt(NOW, { sub })))).toMatchObject({ ok: true, value: { sub } });
  });
});

describe('rule 8: verified claims', () => {
  it.each([['__proto__'], ['constructor'], ['prototype']])('a top-level %s claim → forbidden_claim', async (name) => {
    // Raw JSON text: JSON.stringify would not emit an own __proto__ key.
    const raw = `{"sub":"user-42","iat":${NOW},"exp":${NOW + 3600},"${name}":{"isAdmin":true}}`;
    expect(await verify(ecToken(raw))).toEqual(rejected('forbidden_claim'));
  });

  it('refuses a forbidden claim before measuring the claims', async () => {
    const raw = `{"sub":"u","iat":${NOW},"exp":${NOW + 60},"__proto__":1,"pad":"${'x'.repeat(2000)}"}`;
    expect(await verify(ecToken(raw))).toEqual(rejected('forbidden_claim'));
  });

  it('accepts exactly 1024 bytes of verified claims and refuses 1025', async () => {
    // {"d":"…"} is 8 bytes of JSON around the string.
    const at = (n: number) => claimsAt(NOW, { d: 'x'.repeat(n - 8) });
    expect(Buffer.byteLength(JSON.stringify({ d: 'x'.repeat(1016) }))).toBe(1024);
    expect(await verify(ecToken(at(1024)))).toMatchObject({ ok: true, value: { claims: { d: 'x'.repeat(1016) } } });
    expect(await verify(ecToken(at(1025)))).toEqual(rejected('claims_too_large'));
  });

  it('counts UTF-8 bytes, not UTF-16 code units', async () => {
    const d = `é${'x'.repeat(1015)}`;
    expect(JSON.stringify({ d })).toHaveLength(1024);
    expect(Buffer.byteLength(JSON.stringify({ d }))).toBe(1025);
    expect(await verify(ecToken(claimsAt(NOW, { d })))).toEqual(rejected('claims_too_large'));
  });

  it('does not count registered claims towards the cap', async () => {
    const result = await verify(ecToken(claimsAt(NOW, { aud: 'a'.repeat(3000), iss: 'i'.repeat(1000), jti: 'j' })));
    expect(result).toMatchObject({ ok: true, value: { sub: 'user-42', exp: NOW + 3600, claims: {} } });
  });

  it('returns {} when there are no verified claims', async () => {
    expect(await verify(ecToken())).toMatchObject({ ok: true, value: { claims: {} } });
  });
});
