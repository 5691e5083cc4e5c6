// Contract §2.2: which customer public keys are accepted, in which canonical
// form, and that every refusal says why without echoing the submitted key.
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import type { CustomerAlgorithm } from '../../src/keys/algorithms.js';
import { validatePublicKey } from '../../src/keys/validate-public-key.js';
import { base64Lines, certificatePem, ecKey, edKey, otherKey, rsaKey, type TestKey } from '../support/keys.js';

async function expectAccepted(key: TestKey, algorithm: CustomerAlgorithm, submitted = key.publicPem) {
  const result = await validatePublicKey(submitted, algorithm);
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  expect(result.publicKey).toBe(key.publicKey.export({ type: 'spki', format: 'pem' }));
  expect(result.thumbprint).toBe(await calculateJwkThumbprint(key.publicKey.export({ format: 'jwk' }) as JWK));
  return result;
}

/** Refused, with a reason matching `reason` that contains no line of what was sent. */
async function expectRefused(submitted: string, algorithm: CustomerAlgorithm, reason: RegExp) {
  const result = await validatePublicKey(submitted, algorithm);
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.reason).toMatch(reason);
  for (const line of base64Lines(submitted)) expect(result.reason).not.toContain(line);
  return result.reason;
}

const privatePem = (key: TestKey, type: 'pkcs8' | 'pkcs1' | 'sec1') =>
  key.privateKey.export({ type, format: 'pem' }) as string;

/**
 * An RSA public key with a modulus of `bits` bits. Only the public half ever
 * reaches latchkey, so random modulus bytes are what an uploader could send
 * anyway, and they spare the seconds of prime search an 8192-bit pair takes.
 */
function rsaPublicPemOfBits(bits: number): string {
  const n = randomBytes(bits / 8);
  n[0]! |= 0x80;
  n[n.length - 1]! |= 0x01;
  const key = createPublicKey({ key: { kty: 'RSA', n: n.toString('base64url'), e: 'AQAB' }, format: 'jwk' });
  return key.export({ type: 'spki', format: 'pem' }) as string;
}

describe('accepted keys', () => {
  it.each([
    [2048, 'RS256'],
    [3072, 'RS384'],
    [4096, 'RS512'],
    [2048, 'RS512'],
  ] as const)('RSA %i with %s', async (bits, algorithm) => {
    await expectAccepted(rsaKey(bits), algorithm);
  });

  it.each([
    ['P-256', 'ES256'],
    ['P-384', 'ES384'],
    ['P-521', 'ES512'],
  ] as const)('EC %s with %s', async (curve, algorithm) => {
    await expectAccepted(ecKey(curve), algorithm);
  });

  it('Ed25519 with EdDSA', async () => {
    await expectAccepted(edKey(), 'EdDSA');
  });

  it('accepts CRLF line ends and surrounding whitespace, and stores the canonical PEM', async () => {
    const key = ecKey('P-256');
    const pasted = `\n\t  ${key.publicPem.trim().replace(/\n/g, '\r\n')}\r\n\r\n  `;
    const result = await expectAccepted(key, 'ES256', pasted);
    expect(result.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----\n$/);
    expect(result.publicKey).not.toContain('\r');
  });

  it('gives the same thumbprint jose computes for the key, so a customer can match it to their JWKS', async () => {
    const key = rsaKey(2048);
    const result = await expectAccepted(key, 'RS256');
    expect(result.thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('refused: private keys, whatever their encoding', () => {
  const privateReason = /private key/i;

  it('PKCS#8 private key', async () => {
    await expectRefused(privatePem(ecKey('P-256'), 'pkcs8'), 'ES256', privateReason);
  });

  it('PKCS#1 RSA PRIVATE KEY', async () => {
    const pem = privatePem(rsaKey(2048), 'pkcs1');
    expect(pem).toContain('BEGIN RSA PRIVATE KEY');
    await expectRefused(pem, 'RS256', privateReason);
  });

  it('SEC1 EC PRIVATE KEY', async () => {
    const pem = privatePem(ecKey('P-256'), 'sec1');
    expect(pem).toContain('BEGIN EC PRIVATE KEY');
    await expectRefused(pem, 'ES256', privateReason);
  });

  it('encrypted PKCS#8', async () => {
    const pem = ecKey('P-256').privateKey.export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'correct horse battery staple',
    }) as string;
    expect(pem).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    await expectRefused(pem, 'ES256', privateReason);
  });

  it('a private JWK, without echoing any of its members', async () => {
    const jwk = ecKey('P-256').privateKey.export({ format: 'jwk' }) as Record<string, string>;
    const reason = await expectRefused(JSON.stringify(jwk), 'ES256', privateReason);
    for (const member of ['d', 'x', 'y']) expect(reason).not.toContain(jwk[member]);
  });
});

describe('refused: not one SPKI PEM public key', () => {
  it('a public JWK', async () => {
    const jwk = edKey().publicKey.export({ format: 'jwk' }) as Record<string, string>;
    const reason = await expectRefused(JSON.stringify(jwk), 'EdDSA', /JWK/);
    expect(reason).not.toContain(jwk.x);
  });

  it('an X.509 certificate', async () => {
    await expectRefused(certificatePem(), 'ES256', /certificate/i);
  });

  it('a PKCS#1 RSA PUBLIC KEY', async () => {
    const pem = rsaKey(2048).publicKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    expect(pem).toContain('BEGIN RSA PUBLIC KEY');
    await expectRefused(pem, 'RS256', /PKCS#1|SPKI/);
  });

  it('two PEM blocks', async () => {
    await expectRefused(`${ecKey('P-256').publicPem}${ecKey('P-256').publicPem}`, 'ES256', /several|one/i);
  });

  it.each([
    ['plain text', 'hello, this is my key'],
    ['empty', ''],
    ['a lone header', '-----BEGIN PUBLIC KEY-----'],
    ['base64 that is not DER', `-----BEGIN PUBLIC KEY-----\n${'QUJD'.repeat(16)}\n-----END PUBLIC KEY-----`],
  ])('garbage: %s', async (_name, text) => {
    await expectRefused(text, 'ES256', /public key/i);
  });
});

describe('refused: a PUBLIC KEY block in a shape the service does not read', () => {
  // Regression: these were refused as "a PUBLIC KEY block is not a public key",
  // which contradicts itself and does not say what to fix.
  const lines = () => ecKey('P-256').publicPem.trim().split('\n');
  const unwrapped = () => {
    const all = lines();
    return [all[0], all.slice(1, -1).join(''), all.at(-1)].join('\n');
  };
  const trailingSpaces = () => lines().map((line) => `${line}  `).join('\n');
  const noEndLine = () => lines().slice(0, -1).join('\n');

  it.each([
    ['base64 not wrapped into lines', unwrapped],
    ['trailing spaces on every line', trailingSpaces],
    ['no END line', noEndLine],
  ])('%s: says the block is malformed', async (_name, pem) => {
    const reason = await expectRefused(pem(), 'ES256', /malformed/);
    expect(reason).not.toMatch(/is not a public key/);
  });
});

describe('refused: weak or oversized RSA', () => {
  it('RSA 1024', async () => {
    await expectRefused(rsaKey(1024).publicPem, 'RS256', /2048 to 4096 bits, got 1024/);
  });

  it('RSA 8192', async () => {
    await expectRefused(rsaPublicPemOfBits(8192), 'RS256', /2048 to 4096 bits, got 8192/);
  });

  it('RSA with public exponent 3', async () => {
    await expectRefused(rsaKey(2048, 3).publicPem, 'RS256', /exponent must be 65537/);
  });
});

describe('refused: key not matching the algorithm', () => {
  it.each([
    ['EC P-256 key for RS256', () => ecKey('P-256'), 'RS256', /RS256 needs an RSA key/],
    ['RSA key for ES256', () => rsaKey(2048), 'ES256', /ES256 needs an EC key on P-256/],
    ['P-384 key for ES256', () => ecKey('P-384'), 'ES256', /P-256/],
    ['P-256 key for ES384', () => ecKey('P-256'), 'ES384', /P-384/],
    ['P-256 key for ES512', () => ecKey('P-256'), 'ES512', /P-521/],
    ['Ed25519 key for ES256', () => edKey(), 'ES256', /EC key/],
    ['EC key for EdDSA', () => ecKey('P-256'), 'EdDSA', /Ed25519/],
    ['X25519 key for EdDSA', () => otherKey('x25519'), 'EdDSA', /Ed25519/],
    ['Ed448 key for EdDSA', () => otherKey('ed448'), 'EdDSA', /Ed25519/],
    ['RSA-PSS key for RS256', () => otherKey('rsa-pss'), 'RS256', /RSA key/],
  ] as const)('%s', async (_name, key, algorithm, reason) => {
    await expectRefused(key().publicPem, algorithm, reason);
  });
});

it('a refused key reason never contains the submitted PEM, even in part', async () => {
  // The base64 of a private key pasted by mistake must not reach a response or a log.
  const submissions = [
    privatePem(rsaKey(2048), 'pkcs1'),
    privatePem(ecKey('P-384'), 'pkcs8'),
    rsaKey(1024).publicPem,
    generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'pem' }) as string,
  ];
  for (const pem of submissions) {
    const result = await validatePublicKey(pem, 'ES256');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).not.toMatch(/[A-Za-z0-9+/]{16,}/);
  }
});
