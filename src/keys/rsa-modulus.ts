// Is an uploaded RSA public key one only its owner can sign for? Beyond the
// size and exponent rules, a modulus anyone can factor gives anyone the
// private exponent: a prime n (φ = n − 1), an even n, one with a small prime
// factor, or a perfect square (n = q², φ = q(q − 1)).
import { checkPrime } from 'node:crypto';
import { promisify } from 'node:util';
import { RSA_EXPONENT, RSA_MAX_BITS, RSA_MIN_BITS } from './algorithms.js';

export const SMALL_FACTOR_BOUND = 10_000;

const isProbablePrime = promisify(checkPrime);

function primesBelow(bound: number): bigint[] {
  const composite = new Uint8Array(bound);
  const primes: bigint[] = [];
  for (let i = 2; i < bound; i++) {
    if (composite[i]) continue;
    primes.push(BigInt(i));
    for (let j = i * i; j < bound; j += i) composite[j] = 1;
  }
  return primes;
}

const SMALL_PRIMES = primesBelow(SMALL_FACTOR_BOUND);

function isPerfectSquare(n: bigint): boolean {
  // Newton's method from above: converges to ⌊√n⌋.
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const next = (x + n / x) >> 1n;
    if (next >= x) break;
    x = next;
  }
  return x * x === n;
}

/** Why the RSA public key (n, e) is refused, or null when it is sound. */
export async function rsaKeyProblem(n: bigint, e: bigint): Promise<string | null> {
  const bits = n.toString(2).length;
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
    return `RSA modulus must be ${RSA_MIN_BITS} to ${RSA_MAX_BITS} bits, got ${bits}`;
  }
  if (e !== RSA_EXPONENT) return 'RSA public exponent must be 65537';
  if ((n & 1n) === 0n) return 'the RSA modulus is even, so anyone can factor it';
  if (SMALL_PRIMES.some((prime) => n % prime === 0n)) {
    return `the RSA modulus has a prime factor below ${SMALL_FACTOR_BOUND}, so anyone can factor it`;
  }
  if (isPerfectSquare(n)) return 'the RSA modulus is a perfect square, so anyone can factor it';
  // OpenSSL's Miller–Rabin, on the libuv thread pool: a real (composite) modulus
  // fails its first round in milliseconds, but proving a 4096-bit prime takes
  // more than a second, which must not stall the event loop.
  if (await isProbablePrime(n)) return 'the RSA modulus is prime, so anyone can compute the private key';
  return null;
}
