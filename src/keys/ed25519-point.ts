// Is an uploaded Ed25519 public key a canonical point of large order?
// OpenSSL verifies Ed25519 without the cofactor, so for a key A of small order
// [k]A is one of at most 8 points whatever the message: with A the identity,
// the signature (R = identity, S = 0) verifies every message, for anyone.
//
// How small order is decided: by computing [8]A and comparing it with the
// identity, rather than by matching a list of the known small-order encodings.
// A list must get every non-canonical alias right (y ≥ p, x = 0 with the sign
// bit set) to be complete; the computation is complete by definition, and the
// aliases are refused on their own first, as RFC 8032 §5.1.3 decoding does.
// Mixed-order keys (large order plus a small component) are not refused: only
// their owner can sign for them.

const p = 2n ** 255n - 19n;
const mod = (a: bigint) => ((a % p) + p) % p;

function pow(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  base = mod(base);
  for (; exponent > 0n; exponent >>= 1n) {
    if (exponent & 1n) result = (result * base) % p;
    base = (base * base) % p;
  }
  return result;
}

const inverse = (a: bigint) => pow(a, p - 2n);
const d = mod(-121665n * inverse(121666n));
const SQRT_M1 = pow(2n, (p - 1n) / 4n);

type Point = { x: bigint; y: bigint };

/** RFC 8032 §5.1.3 point decoding, except that it says why it failed. */
function decode(bytes: Uint8Array): Point | string {
  const le = Buffer.from(bytes).reverse();
  const sign = le[0]! >> 7;
  le[0]! &= 0x7f;
  const y = BigInt(`0x${le.toString('hex')}`);
  if (y >= p) return 'the Ed25519 key is not canonically encoded';
  // x² = (y² − 1) / (d·y² + 1); the denominator is never 0 as d is not a square.
  const u = mod(y * y - 1n);
  const v = mod(d * y * y + 1n);
  const x2 = mod(u * inverse(v));
  let x = pow(x2, (p + 3n) / 8n);
  if (mod(x * x - x2) !== 0n) x = mod(x * SQRT_M1);
  if (mod(x * x - x2) !== 0n) return 'the Ed25519 key is not a point on the curve';
  if (x === 0n && sign === 1) return 'the Ed25519 key is not canonically encoded';
  if (Number(x & 1n) !== sign) x = p - x;
  return { x, y };
}

/** Point doubling on −x² + y² = 1 + d·x²·y²; the formula is complete, no exceptional cases. */
function double({ x, y }: Point): Point {
  const dxxyy = mod(d * x * x * y * y);
  return {
    x: mod(2n * x * y * inverse(1n + dxxyy)),
    y: mod((y * y + x * x) * inverse(1n - dxxyy)),
  };
}

/** Why the 32-byte Ed25519 key is not sound, or null when it is. */
export function ed25519KeyProblem(key: Uint8Array): string | null {
  const point = decode(key);
  if (typeof point === 'string') return point;
  const eight = double(double(double(point)));
  if (eight.x === 0n && eight.y === 1n) return 'the Ed25519 key is a point of small order, which anyone can sign for';
  return null;
}
