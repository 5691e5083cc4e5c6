// Customer key pairs for tests, generated once per test file and cached:
// RSA generation takes seconds on a small CI machine, so no test makes its own.
import { execFileSync } from 'node:child_process';
import { createDiffieHellmanGroup, createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
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

// ---------------------------------------------------------------------------
// Public keys built by hand, byte by byte, the way an attacker would: DER that
// no key generator would write, points that are not on their curve, numbers
// anyone can factor. Each comes with the arithmetic that shows why it is weak.

/** DER building blocks: just enough to write any SPKI, well-formed or not. */
export const der = {
  /** One element: tag, minimal DER length, content. */
  tlv(tag: number, ...content: Uint8Array[]): Buffer {
    const body = Buffer.concat(content);
    const n = body.length;
    const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
    return Buffer.concat([Buffer.from([tag, ...length]), body]);
  },
  seq: (...content: Uint8Array[]) => der.tlv(0x30, ...content),
  /** An OBJECT IDENTIFIER from its content bytes in hex. */
  oid: (hex: string) => der.tlv(0x06, Buffer.from(hex, 'hex')),
  /** A BIT STRING with no unused bits. */
  bits: (content: Uint8Array) => der.tlv(0x03, Buffer.from([0]), content),
  /** A positive INTEGER, minimally encoded. */
  int(value: bigint): Buffer {
    let hex = value.toString(16);
    if (hex.length % 2) hex = `0${hex}`;
    if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
    return der.tlv(0x02, Buffer.from(hex, 'hex'));
  },
  NULL: Buffer.from([0x05, 0x00]),
};

export const OIDS = {
  rsaEncryption: '2a864886f70d010101',
  ecPublicKey: '2a8648ce3d0201',
  ed25519: '2b6570',
  'P-256': '2a8648ce3d030107',
  'P-384': '2b81040022',
  'P-521': '2b81040023',
} as const;

/** An SPKI PEM around any DER bytes, wrapped at 64 columns as OpenSSL writes it. */
export function pemOf(bytes: Uint8Array): string {
  const lines = Buffer.from(bytes).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`;
}

export const ecSpki = (curve: EcCurve, point: Uint8Array, params: Uint8Array = der.oid(OIDS[curve])) =>
  der.seq(der.seq(der.oid(OIDS.ecPublicKey), params), der.bits(point));

export const ed25519Spki = (key: Uint8Array) => der.seq(der.seq(der.oid(OIDS.ed25519)), der.bits(key));

export const rsaSpki = (n: bigint, e = 65537n) =>
  der.seq(der.seq(der.oid(OIDS.rsaEncryption), der.NULL), der.bits(der.seq(der.int(n), der.int(e))));

/** The uncompressed point 04 || x || y of a freshly generated key on `curve`. */
export function ecPoint(curve: EcCurve): Buffer {
  const spki = ecKey(curve).publicKey.export({ type: 'spki', format: 'der' });
  const size = { 'P-256': 32, 'P-384': 48, 'P-521': 66 }[curve];
  return Buffer.from(spki.subarray(spki.length - 1 - 2 * size));
}

export const bigFrom = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);

export function toBytes(value: bigint, length: number): Buffer {
  return Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex');
}

export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  base %= modulus;
  for (; exponent > 0n; exponent >>= 1n) {
    if (exponent & 1n) result = (result * base) % modulus;
    base = (base * base) % modulus;
  }
  return result;
}

/** a⁻¹ mod m by the extended Euclidean algorithm. */
export function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [((a % m) + m) % m, m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1, s0, s1] = [r1, r0 - q * r1, s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new Error('not invertible');
  return ((s0 % m) + m) % m;
}

/**
 * Well-known primes, so no test waits for a prime search: the 2048-bit MODP
 * group prime (RFC 3526 group 14) and the 1024-bit one (RFC 2409 group 2).
 * Both are safe primes (p = 2q + 1), so 65537 is invertible modulo p − 1.
 */
export const PRIME_2048 = BigInt(`0x${createDiffieHellmanGroup('modp14').getPrime('hex')}`);
export const PRIME_1024 = BigInt(`0x${createDiffieHellmanGroup('modp2').getPrime('hex')}`);

export interface WeakRsa {
  n: bigint;
  /** A multiple of the order of (Z/nZ)*, which anyone can compute from n here. */
  phi: bigint;
}

/** RSA moduli anyone can factor, each with the φ(n) that factoring gives away. */
export const weakRsa = {
  prime: (): WeakRsa => ({ n: PRIME_2048, phi: PRIME_2048 - 1n }),
  even: (): WeakRsa => ({ n: 2n * PRIME_2048, phi: PRIME_2048 - 1n }),
  smallFactor: (factor = 3n): WeakRsa => ({ n: factor * PRIME_2048, phi: (factor - 1n) * (PRIME_2048 - 1n) }),
  square: (): WeakRsa => ({ n: PRIME_1024 * PRIME_1024, phi: PRIME_1024 * (PRIME_1024 - 1n) }),
};

const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/**
 * An RS256 (RSASSA-PKCS1-v1_5 with SHA-256) signature made with the private
 * exponent d = 65537⁻¹ mod φ(n) — the key the weak modulus gives away.
 */
export function signRs256WithWeakModulus({ n, phi }: WeakRsa, input: string): Buffer {
  const d = modInverse(65537n, phi);
  return toBytes(modPow(emsaPkcs1Sha256(input, n), d, n), byteLength(n));
}

const byteLength = (n: bigint) => Math.ceil(n.toString(2).length / 8);

/** EMSA-PKCS1-v1_5 encoding of SHA-256(input) for modulus n (RFC 8017 §9.2), as an integer. */
export function emsaPkcs1Sha256(input: string, n: bigint): bigint {
  const t = Buffer.concat([SHA256_DIGEST_INFO, createHash('sha256').update(input).digest()]);
  const padding = Buffer.alloc(byteLength(n) - t.length - 3, 0xff);
  return bigFrom(Buffer.concat([Buffer.from([0, 1]), padding, Buffer.from([0]), t]));
}

/** Ed25519 encodings (little-endian y, top bit the sign of x). */
const ED25519_P = 2n ** 255n - 19n;
export function ed25519Encoding(y: bigint, xSign: 0 | 1 = 0): Buffer {
  const bytes = toBytes(y, 32).reverse();
  if (xSign) bytes[31]! |= 0x80;
  return bytes;
}

/**
 * The eight points of order dividing 8 (as libsodium's blocklist lists their
 * y values: 0, 1, p − 1 and the two order-8 ones, each x sign where x ≠ 0),
 * and encodings of them that are not canonical (y ≥ p, or x = 0 with the sign
 * bit set) but that a lenient decoder reads as the same points.
 */
const ORDER_8_Y = [
  0x05fc536d880238b13933c6d305acdfd5f098eff289f4c345b027b2c28f95e826n,
  0x7a03ac9277fdc74ec6cc392cfa53202a0f67100d760b3cba4fd84d3d706a17c7n,
];
export const ED25519_SMALL_ORDER: Record<string, Buffer> = {
  'identity (order 1)': ed25519Encoding(1n),
  'order 2': ed25519Encoding(ED25519_P - 1n),
  'order 4, x even': ed25519Encoding(0n),
  'order 4, x odd': ed25519Encoding(0n, 1),
  'order 8 (a), x even': ed25519Encoding(ORDER_8_Y[0]!),
  'order 8 (a), x odd': ed25519Encoding(ORDER_8_Y[0]!, 1),
  'order 8 (b), x even': ed25519Encoding(ORDER_8_Y[1]!),
  'order 8 (b), x odd': ed25519Encoding(ORDER_8_Y[1]!, 1),
};
export const ED25519_NON_CANONICAL: Record<string, Buffer> = {
  'identity as y = p + 1': ed25519Encoding(ED25519_P + 1n),
  'identity with the x sign bit set': ed25519Encoding(1n, 1),
  'order 2 with the x sign bit set': ed25519Encoding(ED25519_P - 1n, 1),
  'order 4 as y = p': ed25519Encoding(ED25519_P),
  'y = p + 2': ed25519Encoding(ED25519_P + 2n),
  'y = 2^255 − 1': ed25519Encoding(2n ** 255n - 1n),
};

/** The identity's signature for every message under a small-order key: R = identity, S = 0. */
export const ED25519_UNIVERSAL_SIGNATURE = Buffer.concat([ed25519Encoding(1n), Buffer.alloc(32)]);

export interface HostileKey {
  name: string;
  algorithm: CustomerAlgorithm;
  /** What is uploaded as `publicKey`. */
  publicKey: string;
  /** What the refusal must say. */
  reason: RegExp;
}

const EC_ALGORITHM = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' } as const;
const COORDINATE_BYTES = { 'P-256': 32, 'P-384': 48, 'P-521': 66 } as const;

/** EC public keys whose point cannot be a key: off the curve, infinity, out of range, or not plainly encoded. */
export function hostileEcKeys(curve: EcCurve): HostileKey[] {
  const algorithm = EC_ALGORITHM[curve];
  const size = COORDINATE_BYTES[curve];
  const point = ecPoint(curve);
  const x = point.subarray(1, 1 + size);
  const y = point.subarray(1 + size);
  const offCurve = Buffer.from(point);
  // y ± 1: on the curve only if it were p − y, the one other root, i.e. if y were (p ± 1)/2.
  offCurve[offCurve.length - 1]! ^= 0x01;
  const allOnes = Buffer.alloc(size, 0xff); // above p for all three curves
  const key = (name: string, bytes: Uint8Array, reason: RegExp): HostileKey => ({
    name: `${curve}: ${name}`,
    algorithm,
    publicKey: pemOf(ecSpki(curve, bytes)),
    reason,
  });
  return [
    key('point not on the curve', offCurve, new RegExp(`not on the ${curve} curve`)),
    key('point at infinity', Buffer.from([0x00]), /point at infinity/),
    key('x coordinate ≥ p', Buffer.concat([Buffer.from([4]), allOnes, y]), /not below the .* field prime/),
    key('y coordinate ≥ p', Buffer.concat([Buffer.from([4]), x, allOnes]), /not below the .* field prime/),
    key('all-zero point (0, 0)', Buffer.concat([Buffer.from([4]), Buffer.alloc(2 * size)]), /not on the/),
    key('compressed point', Buffer.concat([Buffer.from([2 + (y.at(-1)! & 1)]), x]), /uncompressed/),
    key('hybrid point', Buffer.concat([Buffer.from([6 + (y.at(-1)! & 1)]), x, y]), /uncompressed/),
    key('point one byte short', point.subarray(0, -1), /bytes, got/),
    key('point one byte long', Buffer.concat([point, Buffer.from([0])]), /bytes, got/),
    key('empty point', Buffer.alloc(0), /uncompressed/),
  ];
}

/** Ed25519 keys anyone can sign for, or that are not one point in one encoding. */
export function hostileEd25519Keys(): HostileKey[] {
  const key = (name: string, bytes: Uint8Array, reason: RegExp): HostileKey => ({
    name: `Ed25519: ${name}`,
    algorithm: 'EdDSA',
    publicKey: pemOf(ed25519Spki(bytes)),
    reason,
  });
  return [
    ...Object.entries(ED25519_SMALL_ORDER).map(([name, bytes]) => key(`small order, ${name}`, bytes, /small order/)),
    ...Object.entries(ED25519_NON_CANONICAL).map(([name, bytes]) =>
      key(`non-canonical, ${name}`, bytes, /not canonically encoded/),
    ),
    // (y² − 1) / (d·y² + 1) is not a square mod p for y = 2 (Euler's criterion): no x exists.
    key('y = 2, not on the curve', ed25519Encoding(2n), /not a point on the curve/),
    key('31 bytes', Buffer.alloc(31, 1), /32 bytes, got 31/),
    key('33 bytes', Buffer.alloc(33, 1), /32 bytes, got 33/),
  ];
}

/** RSA keys whose modulus anyone can factor, so anyone can compute the private exponent. */
export function hostileRsaKeys(): HostileKey[] {
  const key = (name: string, { n }: WeakRsa, reason: RegExp): HostileKey => ({
    name: `RSA: ${name}`,
    algorithm: 'RS256',
    publicKey: pemOf(rsaSpki(n)),
    reason,
  });
  return [
    key('prime modulus', weakRsa.prime(), /modulus is prime/),
    key('even modulus', weakRsa.even(), /modulus is even/),
    key('modulus divisible by 3', weakRsa.smallFactor(3n), /prime factor below 10000/),
    key('modulus divisible by 9973', weakRsa.smallFactor(9973n), /prime factor below 10000/),
    key('modulus a perfect square', weakRsa.square(), /perfect square/),
  ];
}

/** Encodings no conforming encoder writes, around otherwise valid keys. */
export function malformedSpkiKeys(): HostileKey[] {
  const good = Buffer.from(ecKey('P-256').publicKey.export({ type: 'spki', format: 'der' }));
  const point = ecPoint('P-256');
  const n = bigFrom(Buffer.from(rsaKey(2048).publicKey.export({ format: 'jwk' }).n!, 'base64url'));
  const key = (name: string, bytes: Uint8Array, reason: RegExp, algorithm: CustomerAlgorithm = 'ES256'): HostileKey => ({
    name: `DER: ${name}`,
    algorithm,
    publicKey: pemOf(bytes),
    reason,
  });
  // The good P-256 key with its outer length field replaced.
  const withLength = (lengthBytes: number[]) => Buffer.concat([Buffer.from([0x30, ...lengthBytes]), good.subarray(2)]);
  const ecAlgorithm = (...params: Uint8Array[]) => der.seq(der.oid(OIDS.ecPublicKey), ...params);
  const p256 = der.oid(OIDS['P-256']);
  const unknownOid = der.oid('2a0304'); // 1.2.3.4
  const integer = (...bytes: number[]) => der.tlv(0x02, Buffer.from(bytes));
  // An RSA SPKI around any RSAPublicKey content, with NULL parameters unless told.
  const rsa = (content: Uint8Array, params: Uint8Array[] = [der.NULL]) =>
    der.seq(der.seq(der.oid(OIDS.rsaEncryption), ...params), der.bits(content));
  const rsaKeyOf = (...integers: Uint8Array[]) => der.seq(...integers);
  const [N, E] = [der.int(n), der.int(65537n)];
  return [
    key('truncated by one byte', good.subarray(0, -1), /truncated|beyond the end/),
    key('truncated to its header', good.subarray(0, 2), /truncated|beyond the end/),
    key('trailing garbage', Buffer.concat([good, Buffer.from([0x00])]), /unexpected bytes after the SPKI SEQUENCE/),
    key('a second key appended', Buffer.concat([good, good]), /unexpected bytes after the SPKI SEQUENCE/),
    key('length in long form where short form fits', withLength([0x81, good[1]!]), /not minimal/),
    key('length with a leading zero byte', withLength([0x82, 0x00, good[1]!]), /not minimal/),
    key('indefinite length', withLength([0x80]), /indefinite/),
    key('absurd length (4 GiB)', withLength([0x84, 0xff, 0xff, 0xff, 0xff]), /beyond the end/),
    key('absurd length field (9 length bytes)', withLength([0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9]), /impossible length/),
    key('not a SEQUENCE', der.int(12345n), /not where it should be/),
    key('no BIT STRING', der.seq(ecAlgorithm(p256)), /missing/),
    key('OCTET STRING instead of BIT STRING', der.seq(ecAlgorithm(p256), der.tlv(0x04, point)), /not where it should be/),
    key(
      'BIT STRING with unused bits',
      der.seq(ecAlgorithm(p256), der.tlv(0x03, Buffer.from([3]), point)),
      /BIT STRING is malformed/,
    ),
    key('unknown algorithm OID', der.seq(der.seq(unknownOid), der.bits(point)), /got an unsupported key type/),
    key('empty algorithm OID', der.seq(der.seq(der.tlv(0x06)), der.bits(point)), /got an unsupported key type/),
    key(
      'unknown algorithm OID, under EdDSA',
      der.seq(der.seq(unknownOid), der.bits(Buffer.alloc(32, 9))),
      /got an unsupported key type/,
      'EdDSA',
    ),
    key('unknown curve OID', ecSpki('P-256', point, unknownOid), /unsupported curve/),
    key('EC with explicit curve parameters', ecSpki('P-256', point, der.seq(der.int(1n))), /explicit EC curve parameters/),
    key('EC with NULL parameters', ecSpki('P-256', point, der.NULL), /must name the curve/),
    key('EC with no parameters', der.seq(ecAlgorithm(), der.bits(point)), /must name the curve/),
    key(
      'EC with two parameters',
      der.seq(ecAlgorithm(p256, der.NULL), der.bits(point)),
      /unexpected bytes after the algorithm parameters/,
    ),
    key(
      'Ed25519 with NULL parameters',
      der.seq(der.seq(der.oid(OIDS.ed25519), der.NULL), der.bits(Buffer.alloc(32, 9))),
      /no algorithm parameters/,
      'EdDSA',
    ),
    key('RSA with no parameters', rsa(rsaKeyOf(N, E), []), /must be NULL/, 'RS256'),
    key('RSA with an OID as parameters', rsa(rsaKeyOf(N, E), [p256]), /must be NULL/, 'RS256'),
    key('RSA modulus zero', rsa(rsaKeyOf(integer(0), E)), /modulus is zero/, 'RS256'),
    key('RSA modulus negative', rsa(rsaKeyOf(integer(0x80, 1), E)), /modulus is negative/, 'RS256'),
    key(
      'RSA modulus with a redundant leading zero',
      rsa(rsaKeyOf(der.tlv(0x02, Buffer.concat([Buffer.from([0, 0]), toBytes(n, 256)])), E)),
      /not minimally encoded/,
      'RS256',
    ),
    key('RSA modulus an empty INTEGER', rsa(rsaKeyOf(der.tlv(0x02), E)), /empty INTEGER/, 'RS256'),
    key('RSA exponent negative', rsa(rsaKeyOf(N, integer(0xff))), /exponent is negative/, 'RS256'),
    key('RSA exponent missing', rsa(rsaKeyOf(N)), /exponent is missing/, 'RS256'),
    key(
      'RSA key with a third INTEGER',
      rsa(rsaKeyOf(N, E, der.int(1n))),
      /unexpected bytes after the RSA public key/,
      'RS256',
    ),
    key(
      'RSA key with trailing bytes in the BIT STRING',
      rsa(Buffer.concat([rsaKeyOf(N, E), Buffer.from([0])])),
      /unexpected bytes after the RSA public key/,
      'RS256',
    ),
  ];
}
