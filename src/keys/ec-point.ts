// Is an uploaded EC public key a point of its curve's prime-order group?
// A point off the curve, or the point at infinity, is a key anyone can sign
// for (with Q = infinity, ECDSA's u1·G + u2·Q no longer depends on Q, so
// r = x(kG), s = e/k verifies for any message) and one node:crypto cannot
// even be asked about without aborting. P-256, P-384 and P-521 have cofactor
// 1, so a finite point that satisfies the curve equation is in the group.
import type { EcCurveName } from './algorithms.js';

interface Curve {
  p: bigint;
  b: bigint;
  /** Bytes of one coordinate. */
  size: number;
}

// y² = x³ − 3x + b over GF(p), parameters from SEC 2 / FIPS 186-5.
const CURVES: Record<EcCurveName, Curve> = {
  'P-256': {
    p: 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
    size: 32,
  },
  'P-384': {
    p: 2n ** 384n - 2n ** 128n - 2n ** 96n + 2n ** 32n - 1n,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
    size: 48,
  },
  'P-521': {
    p: 2n ** 521n - 1n,
    b: BigInt(
      '0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef1' +
        '09e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00',
    ),
    size: 66,
  },
};

const toBigInt = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString('hex')}`);

/** Why the SEC 1 encoded `point` is not a sound public key on `curveName`, or null when it is. */
export function ecPointProblem(curveName: EcCurveName, point: Uint8Array): string | null {
  const curve = CURVES[curveName];
  if (point.length === 1 && point[0] === 0x00) return `the EC point is the point at infinity`;
  // Compressed (02/03) and hybrid (06/07) forms would have to be decompressed
  // or cross-checked to be proven sound; every common tool writes 04 || x || y.
  if (point[0] !== 0x04) return 'the EC point must be uncompressed (04 || x || y)';
  if (point.length !== 1 + 2 * curve.size) {
    return `an uncompressed ${curveName} point is ${1 + 2 * curve.size} bytes, got ${point.length}`;
  }
  const x = toBigInt(point.subarray(1, 1 + curve.size));
  const y = toBigInt(point.subarray(1 + curve.size));
  const { p, b } = curve;
  if (x >= p || y >= p) return `the EC point's coordinates are not below the ${curveName} field prime`;
  if ((y * y - (x * x * x - 3n * x + b)) % p !== 0n) return `the EC point is not on the ${curveName} curve`;
  return null;
}
