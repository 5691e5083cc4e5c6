// Contract §2.2, stronger key checks: a key anyone could sign with, or bytes
// that are not exactly one SPKI key, are refused with a reason that says why
// and echoes nothing. Every key here is built by hand (test/support/keys.ts).
import { createDiffieHellmanGroup, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CustomerAlgorithm } from '../../src/keys/algorithms.js';
import { validatePublicKey } from '../../src/keys/validate-public-key.js';
import {
  base64Lines,
  ecSpki,
  ed25519Encoding,
  ed25519Spki,
  hostileEcKeys,
  hostileEd25519Keys,
  hostileRsaKeys,
  malformedSpkiKeys,
  modPow,
  pemOf,
  rsaSpki,
  type EcCurve,
  type HostileKey,
} from '../support/keys.js';

async function expectRefused({ publicKey, algorithm, reason }: Pick<HostileKey, 'publicKey' | 'algorithm' | 'reason'>) {
  const result = await validatePublicKey(publicKey, algorithm);
  if (result.ok) throw new Error('accepted');
  expect(result.reason).toMatch(reason);
  for (const line of base64Lines(publicKey)) expect(result.reason).not.toContain(line);
  expect(result.reason).not.toMatch(/[A-Za-z0-9+/]{16,}/);
}

async function expectAccepted(publicKey: string, algorithm: CustomerAlgorithm) {
  const result = await validatePublicKey(publicKey, algorithm);
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
}

const CURVES: EcCurve[] = ['P-256', 'P-384', 'P-521'];

describe('EC keys', () => {
  it.each(CURVES.flatMap(hostileEcKeys).map((key) => [key.name, key] as const))('refuses %s', async (_name, key) => {
    await expectRefused(key);
  });

  it.each(['EdDSA', 'RS256', 'ES384'] as const)(
    'refuses an off-curve P-256 point and the point at infinity under %s too',
    async (algorithm) => {
      const [offCurve, infinity] = hostileEcKeys('P-256');
      await expectRefused({ ...offCurve!, algorithm, reason: /needs an/ });
      await expectRefused({ ...infinity!, algorithm, reason: /needs an/ });
    },
  );

  it.each(CURVES)('accepts freshly generated %s keys, whatever the parity of y', async (curve) => {
    const algorithm = ({ 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' } as const)[curve];
    for (let i = 0; i < 16; i++) {
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      await expectAccepted(publicKey.export({ type: 'spki', format: 'pem' }) as string, algorithm);
    }
  });
});

describe('Ed25519 keys', () => {
  it.each(hostileEd25519Keys().map((key) => [key.name, key] as const))('refuses %s', async (_name, key) => {
    await expectRefused(key);
  });

  it('accepts the base point, so the small-order test is not vacuous', async () => {
    // B has y = 4/5 mod p (RFC 8032 §5.1), x even.
    const p = 2n ** 255n - 19n;
    const y = (4n * modPow(5n, p - 2n, p)) % p;
    await expectAccepted(pemOf(ed25519Spki(ed25519Encoding(y))), 'EdDSA');
  });

  it('accepts freshly generated keys', async () => {
    for (let i = 0; i < 32; i++) {
      const { publicKey } = generateKeyPairSync('ed25519');
      await expectAccepted(publicKey.export({ type: 'spki', format: 'pem' }) as string, 'EdDSA');
    }
  });
});

describe('RSA keys', () => {
  it.each(hostileRsaKeys().map((key) => [key.name, key] as const))('refuses a %s', async (_name, key) => {
    await expectRefused(key);
  });

  it('checks a 4096-bit prime modulus off the event loop: a timer set at upload fires before the answer', async () => {
    // Proving a 4096-bit prime takes OpenSSL over a second; done synchronously
    // it would stall every other request of the service for that long.
    const prime = BigInt(`0x${createDiffieHellmanGroup('modp16').getPrime('hex')}`);
    const events: string[] = [];
    const timer = new Promise<void>((resolve) => setTimeout(() => resolve(void events.push('timer')), 0));
    const result = validatePublicKey(pemOf(rsaSpki(prime)), 'RS256').then((r) => {
      events.push('answer');
      return r;
    });
    await Promise.all([timer, result]);
    expect(events).toEqual(['timer', 'answer']);
    expect(await result).toMatchObject({ ok: false, reason: expect.stringMatching(/prime/) });
  });
});

describe('encodings that are not exactly one SPKI key', () => {
  it.each(malformedSpkiKeys().map((key) => [key.name, key] as const))('refuses %s', async (_name, key) => {
    await expectRefused(key);
  });

  it('refuses base64 that only decodes leniently', async () => {
    const pem = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const body = pem.split('\n').slice(1, -2).join('');
    // Padding in the middle: Node's decoder would stop there and read a shorter key.
    const padded = `-----BEGIN PUBLIC KEY-----\n${body.slice(0, 20)}==${body.slice(20)}\n-----END PUBLIC KEY-----`;
    await expectRefused({ publicKey: padded, algorithm: 'EdDSA', reason: /not valid base64/ });
  });
});
