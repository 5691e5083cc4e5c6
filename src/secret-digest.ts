// Comparing a presented secret (a management key, the metrics token) with the
// one configured, in constant time. Comparing SHA-256 digests means both sides
// are always 32 bytes, so a length mismatch neither throws nor leaks, and only
// the digest of the configured secret is kept in memory.
import { createHash, timingSafeEqual } from 'node:crypto';

export const secretDigest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

export function secretMatches(digest: Buffer, presented: string): boolean {
  return timingSafeEqual(secretDigest(presented), digest);
}
