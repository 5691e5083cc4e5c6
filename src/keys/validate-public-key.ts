// Validates an uploaded customer public key (§2.2). Pure: takes the PEM text and
// the declared algorithm, returns the canonical SPKI PEM and its RFC 7638
// thumbprint, or a reason. Reasons never echo key material: a customer who
// pastes a private key by mistake must not see it in a log or a response.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import {
  KEY_REQUIREMENTS,
  RSA_EXPONENT,
  RSA_MAX_BITS,
  RSA_MIN_BITS,
  type CustomerAlgorithm,
} from './algorithms.js';

export type PublicKeyResult =
  | { ok: true; publicKey: string; thumbprint: string; keyObject: KeyObject }
  | { ok: false; reason: string };

// One block, base64 lines only; the DER parse below decides whether it is a key.
const SPKI_PEM = /^-----BEGIN PUBLIC KEY-----\n((?:[A-Za-z0-9+/=]{1,76}\n)+)-----END PUBLIC KEY-----$/;
const PEM_LABEL = /-----BEGIN ([A-Z0-9 ]+)-----/g;

function refuse(reason: string): PublicKeyResult {
  return { ok: false, reason };
}

/** Says why a text that is not one SPKI PEM block was refused. */
function shapeProblem(text: string): string {
  const labels = [...text.matchAll(PEM_LABEL)].map((m) => m[1]!);
  if (labels.some((label) => label.includes('PRIVATE KEY'))) {
    return 'a private key was submitted; upload only the public key (BEGIN PUBLIC KEY)';
  }
  if (text.startsWith('{')) {
    return /"d"\s*:/.test(text)
      ? 'a private key was submitted; upload only the public key (BEGIN PUBLIC KEY)'
      : 'a JWK is not accepted; send the key as an SPKI PEM (BEGIN PUBLIC KEY)';
  }
  if (labels.length > 1) return 'several PEM blocks were sent; send exactly one public key';
  if (labels[0] === 'CERTIFICATE') return 'a certificate is not accepted; send its SPKI public key (BEGIN PUBLIC KEY)';
  if (labels[0] === 'RSA PUBLIC KEY') return 'a PKCS#1 public key is not accepted; send it as SPKI (BEGIN PUBLIC KEY)';
  if (labels[0] === 'PUBLIC KEY') {
    return 'the PUBLIC KEY block is malformed; between BEGIN and END PUBLIC KEY send only base64 lines of at most 76 characters';
  }
  if (labels.length === 1) return `a ${labels[0]} block is not a public key; send an SPKI PEM (BEGIN PUBLIC KEY)`;
  return 'not a PEM public key; send an SPKI PEM (BEGIN PUBLIC KEY)';
}

function checkKey(key: KeyObject, algorithm: CustomerAlgorithm): string | null {
  const required = KEY_REQUIREMENTS[algorithm];
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  switch (required.type) {
    case 'rsa': {
      if (type !== 'rsa') return `${algorithm} needs an RSA key, got ${type ?? 'an unknown key type'}`;
      const bits = details.modulusLength ?? 0;
      if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
        return `RSA modulus must be ${RSA_MIN_BITS} to ${RSA_MAX_BITS} bits, got ${bits}`;
      }
      if (details.publicExponent !== RSA_EXPONENT) return 'RSA public exponent must be 65537';
      return null;
    }
    case 'ec':
      if (type !== 'ec') return `${algorithm} needs an EC key on ${required.curveName}, got ${type ?? 'an unknown key type'}`;
      if (details.namedCurve !== required.curve) {
        return `${algorithm} needs an EC key on ${required.curveName}, got curve ${details.namedCurve ?? 'unknown'}`;
      }
      return null;
    case 'ed25519':
      if (type !== 'ed25519') return `EdDSA needs an Ed25519 key, got ${type ?? 'an unknown key type'}`;
      return null;
  }
}

export async function validatePublicKey(input: string, algorithm: CustomerAlgorithm): Promise<PublicKeyResult> {
  const text = input.trim().replace(/\r\n/g, '\n');
  const pem = SPKI_PEM.exec(text);
  if (!pem) return refuse(shapeProblem(text));
  let key: KeyObject;
  try {
    // From DER with type 'spki' only, so no other encoding slips through.
    key = createPublicKey({ key: Buffer.from(pem[1]!.replace(/\n/g, ''), 'base64'), format: 'der', type: 'spki' });
  } catch {
    return refuse('the PEM block does not hold a valid SPKI public key');
  }
  const problem = checkKey(key, algorithm);
  if (problem) return refuse(problem);
  const jwk = key.export({ format: 'jwk' }) as JWK;
  return {
    ok: true,
    publicKey: key.export({ type: 'spki', format: 'pem' }) as string,
    thumbprint: await calculateJwkThumbprint(jwk, 'sha256'),
    keyObject: key,
  };
}
