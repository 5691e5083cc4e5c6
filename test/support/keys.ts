// Customer key pairs for tests, generated once per test file and cached:
// RSA generation takes seconds on a small CI machine, so no test makes its own.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CustomerAlgorithm } from '../../src/keys/algorithms.js';

export interface TestKey {
  /** The public key as an SPKI PEM (`-----BEGIN PUBLIC KEY-----`), what a customer uploads. */
  publicPem: string;
  publicKey: KeyObject;
  privateKey: KeyObject;
}

export type EcCurve = 'P-256' | 'P-384' | 'P-521';

const cache = new Map<string, TestKey>();

function cached(name: string, make: () => { publicKey: KeyObject; privateKey: KeyObject }): TestKey {
  let key = cache.get(name);
  if (!key) {
    const pair = make();
    key = { ...pair, publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string };
    cache.set(name, key);
  }
  return key;
}

/** An RSA key pair (exponent 65537 unless given). */
export function rsaKey(bits: 1024 | 2048 | 3072 | 4096 = 2048, publicExponent = 65537): TestKey {
  return cached(`rsa-${bits}-${publicExponent}`, () =>
    generateKeyPairSync('rsa', { modulusLength: bits, publicExponent }),
  );
}

export function ecKey(curve: EcCurve = 'P-256'): TestKey {
  return cached(`ec-${curve}`, () => generateKeyPairSync('ec', { namedCurve: curve }));
}

export function edKey(): TestKey {
  return cached('ed25519', () => generateKeyPairSync('ed25519'));
}

/** Key types no customer algorithm accepts. */
export function otherKey(type: 'x25519' | 'ed448' | 'rsa-pss'): TestKey {
  return cached(type, () =>
    type === 'rsa-pss'
      ? generateKeyPairSync('rsa-pss', { modulusLength: 2048 })
      : type === 'x25519'
        ? generateKeyPairSync('x25519')
        : generateKeyPairSync('ed448'),
  );
}

/** A valid key for each customer algorithm, e.g. to upload before signing a JWT. */
export function keyFor(algorithm: CustomerAlgorithm): TestKey {
  switch (algorithm) {
    case 'RS256':
    case 'RS384':
    case 'RS512':
      return rsaKey(2048);
    case 'ES256':
      return ecKey('P-256');
    case 'ES384':
      return ecKey('P-384');
    case 'ES512':
      return ecKey('P-521');
    case 'EdDSA':
      return edKey();
  }
}

let certificate: string | undefined;

/** A self-signed X.509 certificate (P-256) as PEM, made once with openssl. */
export function certificatePem(): string {
  if (certificate) return certificate;
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-cert-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=x', '-days', '1',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { stdio: 'ignore' },
    );
    certificate = readFileSync(join(dir, 'cert.pem'), 'utf8');
    return certificate;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The base64 body lines of a PEM (or any text), for asserting that a response
 * or reason never echoes submitted key material.
 */
export function base64Lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => /^[A-Za-z0-9+/=]{16,}$/.test(line));
}
