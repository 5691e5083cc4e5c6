// Proof-of-work challenges in the altcha v1 format (§3.1), created with
// altcha-lib. The salt carries the expiry and, when given, the app the
// challenge is bound to; both are covered by the signature, since the
// signature is an HMAC of SHA-256(salt + number).
import { createChallenge } from 'altcha-lib/v1';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';

export type PowConfig = NonNullable<Config['pow']>;

export interface PowChallenge {
  algorithm: 'SHA-256';
  challenge: string;
  maxnumber: number;
  salt: string;
  signature: string;
  expiresAt: string;
}

export async function createPowChallenge(pow: PowConfig, clock: Clock, appId?: string): Promise<PowChallenge> {
  const expires = new Date(clock.now() + pow.challengeTtlSeconds * 1000);
  const challenge = await createChallenge({
    algorithm: 'SHA-256',
    hmacKey: pow.hmacSecret,
    maxnumber: pow.difficulty,
    expires,
    params: appId ? { appId } : undefined,
  });
  return {
    algorithm: 'SHA-256',
    challenge: challenge.challenge,
    maxnumber: challenge.maxnumber ?? pow.difficulty,
    salt: challenge.salt,
    signature: challenge.signature,
    // altcha keeps whole seconds in the salt; report the instant it enforces.
    expiresAt: new Date(Math.floor(expires.getTime() / 1000) * 1000).toISOString(),
  };
}
